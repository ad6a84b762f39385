// `npm start`: everything in one process — Temporal (embedded dev server unless TEMPORAL_ADDRESS is set),
// the worker and the Slack app.
// First: refuses an older Node.js before any dependency loads.
import './node-version.js';
import { loadConfig, requireSlackCredentials } from './config.js';
import {
  exitOnStartupFailure,
  startBotRole,
  startProcess,
  startRoles,
  startWorkerRole,
} from './process/roles.js';
import { startSummary } from './process/start-summary.js';

try {
  // A person at a terminal: warnings and the few lines below, not every info line (LOG_LEVEL=info brings them back).
  const config = loadConfig({ LOG_LEVEL: 'warn' });
  requireSlackCredentials(config);
  const proc = await startProcess(config, { embeddedAllowed: true });
  await startRoles(proc, async () => {
    await startWorkerRole(proc);
    await startBotRole(proc);
  });
  if (proc.tools) console.error(startSummary({ config, target: proc.target, tools: proc.tools }));
  proc.logger.info('Countersign is running', {
    temporal: proc.target.address,
    namespace: proc.target.namespace,
    task_queue: config.temporal.taskQueue,
    ...(proc.target.embedded?.uiUrl ? { web_ui: proc.target.embedded.uiUrl } : {}),
  });
} catch (error) {
  exitOnStartupFailure(error);
}
