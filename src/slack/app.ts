// Builds the Bolt app: HTTP mode (POST /slack/events, GET /healthz and /readyz) or Socket Mode when an app token is set.

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  App,
  type Logger as BoltLogger,
  HTTPModuleFunctions,
  HTTPReceiver,
  LogLevel,
  type ReceiverProcessEventErrorHandlerArgs,
} from '@slack/bolt';
import type { Config } from '../config.js';
import { boltLogger, type Logger } from '../logger.js';
import { inSpan, tracingInstalled } from '../tracing.js';

export const SLACK_EVENTS_PATH = '/slack/events';

/** Thrown by a middleware for a payload no listener handles (an unknown command, action or view). */
export class UnrecognizedRequestError extends Error {
  override name = 'UnrecognizedRequestError';
}
/** Liveness: 200 whenever the process answers. */
export const HEALTH_PATH = '/healthz';
/** Readiness: Temporal reachable and a worker running (this process's) or polling the task queue. */
export const READINESS_PATH = '/readyz';

export interface Health {
  ok: boolean;
  [detail: string]: unknown;
}

export interface SlackAppOptions {
  slack: Config['slack'] & { botToken: string };
  /** Answers GET /readyz in HTTP mode, ready or not and nothing more; without it the app is ready whenever it answers. */
  readiness?: () => Promise<Health> | Health;
  logLevel?: Config['logLevel'];
  /** Our JSON logger; Bolt's own console logger when absent. */
  logger?: Logger;
}

const BOLT_LOG_LEVEL = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
} as const;

/**
 * Answers a health request: 200 when ok, else 503; a check that throws is not ok. The body is `{"ok":…}` alone
 * unless `reasons` is asked for: why a process is not ready (Temporal's own error text among it) is for operators,
 * not for whoever reaches the Slack port.
 */
export async function answerHealth(
  health: SlackAppOptions['readiness'],
  res: ServerResponse,
  show: { reasons: boolean } = { reasons: false },
): Promise<void> {
  let body: Health;
  try {
    body = health ? await health() : { ok: true };
  } catch (error) {
    body = { ok: false, error: (error as Error).message };
  }
  res
    .writeHead(body.ok ? 200 : 503, { 'content-type': 'application/json' })
    .end(JSON.stringify(show.reasons ? body : { ok: body.ok }));
}

export function createSlackApp(options: SlackAppOptions): App {
  const { slack } = options;
  const level = options.logLevel ?? 'info';
  const common = {
    token: slack.botToken,
    clientOptions: { slackApiUrl: slack.apiUrl },
    logLevel: BOLT_LOG_LEVEL[level],
    ...(options.logger ? { logger: boltLogger(options.logger, level) as unknown as BoltLogger } : {}),
  };
  if (slack.socketMode) {
    return traced(new App({ ...common, socketMode: true, appToken: slack.appToken }));
  }
  const receiver = new HTTPReceiver({
    signingSecret: slack.signingSecret ?? '',
    endpoints: SLACK_EVENTS_PATH,
    logLevel: common.logLevel,
    ...(common.logger ? { logger: common.logger } : {}),
    customRoutes: [
      {
        path: HEALTH_PATH,
        method: ['GET'],
        handler: (_req: IncomingMessage, res: ServerResponse) => void answerHealth(undefined, res),
      },
      {
        path: READINESS_PATH,
        method: ['GET'],
        handler: (_req: IncomingMessage, res: ServerResponse) => void answerHealth(options.readiness, res),
      },
    ],
    processEventErrorHandler: answerProcessingError,
  });
  return traced(new App({ ...common, receiver }));
}

/**
 * With tracing on, each request from Slack is a span, the root of what it starts (a run, a decision) and of the Web API
 * calls made for it. A span names the request by its kind and ids, never by what anyone wrote.
 */
function traced(app: App): App {
  if (!tracingInstalled()) return app;
  app.use(async ({ body, next }) => {
    const request = body as {
      type?: string;
      command?: string;
      user_id?: string;
      team_id?: string;
      user?: { id?: string };
      team?: { id?: string } | null;
      actions?: Array<{ action_id?: string }>;
      view?: { callback_id?: string };
      event?: { type?: string };
    };
    const kind = request.command ? 'slash_command' : (request.type ?? 'unknown');
    const attributes = {
      'slack.request': kind,
      ...(request.command ? { 'slack.command': request.command } : {}),
      ...(request.actions?.[0]?.action_id ? { 'slack.action_id': request.actions[0].action_id } : {}),
      ...(request.view?.callback_id ? { 'slack.callback_id': request.view.callback_id } : {}),
      ...(request.event?.type ? { 'slack.event': request.event.type } : {}),
      'slack.user': request.user_id ?? request.user?.id ?? '',
      'slack.team': request.team_id ?? request.team?.id ?? '',
    };
    await inSpan(`slack request ${kind}`, attributes, () => next());
  });
  return app;
}

/** A payload no listener of ours handles gets a 400 at once, instead of Bolt's 404 after three seconds. */
async function answerProcessingError(args: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> {
  const cause = (args.error as { original?: unknown }).original ?? args.error;
  if (cause instanceof UnrecognizedRequestError && !args.response.headersSent) {
    args.response.writeHead(400, { 'content-type': 'text/plain' }).end(cause.message);
    return true;
  }
  return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
}
