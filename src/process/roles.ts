// The two roles a Countersign process can play — the worker and the Slack app — and what they share:
// configuration, logging, the Temporal connection, and an orderly shutdown.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { App } from '@slack/bolt';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { describePolicy } from '../approval/policy-summary.js';
import { type Config, ConfigError, startupWarnings } from '../config.js';
import { GATEWAY_PATH, startGateway } from '../gateway/server.js';
import { createLogger, type Logger } from '../logger.js';
import { annotationTrustWords, appliedRisk, connectMcpTools } from '../mcp/tools.js';
import { countPendingApprovalsWith, countSlackApiErrors } from '../metrics.js';
import { freeLoopbackPort } from '../ports.js';
import { createSlackApp, type Health } from '../slack/app.js';
import { trackInFlight } from '../slack/in-flight.js';
import { registerListeners } from '../slack/listeners/index.js';
import { createMembershipCheck } from '../slack/membership.js';
import { createRequesterCheck } from '../slack/requester-access.js';
import { connectionOptions, resolveTemporal, type TemporalTarget } from '../temporal/connection.js';
import { installTemporalRuntime } from '../temporal/runtime.js';
import { ensureSearchAttributes } from '../temporal/search-attributes.js';
import { createClients, createWorker } from '../temporal/worker.js';
import { TOOLS } from '../tools/index.js';
import type { Tool } from '../tools/tool.js';
import { installTracing, tracingClientInterceptors } from '../tracing.js';
import { agentWorkflow } from '../workflows/agent.js';
import { approvalWorkflow } from '../workflows/approval.js';
import { gatewayCallWorkflow } from '../workflows/gateway-call.js';
import { APPROVAL_STATUS_KEY } from '../workflows/search-attributes.js';
import { startMetricsServer } from './metrics-server.js';

/** How long shutdown may take before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 20_000;
/** How long a stopping Slack app lets acknowledged requests finish: past a run's start budget, within the grace. */
const IN_FLIGHT_GRACE_MS = 12_000;
/** How long /readyz (and a scrape of the pending approvals) waits for Temporal before calling it unreachable. */
const HEALTH_TEMPORAL_TIMEOUT_MS = 1_500;

/** One running Countersign process: its configuration, logger, Temporal, and how to stop it. */
export interface Proc {
  config: Config;
  logger: Logger;
  target: TemporalTarget;
  /** The agent's tools once the worker role has started: built-in and MCP, and the MCP servers that failed. */
  tools?: { all: readonly Tool[]; mcpProblems: ReadonlyArray<{ server: string; error: string }> };
  /** The worker role's Temporal client, on its own connection; a Slack app in this process shares it. */
  workerClient?: Client;
  /** Readiness for /readyz, once a role has what it takes to tell (its Temporal client, its worker). */
  readiness?: () => Promise<Health>;
  /** Shutdown steps, run in order on SIGINT/SIGTERM. */
  stops: Array<{ name: string; stop: () => Promise<void> | void }>;
}

/**
 * What the pending-approvals gauge counts: the workflows an approval waits in now, a run's or a gateway call's (where
 * their approvals live, the current code: the calls of one turn asked together count once) or an approval's own.
 */
const PENDING_APPROVALS_QUERY =
  `WorkflowType IN ('${agentWorkflow.name}', '${gatewayCallWorkflow.name}', '${approvalWorkflow.name}') AND ` +
  `${APPROVAL_STATUS_KEY.name} = 'pending'`;

/** Metrics and health for operators, when METRICS_PORT is set. */
async function startMetrics(proc: Proc, sdkAddress: string | undefined): Promise<void> {
  const { metricsPort, metricsHost } = proc.config;
  if (metricsPort === undefined) return;
  const server = await startMetricsServer({
    port: metricsPort,
    host: metricsHost,
    sdkAddress,
    readiness: async () => (proc.readiness ? proc.readiness() : { ok: false, starting: true }),
  });
  proc.stops.push({ name: 'metrics server', stop: () => server.close() });
  proc.logger.info('metrics and health served', {
    host: metricsHost,
    port: server.port,
    paths: ['/metrics', '/healthz', '/readyz'],
  });
}

/** The gauge of pending approvals reads Temporal's visibility at each scrape, briefly. */
function countPendingApprovalsFrom(client: Client): void {
  countPendingApprovalsWith(async () => {
    const { count } = await client.withDeadline(Date.now() + HEALTH_TEMPORAL_TIMEOUT_MS, () =>
      client.workflow.count(PENDING_APPROVALS_QUERY),
    );
    return count;
  });
}

export async function startProcess(config: Config, options: { embeddedAllowed: boolean }): Promise<Proc> {
  const logger = createLogger(config.logLevel, { service: 'countersign' });
  countSlackApiErrors();
  const sdkMetricsAddress =
    config.metricsPort === undefined ? undefined : `127.0.0.1:${await freeLoopbackPort()}`;
  installTemporalRuntime(logger, config.logLevel, sdkMetricsAddress);
  const tracing = installTracing(config.tracing);
  if (!config.temporal.address && !options.embeddedAllowed) {
    throw new ConfigError(
      'TEMPORAL_ADDRESS: required when the worker and the Slack app run as separate processes (they must share one Temporal); `npm start` runs both with an embedded server instead. A temporal.toml profile with an address serves too (TEMPORAL_PROFILE)',
    );
  }
  if (!config.temporal.address) mkdirSync(dirname(config.temporal.stateFile), { recursive: true });
  const target = await resolveTemporal(config.temporal, { stateFile: config.temporal.stateFile, ui: true });
  const proc: Proc = { config, logger, target, stops: [] };
  if (target.embedded) {
    logger.info('embedded Temporal dev server started', {
      address: target.address,
      state_file: config.temporal.stateFile,
      cli: target.embedded.cliSource,
      web_ui: target.embedded.uiUrl,
    });
    proc.stops.push({ name: 'embedded Temporal server', stop: () => target.embedded?.stop() });
  }
  await startMetrics(proc, sdkMetricsAddress);
  if (tracing) {
    // Last: what the other steps' ending traced is sent too.
    proc.stops.push({ name: 'traces', stop: () => tracing.shutdown() });
    logger.info('traces exported', { url: config.tracing?.url, protocol: config.tracing?.protocol });
  }
  return proc;
}

/** The configured MCP servers' tools; a server that fails to start is reported by name, and the others still work. */
async function startMcpServers(proc: Proc) {
  const mcp = await connectMcpTools(proc.config.mcp.servers, proc.logger, [...TOOLS]);
  for (const problem of mcp.problems) proc.logger.error('MCP server problem', problem);
  proc.stops.push({ name: 'MCP servers', stop: () => mcp.close() });
  proc.tools = { all: mcp.tools, mcpProblems: mcp.problems };
  if (proc.config.mcp.servers.length > 0) {
    const { toolRisks } = proc.config.approval.policy;
    proc.logger.info('MCP tools', {
      servers: proc.config.mcp.servers.length,
      // Each tool with the risk its calls will meet (a policy's pin included), and how each server's word is taken.
      tools: mcp.tools
        .filter((tool) => tool.origin)
        .map((tool) => `${tool.name} (${appliedRisk(tool, toolRisks)})`),
      annotations: Object.fromEntries(
        proc.config.mcp.servers.map((server) => [
          server.name,
          annotationTrustWords(server.trustAnnotations === true),
        ]),
      ),
    });
  }
  return mcp.tools;
}

export async function startWorkerRole(proc: Proc): Promise<Worker> {
  const nativeConnection = await NativeConnection.connect(connectionOptions(proc.target));
  try {
    const registered = await ensureSearchAttributes(nativeConnection, proc.target.namespace);
    if (registered.length > 0) proc.logger.info('registered search attributes', { names: registered });
  } catch (error) {
    await nativeConnection.close();
    throw error;
  }
  const worker = await createWorker(proc.config, nativeConnection, {}, await startMcpServers(proc));
  const running = worker.run();
  const client = new Client({
    connection: nativeConnection,
    namespace: proc.target.namespace,
    interceptors: tracingClientInterceptors(),
  });
  proc.workerClient = client;
  // A Slack app in this process reports the same readiness (it shares this client and knows this worker).
  proc.readiness = loggedReadiness(proc.logger, () =>
    temporalHealth(client, proc.config.temporal.taskQueue, worker),
  );
  countPendingApprovalsFrom(client);
  // Stops run in reverse order of start; the worker drains before its connection closes.
  proc.stops.unshift({
    name: 'worker',
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await nativeConnection.close();
    },
  });
  await startGatewayRole(proc, client);
  // Warnings before "running": whoever waits for that line has read them too.
  for (const { about, message } of startupWarnings(proc.config)) proc.logger.warn(message, { about });
  proc.logger.info('worker running', {
    task_queue: proc.config.temporal.taskQueue,
    policy_file: proc.config.approval.policyFile ?? null,
    approval_policy: describePolicy(proc.config.approval.policy),
  });
  return worker;
}

/**
 * The MCP gateway, when MCP_GATEWAY_PORT is set: served by the worker role, which has what it needs (the tools, the MCP
 * servers' connections, a Temporal client); `npm start` has both roles in one process.
 */
async function startGatewayRole(proc: Proc, client: Client): Promise<void> {
  const { config } = proc;
  const channel = config.approval.policy.default.channel;
  if (!config.gateway || !channel) return;
  const gateway = await startGateway(
    {
      temporal: client,
      taskQueue: config.temporal.taskQueue,
      tools: proc.tools?.all ?? TOOLS,
      policy: config.approval.policy,
      webhookAllowlist: config.tools.webhookAllowlist,
      channel,
      slack: createClients(config).slack,
      requester: createRequesterCheck(createMembershipCheck(), config.requesters),
      logger: proc.logger,
      eagerStart: true,
    },
    config.gateway,
  );
  // Stopped before the worker: no new calls while it drains.
  proc.stops.unshift({ name: 'MCP gateway', stop: () => gateway.close() });
  proc.logger.info('MCP gateway serving', {
    host: config.gateway.host,
    port: gateway.port,
    path: GATEWAY_PATH,
  });
}

/**
 * Readiness that logs why whenever the answer changes: the Slack port says only ready or not, so the reasons are
 * here — once per change, not once per probe (an orchestrator probes every few seconds). Temporal's error text
 * differs from one failed probe to the next, so a change is one of ready, Temporal reachable, or the worker's state.
 */
function loggedReadiness(logger: Logger, check: () => Promise<Health>): () => Promise<Health> {
  let last: string | undefined;
  return async () => {
    const health = await check();
    const { error: _error, ...reasons } = health;
    const state = JSON.stringify(reasons);
    if (state !== last) {
      last = state;
      if (health.ok) logger.info('ready', reasons);
      else logger.warn('not ready', health);
    }
    return health;
  };
}

async function temporalHealth(
  client: Client,
  taskQueue: string,
  worker: Worker | undefined,
): Promise<Health> {
  try {
    const queue = await client.withDeadline(Date.now() + HEALTH_TEMPORAL_TIMEOUT_MS, () =>
      client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue },
      }),
    );
    const pollers = queue.pollers?.length ?? 0;
    const workerOk = worker ? worker.getState() === 'RUNNING' : pollers > 0;
    return {
      ok: workerOk,
      temporal: 'reachable',
      worker: worker ? worker.getState() : pollers > 0 ? 'polling' : 'none polling',
    };
  } catch (error) {
    return {
      ok: false,
      temporal: 'unreachable',
      error: (error as Error).message,
      worker: worker?.getState(),
    };
  }
}

/** The Slack app; started after the worker role when both run in this process (`npm start`), which it then leans on. */
export async function startBotRole(proc: Proc): Promise<App> {
  const { config, logger } = proc;
  if (!config.slack.botToken) throw new ConfigError('SLACK_BOT_TOKEN: required');
  // Beside a worker, the app uses the worker's connection, so that a run's first workflow task can be handed to that
  // worker in the answer to its start (eager workflow start); the worker's own stop closes it, and the worker's
  // readiness and pending-approvals count (which see the same Temporal) serve for both.
  const shared = proc.workerClient;
  const connection = shared ? undefined : await Connection.connect(connectionOptions(proc.target));
  const client =
    shared ??
    new Client({ connection, namespace: proc.target.namespace, interceptors: tracingClientInterceptors() });
  proc.readiness ??= loggedReadiness(logger, () =>
    temporalHealth(client, config.temporal.taskQueue, undefined),
  );
  if (!shared) countPendingApprovalsFrom(client);
  const app = createSlackApp({
    slack: { ...config.slack, botToken: config.slack.botToken },
    logLevel: config.logLevel,
    logger,
    readiness: proc.readiness,
  });
  const inFlight = trackInFlight(app);
  registerListeners(app, {
    temporal: client,
    taskQueue: config.temporal.taskQueue,
    sealingSecret: config.slack.signingSecret ?? config.slack.botToken,
    eagerStart: shared !== undefined,
    audit: logger,
    requesters: config.requesters,
  });
  await app.start(config.slack.port);
  // The Slack app stops first: no new requests while the worker drains.
  proc.stops.unshift({
    name: 'Slack app',
    stop: async () => {
      await app.stop();
      // Requests already acknowledged finish first: a run someone was told is starting must start.
      const waiting = inFlight.size;
      if (!(await inFlight.drain(IN_FLIGHT_GRACE_MS))) {
        logger.warn('shutting down with Slack requests still being handled', { requests: inFlight.size });
      } else if (waiting > 0) {
        logger.info('finished the Slack requests in flight', { requests: waiting });
      }
      await connection?.close();
    },
  });
  logger.info('Slack app running', {
    mode: config.slack.socketMode ? 'socket' : 'http',
    ...(config.slack.socketMode ? {} : { port: config.slack.port }),
  });
  // The policy is the worker's to report; a worker in this process has already said these.
  const ownWarnings = shared ? [] : startupWarnings(config).filter((warning) => warning.about === 'temporal');
  for (const { about, message } of ownWarnings) logger.warn(message, { about });
  return app;
}

/** Runs every stop in order, even past a failing one; true when all succeeded. */
export async function stopAll(proc: Proc): Promise<boolean> {
  let ok = true;
  for (const step of proc.stops.splice(0)) {
    try {
      await step.stop();
    } catch (error) {
      ok = false;
      proc.logger.error('shutdown step failed', { step: step.name, error: (error as Error).message });
    }
  }
  return ok;
}

/** Runs the stops in order on SIGINT/SIGTERM, then exits 0 — or 1 if they take longer than the grace period. */
export function stopOnSignals(proc: Proc): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    proc.logger.info('shutting down', { signal });
    setTimeout(() => {
      proc.logger.error('shutdown took too long; exiting', { grace_ms: SHUTDOWN_GRACE_MS });
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    const ok = await stopAll(proc);
    proc.logger.info('stopped');
    process.exit(ok ? 0 : 1);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** Starts the roles; if any fails, what already started is stopped (no orphaned server) before the error goes on. */
export async function startRoles(proc: Proc, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (error) {
    await stopAll(proc);
    throw error;
  }
  stopOnSignals(proc);
}

/** For entry points: a start-up failure is one clear line and a non-zero exit. */
export function exitOnStartupFailure(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  const known =
    error instanceof Error &&
    ['ConfigError', 'TemporalCliMissingError', 'SearchAttributesMissingError'].includes(error.name);
  console.error(known ? `countersign: ${message}` : `countersign: failed to start: ${message}`);
  if (!known) console.error(error);
  process.exit(1);
}
