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
/**
 * The same workflows with OpenTelemetry's workflow interceptor, for a worker with traces on. Two bundles, because each
 * workflow in the cache evaluates its bundle anew: a worker with traces off carries none of OpenTelemetry.
 */
export const TRACED_WORKFLOW_BUNDLE_URL = new URL('../workflow-bundle-traced.js', import.meta.url);

/** The workflows entry point: TypeScript source under a loader, compiled JavaScript after `npm run build`. */
export function workflowsPath(): string {
  for (const name of ['index.ts', 'index.js']) {
    const path = fileURLToPath(new URL(`../workflows/${name}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('Countersign workflows not found next to the worker (src/workflows or dist/workflows)');
}

/**
 * The pre-built bundle when there is one (production), else the workflows bundled at start-up (development); with
 * traces on, the ones with the tracing interceptor.
 */
function workflowSource(traced: boolean): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> & {
  workflowModules: string[];
} {
  const bundle = fileURLToPath(traced ? TRACED_WORKFLOW_BUNDLE_URL : WORKFLOW_BUNDLE_URL);
  if (existsSync(bundle)) return { workflowBundle: { codePath: bundle }, workflowModules: [] };
  return { workflowsPath: workflowsPath(), workflowModules: traced ? [WORKFLOW_TRACING_MODULE] : [] };
}

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

/** Where the workflows' sinks (src/workflows/sinks.ts) lead in this process; replays register them too (not called). */
export const workflowSinks: InjectedSinks<CountersignSinks> = {
  metrics: {
    approvalEnded: { fn: (_workflow, outcome, waitedMs) => observeApprovalEnded(outcome, waitedMs) },
  },
};

/** With traces on, the workflows' spans (the interceptor's, in the traced bundle) go to this process's exporter. */
function sinksWithTracing():
  | InjectedSinks<CountersignSinks>
  | InjectedSinks<CountersignSinks & OpenTelemetrySinks> {
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
  const { workflowModules, ...source } = workflowSource(tracingInstalled() !== undefined);
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...source,
    activities: createActivities({ config, slack, openai, tools }),
    stickyQueueScheduleToStartTimeout: STICKY_QUEUE_TIMEOUT,
    maxCachedWorkflows: config.temporal.maxCachedWorkflows,
    interceptors: { activity: activityInterceptors(), workflowModules },
    sinks: sinksWithTracing(),
    ...overrides,
  });
}
