// Slack's side of the app: sends what Slack sends to an app's Request URL — slash commands
// (form-encoded), interactivity payloads (`payload=<json>`) and Events API callbacks (JSON) — signed exactly
// as Slack signs.
import { createHmac } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { FAKE_SLACK_BOT } from './slack-api.js';

/** How Slack signs: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret. */
export function slackSignature(signingSecret: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex');
  return `v0=${digest}`;
}

/** An Events API delivery's JSON body (https://docs.slack.dev/apis/events-api/#callback-field). */
export interface EventCallback {
  token: string;
  team_id: string;
  api_app_id: string;
  event: Record<string, unknown>;
  type: 'event_callback';
  event_id: string;
  event_time: number;
  authorizations: Array<Record<string, unknown>>;
  is_ext_shared_channel: boolean;
}

/** The app's bot user, as the Slack fake's auth.test names it: what a mention of the app carries. */
export const APP_BOT_USER_ID = FAKE_SLACK_BOT.userId;

/** The envelope Slack wraps every event in; team_id is here, not in the event (e.g. agent_session_stopped). */
export function eventCallback(
  event: Record<string, unknown>,
  options: { teamId?: string | undefined; eventId: string },
): EventCallback {
  const teamId = options.teamId ?? 'T0TEST';
  const nowMs = Date.now();
  return {
    token: 'deprecated-verification-token',
    team_id: teamId,
    api_app_id: 'A0TEST',
    event: { event_ts: (nowMs / 1000).toFixed(6), ...event },
    type: 'event_callback',
    event_id: options.eventId,
    event_time: Math.floor(nowMs / 1000),
    // Whom the event is delivered to: the bot of the one installation the app has.
    authorizations: [
      {
        enterprise_id: null,
        team_id: teamId,
        user_id: APP_BOT_USER_ID,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}

/**
 * `app_mention` (https://docs.slack.dev/reference/events/app_mention): someone mentioned the app in a channel, at the
 * start of a thread (no `thread_ts`) or in one.
 */
export function mentionEvent(mention: {
  user: string;
  channel: string;
  /** What follows the mention. */
  text: string;
  ts: string;
  threadTs?: string;
  /** A bot's message that mentions the app. */
  botId?: string;
}): Record<string, unknown> {
  return {
    type: 'app_mention',
    user: mention.user,
    text: `<@${APP_BOT_USER_ID}> ${mention.text}`,
    ts: mention.ts,
    channel: mention.channel,
    event_ts: mention.ts,
    team: 'T0TEST',
    ...(mention.threadTs ? { thread_ts: mention.threadTs } : {}),
    ...(mention.botId ? { bot_id: mention.botId } : { client_msg_id: `${mention.ts}-client` }),
  };
}

/**
 * `message.im` (https://docs.slack.dev/reference/events/message.im): a message in the app's Messages tab, the person's
 * DM with the app (`D` + their id without its `U`, as the Slack fake names it), delivered as type `message` with
 * `channel_type: "im"`. A bot's own post there comes back the same way, with its `bot_id`.
 */
export function directMessageEvent(message: {
  user: string;
  text: string;
  ts: string;
  threadTs?: string;
  botId?: string;
  subtype?: string;
}): Record<string, unknown> {
  return {
    type: 'message',
    channel: `D${message.user.slice(1)}`,
    channel_type: 'im',
    user: message.user,
    text: message.text,
    ts: message.ts,
    event_ts: message.ts,
    team: 'T0TEST',
    ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
    ...(message.botId ? { bot_id: message.botId } : { client_msg_id: `${message.ts}-client` }),
    ...(message.subtype ? { subtype: message.subtype } : {}),
  };
}

/** `agent_session_stopped` (https://docs.slack.dev/reference/events/agent_session_stopped): the session's stop button. */
export function sessionStoppedEvent(stop: {
  user: string;
  channel: string;
  threadTs: string;
  streamingMessageTs?: string[];
}): Record<string, unknown> {
  return {
    type: 'agent_session_stopped',
    channel: stop.channel,
    user: stop.user,
    thread_ts: stop.threadTs,
    streaming_message_ts: stop.streamingMessageTs ?? [],
  };
}

/**
 * An event as Bolt's Socket Mode receiver hands it to the app (no WebSocket to Slack is reachable here): the envelope's
 * payload, the envelope's `retry_attempt`/`retry_reason` on a re-delivery, and an ack that records what was answered.
 */
export function socketModeDelivery(
  body: EventCallback | Record<string, unknown>,
  retry?: { num: number; reason?: string },
) {
  const delivery = {
    acked: false,
    event: {
      body: body as Record<string, unknown>,
      ack: async () => {
        delivery.acked = true;
      },
      ...(retry ? { retryNum: retry.num, retryReason: retry.reason ?? 'timeout' } : {}),
    },
  };
  return delivery;
}

/** Bolt refuses requests older than five minutes; ten is unambiguously stale. */
const STALE_BY_SECONDS = 10 * 60;

export type Signing =
  | 'valid'
  /** Signed with a different secret, as a forger would. */
  | 'forged'
  /** Correctly signed, but with a timestamp Slack would never send (replay window passed). */
  | 'stale'
  /** No signature headers at all. */
  | 'unsigned';

export interface SlackResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON when it is JSON. */
  json: unknown;
}

export interface SlashCommand {
  command?: string;
  text: string;
  userId: string;
  userName?: string;
  channelId: string;
  channelName?: string;
  teamId?: string;
  triggerId?: string;
  responseUrl?: string;
}

export class SlackSender {
  private triggerCounter = 0;
  private eventCounter = 0;
  private messageCounter = 0;

  constructor(
    private readonly requestUrl: string,
    private readonly signingSecret: string,
    /** Where response_urls point (the Slack fake's `hooksUrl`); a dead address when absent. */
    private readonly hooksUrl = 'https://hooks.slack.invalid/',
  ) {}

  /** Posts a raw body with the given content type, signed as asked. */
  /** The last request sent, byte for byte, so that a test can replay it as an attacker would. */
  lastSent: { body: string; headers: Record<string, string> } | undefined;

  async send(
    body: string,
    contentType: string,
    signing: Signing = 'valid',
    extraHeaders: Record<string, string> = {},
  ): Promise<SlackResponse> {
    const headers: Record<string, string> = { 'content-type': contentType, ...extraHeaders };
    if (signing !== 'unsigned') {
      const now = Math.floor(Date.now() / 1000);
      const timestamp = signing === 'stale' ? now - STALE_BY_SECONDS : now;
      const secret = signing === 'forged' ? `${this.signingSecret}-forged` : this.signingSecret;
      headers['x-slack-request-timestamp'] = String(timestamp);
      headers['x-slack-signature'] = slackSignature(secret, timestamp, body);
    }
    this.lastSent = { body, headers };
    return this.post(body, headers);
  }

  /** Sends captured bytes and headers again, unchanged: a replay inside Slack's five-minute window. */
  replay(sent: { body: string; headers: Record<string, string> }): Promise<SlackResponse> {
    return this.post(sent.body, sent.headers);
  }

  /**
   * One connection per request, as Slack's deliveries arrive: a request the server refuses before reading it
   * all (an oversize body) cannot poison a pooled connection for the next one.
   */
  private post(body: string, headers: Record<string, string>): Promise<SlackResponse> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(this.requestUrl, { method: 'POST', headers, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
        });
      });
      // The server may answer (413) and close before taking the whole body; the answer is what counts.
      request.on('error', (error: NodeJS.ErrnoException) =>
        error.code === 'EPIPE' ? undefined : reject(error),
      );
      request.end(body);
    });
  }

  nextTriggerId(): string {
    this.triggerCounter += 1;
    return `${Date.now()}.${this.triggerCounter}.trigger`;
  }

  /** Slack's event ids are unique per delivery (a retry keeps its id); `Ev` and upper-case letters and digits. */
  private nextEventId(): string {
    this.eventCounter += 1;
    return `Ev${Date.now().toString(36).toUpperCase()}${this.eventCounter}`;
  }

  /** An Events API delivery as Slack posts it: an `event_callback` JSON envelope around `event`. */
  event(
    event: Record<string, unknown>,
    options: { teamId?: string; signing?: Signing } = {},
  ): Promise<SlackResponse> {
    const body = eventCallback(event, { teamId: options.teamId, eventId: this.nextEventId() });
    return this.send(JSON.stringify(body), 'application/json', options.signing);
  }

  /** An Events API body to deliver, over HTTP (`sendEvent`) or as Socket Mode hands it to Bolt (`socketModeDelivery`). */
  eventBody(event: Record<string, unknown>, options: { teamId?: string } = {}): EventCallback {
    return eventCallback(event, { teamId: options.teamId, eventId: this.nextEventId() });
  }

  /**
   * Delivers an event body over HTTP, signed afresh as every delivery is; `retry`: Slack delivering it again after no
   * timely answer — the same body (the same event_id), with its retry headers.
   */
  sendEvent(body: EventCallback, retry?: { num: number; reason?: string }): Promise<SlackResponse> {
    const headers: Record<string, string> = retry
      ? { 'x-slack-retry-num': String(retry.num), 'x-slack-retry-reason': retry.reason ?? 'http_timeout' }
      : {};
    return this.send(JSON.stringify(body), 'application/json', 'valid', headers);
  }

  /** A message timestamp as Slack makes them: seconds, a dot, six digits; unique per sender. */
  nextMessageTs(): string {
    this.messageCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.messageCounter).padStart(6, '0')}`;
  }

  /**
   * Someone opened the app's Home or Messages tab. The channel is their DM with the app, the id the Slack fake
   * gives that DM (`D` + the user id without its `U`).
   */
  appHomeOpened(
    userId: string,
    tab: 'home' | 'messages' = 'home',
    signing: Signing = 'valid',
  ): Promise<SlackResponse> {
    return this.event(
      { type: 'app_home_opened', user: userId, channel: `D${userId.slice(1)}`, tab },
      { signing },
    );
  }

  /** A slash command as Slack posts it: application/x-www-form-urlencoded fields. */
  slashCommand(command: SlashCommand, signing: Signing = 'valid'): Promise<SlackResponse> {
    const triggerId = command.triggerId ?? this.nextTriggerId();
    const form = new URLSearchParams({
      token: 'deprecated-verification-token',
      team_id: command.teamId ?? 'T0TEST',
      team_domain: 'countersign-test',
      channel_id: command.channelId,
      channel_name: command.channelName ?? 'general',
      user_id: command.userId,
      user_name: command.userName ?? command.userId.toLowerCase(),
      command: command.command ?? '/agent',
      text: command.text,
      api_app_id: 'A0TEST',
      is_enterprise_install: 'false',
      response_url: command.responseUrl ?? `${this.hooksUrl}commands/${triggerId}`,
      trigger_id: triggerId,
    });
    return this.send(form.toString(), 'application/x-www-form-urlencoded', signing);
  }

  /** A click on a button of the person's own App Home, as Slack sends it: the published view comes with it. */
  homeAction(
    click: {
      userId: string;
      view: { id: string; blocks: unknown[] };
      actionId: string;
      blockId: string | undefined;
      value: string;
      triggerId?: string;
    },
    signing: Signing = 'valid',
  ): Promise<SlackResponse> {
    const user = click.userId.toLowerCase();
    return this.interaction(
      {
        type: 'block_actions',
        user: { id: click.userId, username: user, name: user, team_id: 'T0TEST' },
        api_app_id: 'A0TEST',
        token: 'deprecated-verification-token',
        container: { type: 'view', view_id: click.view.id },
        view: {
          id: click.view.id,
          type: 'home',
          blocks: click.view.blocks,
          private_metadata: '',
          callback_id: '',
        },
        trigger_id: click.triggerId ?? this.nextTriggerId(),
        team: { id: 'T0TEST', domain: 'countersign-test' },
        actions: [
          {
            type: 'button',
            action_id: click.actionId,
            block_id: click.blockId,
            value: click.value,
            action_ts: String(Date.now() / 1000),
          },
        ],
      },
      signing,
    );
  }

  /** An interactivity payload (block_actions, view_submission, …) as Slack posts it: `payload=<json>`. */
  interaction(payload: object, signing: Signing = 'valid'): Promise<SlackResponse> {
    const form = new URLSearchParams({ payload: JSON.stringify(payload) });
    return this.send(form.toString(), 'application/x-www-form-urlencoded', signing);
  }

  /** A button click on a message. */
  blockAction(
    click: {
      actionId: string;
      value: string;
      blockId?: string;
      userId: string;
      userName?: string;
      channelId: string;
      messageTs: string;
      teamId?: string;
      triggerId?: string;
      /** Clicks on an ephemeral message (only its reader sees it), which Slack marks as such. */
      ephemeral?: boolean;
    },
    signing: Signing = 'valid',
  ): Promise<SlackResponse> {
    const teamId = click.teamId ?? 'T0TEST';
    const triggerId = click.triggerId ?? this.nextTriggerId();
    return this.interaction(
      {
        type: 'block_actions',
        user: {
          id: click.userId,
          username: click.userName ?? click.userId.toLowerCase(),
          name: click.userName ?? click.userId.toLowerCase(),
          team_id: teamId,
        },
        api_app_id: 'A0TEST',
        token: 'deprecated-verification-token',
        container: {
          type: 'message',
          message_ts: click.messageTs,
          channel_id: click.channelId,
          is_ephemeral: click.ephemeral ?? false,
        },
        trigger_id: triggerId,
        team: { id: teamId, domain: 'countersign-test' },
        channel: { id: click.channelId, name: 'approvals' },
        message: { type: 'message', ts: click.messageTs, text: '' },
        response_url: `${this.hooksUrl}actions/${triggerId}`,
        actions: [
          {
            type: 'button',
            action_id: click.actionId,
            block_id: click.blockId ?? 'decision',
            value: click.value,
            action_ts: `${Date.now() / 1000}`,
          },
        ],
      },
      signing,
    );
  }

  /** A modal submitted: `values` is block_id → action_id → element state, as Slack sends it. */
  viewSubmission(
    submission: {
      callbackId: string;
      privateMetadata: string;
      values: Record<
        string,
        Record<string, { type: string; value?: string | null; [state: string]: unknown }>
      >;
      userId: string;
      userName?: string;
      viewId?: string;
      teamId?: string;
    },
    signing: Signing = 'valid',
  ): Promise<SlackResponse> {
    const teamId = submission.teamId ?? 'T0TEST';
    return this.interaction(
      {
        type: 'view_submission',
        team: { id: teamId, domain: 'countersign-test' },
        user: {
          id: submission.userId,
          username: submission.userName ?? submission.userId.toLowerCase(),
          name: submission.userName ?? submission.userId.toLowerCase(),
          team_id: teamId,
        },
        api_app_id: 'A0TEST',
        token: 'deprecated-verification-token',
        trigger_id: this.nextTriggerId(),
        view: {
          id: submission.viewId ?? 'V0TEST',
          team_id: teamId,
          type: 'modal',
          callback_id: submission.callbackId,
          private_metadata: submission.privateMetadata,
          state: { values: submission.values },
          hash: '1700000000.abcdef',
          app_id: 'A0TEST',
          bot_id: 'B0TEST',
        },
        response_urls: [],
      },
      signing,
    );
  }
}
