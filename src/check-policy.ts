// `npm run check-policy -- [file]`: checks an approval policy file as start-up would (default: POLICY_FILE), and
// prints the rules as the app understands them, every tool the agent has with its risk (the MCP servers' too, which
// it starts to list them), then what deserves a second look (rules that never or rarely apply, approvals anyone may
// give, MCP servers that do not start). Exit 0 when valid, warnings or not; 1 with every problem's line and field when not.

import { describePolicy } from './approval/policy-summary.js';
import { ConfigError, loadConfig, startupWarnings } from './config.js';
import { createLogger } from './logger.js';
import { annotationTrustWords, annotationWords, appliedRisk, connectMcpTools } from './mcp/tools.js';
import { TOOLS } from './tools/index.js';

const file = process.argv[2];
if (file) process.env.POLICY_FILE = file;
try {
  const config = loadConfig();
  const source = config.approval.policyFile ?? 'no POLICY_FILE: the environment’s default policy';
  console.log(`Approval policy OK (${source}):`);
  for (const line of describePolicy(config.approval.policy)) console.log(`  ${line}`);
  const mcp = await connectMcpTools(config.mcp.servers, createLogger('error', { service: 'check-policy' }), [
    ...TOOLS,
  ]);
  const { toolRisks } = config.approval.policy;
  console.log(`Tools (threshold ${config.approval.policy.threshold}):`);
  for (const tool of TOOLS) console.log(`  ${tool.name}: ${appliedRisk(tool, toolRisks)} risk`);
  for (const tool of mcp.tools.filter((t) => t.origin)) {
    const declares = annotationWords(tool.origin?.annotations).join(', ');
    const trust = annotationTrustWords(tool.origin?.annotationsTrusted === true);
    console.log(
      `  ${tool.name}: ${appliedRisk(tool, toolRisks)} risk (MCP server ${tool.origin?.server} says: ${declares}; ${trust})`,
    );
  }
  await mcp.close();
  const warnings = [
    ...startupWarnings(config)
      .filter((warning) => warning.about === 'approval_policy')
      .map((warning) => warning.message),
    ...mcp.problems.map((problem) => `MCP server ${problem.server}: ${problem.error}`),
  ];
  if (warnings.length > 0) {
    console.log('Warnings:');
    for (const warning of warnings) console.log(`  ${warning}`);
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`countersign: ${error.message}`);
  process.exit(1);
}
