// `npm run doctor`: checks everything Countersign needs — Slack, the model service, Temporal, the policy and the MCP
// servers — and says what is wrong and how to fix it. Exit 0 when nothing failed.
// First: refuses an older Node.js before any dependency loads.
import './node-version.js';
import { ConfigError, loadConfig } from './config.js';
import { type CheckResult, runChecks } from './doctor/checks.js';
import { report } from './doctor/report.js';

let results: CheckResult[];
try {
  const config = loadConfig();
  results = [
    { name: 'Configuration', status: 'ok', found: 'valid (.env and the environment)' },
    ...(await runChecks(config)),
  ];
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  results = [
    {
      name: 'Configuration',
      status: 'fail',
      found: error.message,
      fix: 'Set the variables it names in .env or the environment (see .env.example); the other checks need a valid configuration',
    },
  ];
}
console.log(report(results));
process.exit(results.some((r) => r.status === 'fail') ? 1 : 0);
