// `npm run bot`: only the Slack app (stateless: run any number behind a load balancer, or in Socket Mode).
// First: refuses an older Node.js before any dependency loads.
import './node-version.js';
import { loadConfig, requireSlackCredentials } from './config.js';
import { exitOnStartupFailure, startBotRole, startProcess, startRoles } from './process/roles.js';

try {
  const config = loadConfig();
  requireSlackCredentials(config);
  const proc = await startProcess(config, { embeddedAllowed: false });
  await startRoles(proc, async () => {
    await startBotRole(proc);
  });
} catch (error) {
  exitOnStartupFailure(error);
}
