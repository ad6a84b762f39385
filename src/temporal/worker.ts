// The Temporal worker: Countersign's workflows and activities on the configured task queue.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebClient } from '@slack/web-api';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import { type InjectedSinks, type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { modelClient } from '../activities/model-client.js';
import type { Config } from '../config.js';
import { observeApprovalEnded } from '../metrics.js';
import { TOOLS } from '../tools/index.js';
import type { Tool } from '../tools/tool.js';
import { tracingInstalled, WORKFLOW_TRACING_MODULE } from '../tracing.js';
import type { CountersignSinks } from '../workflows/sinks.js';
import { heartbeatWhileRunning } from './heartbeat.js';

/**
 * After a worker restart, the server holds a workflow's next task (a click's status query among them) for its
 * old worker this long before handing it to any worker. The default 10 s would outlast a Slack trigger_id's
 * 3 s; approvals are not a hot path, so a quick fallback costs nothing.
 */
const STICKY_QUEUE_TIMEOUT = '1 second';

/** Where `npm run build` puts the pre-bundled workflows (dist/workflow-bundle.js). */
export const WORKFLOW_BUNDLE_URL = new URL('../workflow-bundle.js', import.meta.url);

/** The workflows entry point: TypeScript source under a loader, compiled JavaScript after `npm run build`. */
export function workflowsPath(): string {
  for (const name of ['index.ts', 'index.js']) {
    const path = fileURLToPath(new URL(`../workflows/${name}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('Countersign workflows not found next to the worker (src/workflows or dist/workflows)');
}

/** The pre-built bundle when there is one (production), else the workflows bundled at start-up (development). */
function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = fileURLToPath(WORKFLOW_BUNDLE_URL);
  return existsSync(bundle) ? { workflowBundle: { codePath: bundle } } : { workflowsPath: workflowsPath() };
}

/** The workflow interceptors `npm run build` bundles too (bundle-workflows.ts), for a worker that bundles at start. */
export const WORKFLOW_INTERCEPTOR_MODULES = [WORKFLOW_TRACING_MODULE];

function activityInterceptors(): NonNullable<WorkerOptions['interceptors']>['activity'] {
  if (!tracingInstalled()) return [heartbeatWhileRunning];
  return [heartbeatWhileRunning, (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx) })];
}

/** Slack and OpenAI clients with their own retries off: Temporal retries activities, visibly and durably. */
export function createClients(config: Config) {
  const slack = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  const openai = modelClient(config.openai);
  return { slack, openai };
}

/**
 * Where the workflows' sinks (src/workflows/sinks.ts) lead in this process; replays register them too (not called).
 * `exporter` is the tracing interceptor's (bundled with the workflows): their spans go nowhere while tracing is off.
 */
export const workflowSinks: InjectedSinks<CountersignSinks & OpenTelemetrySinks> = {
  metrics: {
    approvalEnded: { fn: (_workflow, outcome, waitedMs) => observeApprovalEnded(outcome, waitedMs) },
  },
  exporter: { export: { fn: () => {} } },
};

/** The workflows' spans to this process's exporter when tracing is on; the sinks above otherwise. */
function sinksWithTracing(): InjectedSinks<CountersignSinks & OpenTelemetrySinks> {
  const tracing = tracingInstalled();
  if (!tracing) return workflowSinks;
  return { ...workflowSinks, exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
}

export async function createWorker(
  config: Config,
  connection: NativeConnection,
  overrides: Partial<WorkerOptions> = {},
  /** The agent's tools: the built-in ones and the MCP servers' (a live list: a server may change its tools). */
  tools: readonly Tool[] = TOOLS,
): Promise<Worker> {
  const { slack, openai } = createClients(config);
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...workflowSource(),
    activities: createActivities({ config, slack, openai, tools }),
    stickyQueueScheduleToStartTimeout: STICKY_QUEUE_TIMEOUT,
    maxCachedWorkflows: config.temporal.maxCachedWorkflows,
    interceptors: { activity: activityInterceptors(), workflowModules: WORKFLOW_INTERCEPTOR_MODULES },
    sinks: sinksWithTracing(),
    ...overrides,
  });
}
