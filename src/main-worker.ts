// `npm run worker`: only the Temporal worker (run any number, against a shared TEMPORAL_ADDRESS).
// First: refuses an older Node.js before any dependency loads.
import './node-version.js';
import { ConfigError, loadConfig } from './config.js';
import { exitOnStartupFailure, startProcess, startRoles, startWorkerRole } from './process/roles.js';

try {
  const config = loadConfig();
  if (!config.slack.botToken) {
    throw new ConfigError(
      'SLACK_BOT_TOKEN: required by the worker, which posts the approval cards and results',
    );
  }
  const proc = await startProcess(config, { embeddedAllowed: false });
  await startRoles(proc, async () => {
    await startWorkerRole(proc);
  });
} catch (error) {
  exitOnStartupFailure(error);
}
