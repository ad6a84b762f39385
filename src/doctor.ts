// `npm run doctor`: checks everything Countersign needs — the configuration, Slack, the model service, Temporal, the
// policy and the MCP servers — and says what is wrong and how to fix it. Exit 0 when nothing failed.
// First: refuses an older Node.js before any dependency loads.
import './node-version.js';
import { loadConfig } from './config.js';
import { runChecks } from './doctor/checks.js';
import { report } from './doctor/report.js';

const results = await runChecks(loadConfig);
console.log(report(results));
process.exit(results.some((r) => r.status === 'fail') ? 1 : 0);
