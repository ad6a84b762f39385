// `npm run check-policy -- [file]`: checks an approval policy file as start-up would (default: POLICY_FILE), and
// prints the rules as the app understands them, then what deserves a second look (rules that never or rarely apply,
// approvals anyone may give). Exit 0 when valid, warnings or not; 1 with every problem's line and field when not.

import { describePolicy } from './approval/policy-summary.js';
import { ConfigError, loadConfig, startupWarnings } from './config.js';

const file = process.argv[2];
if (file) process.env.POLICY_FILE = file;
try {
  const config = loadConfig();
  const source = config.approval.policyFile ?? 'no POLICY_FILE: the environment’s default policy';
  console.log(`Approval policy OK (${source}):`);
  for (const line of describePolicy(config.approval.policy)) console.log(`  ${line}`);
  const warnings = startupWarnings(config).filter((warning) => warning.about === 'approval_policy');
  if (warnings.length > 0) {
    console.log('Warnings:');
    for (const warning of warnings) console.log(`  ${warning.message}`);
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`countersign: ${error.message}`);
  process.exit(1);
}
