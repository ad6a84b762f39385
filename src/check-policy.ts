// `npm run check-policy -- [file]`: checks an approval policy file as start-up would (default: POLICY_FILE), and
// prints the rules as the app understands them. Exit 0 when valid, 1 with every problem's line and field when not.

import { describePolicy } from './approval/policy-summary.js';
import { ConfigError, loadConfig } from './config.js';

const file = process.argv[2];
if (file) process.env.POLICY_FILE = file;
try {
  const config = loadConfig();
  const source = config.approval.policyFile ?? 'no POLICY_FILE: the environment’s default policy';
  console.log(`Approval policy OK (${source}):`);
  for (const line of describePolicy(config.approval.policy)) console.log(`  ${line}`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`countersign: ${error.message}`);
  process.exit(1);
}
