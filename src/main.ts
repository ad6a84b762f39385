// One command: Temporal (embedded dev server unless TEMPORAL_ADDRESS is set), the worker and the Slack app.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadConfig, requireSlackCredentials } from './config.js';
import { createLogger } from './logger.js';
import { createSlackApp } from './slack/app.js';
import { registerListeners } from './slack/listeners/index.js';
import { EMBEDDED_STATE_FILE, resolveTemporal } from './temporal/connection.js';
import { TemporalCliMissingError } from './temporal/dev-server.js';
import { installTemporalRuntime } from './temporal/runtime.js';
import { createWorker } from './temporal/worker.js';

/** How long shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 20_000;

async function main(): Promise<void> {
  const config = loadConfig();
  requireSlackCredentials(config);
  const logger = createLogger(config.logLevel, { service: 'countersign' });
  installTemporalRuntime(logger, config.logLevel);

  if (!config.temporal.address) mkdirSync(dirname(EMBEDDED_STATE_FILE), { recursive: true });
  const target = await resolveTemporal(config.temporal, { stateFile: EMBEDDED_STATE_FILE, ui: true });
  if (target.embedded) {
    logger.info('embedded Temporal dev server started', {
      address: target.address,
      state_file: EMBEDDED_STATE_FILE,
      cli: target.embedded.cliSource,
      web_ui: target.embedded.uiUrl,
    });
  }
  const connectionOptions = {
    address: target.address,
    ...(target.tls !== undefined ? { tls: target.tls } : {}),
    ...(target.apiKey ? { apiKey: target.apiKey } : {}),
  };
  const nativeConnection = await NativeConnection.connect(connectionOptions);
  const connection = await Connection.connect(connectionOptions);
  const client = new Client({ connection, namespace: target.namespace });

  const worker = await createWorker(config, nativeConnection);
  const workerRun = worker.run();

  const app = createSlackApp({
    slack: config.slack,
    logLevel: config.logLevel,
    health: () => ({ ok: worker.getState() === 'RUNNING', worker: worker.getState() }),
  });
  registerListeners(app, {
    temporal: client,
    taskQueue: config.temporal.taskQueue,
    sealingSecret: config.slack.signingSecret ?? config.slack.botToken,
  });
  await app.start(config.slack.port);
  logger.info('Countersign is running', {
    mode: config.slack.socketMode ? 'socket' : 'http',
    ...(config.slack.socketMode ? {} : { port: config.slack.port }),
    temporal: target.address,
    namespace: target.namespace,
    task_queue: config.temporal.taskQueue,
    ...(target.embedded?.uiUrl ? { web_ui: target.embedded.uiUrl } : {}),
  });
  if (target.embedded?.uiUrl) console.error(`Temporal Web UI: ${target.embedded.uiUrl}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    setTimeout(() => {
      logger.error('shutdown took too long; exiting', { grace_ms: SHUTDOWN_GRACE_MS });
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    try {
      await app.stop();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
      await connection.close();
      await nativeConnection.close();
    } finally {
      // Never leave the embedded server running without us.
      await target.embedded?.stop();
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof TemporalCliMissingError) {
    console.error(`countersign: ${error.message}`);
  } else {
    console.error('countersign: failed to start:', error);
  }
  process.exit(1);
});
