// `npm run check-policy -- [file]`: checks an approval policy file as start-up would (default: POLICY_FILE), and
// prints the rules as the app understands them, every tool the agent has with its risk (the MCP servers' too, which
// it starts to list them), then what deserves a second look (rules that never or rarely apply, approvals anyone may
// give, MCP servers that do not start). Exit 0 when valid, warnings or not; 1 with every problem's line and field when not.
//
// `npm run check-policy -- --replay <since> draft.jsonc [--fail-on looser|stricter|any]`: tries the draft on the calls
// Countersign has seen since then (`7d`, or an ISO date), against the policy in force (POLICY_FILE), and prints what
// would change (src/approval/policy-replay.ts); exit 2 when a change is of the kind `--fail-on` names.

import { parseArgs } from 'node:util';
import { describePolicy } from './approval/policy-summary.js';
import { ConfigError, loadConfig, startupWarnings } from './config.js';
import { parseSince } from './duration.js';
import { createLogger } from './logger.js';
import { annotationTrustWords, annotationWords, appliedRisk, connectMcpTools } from './mcp/tools.js';
import { FAIL_ON, type FailOn, replayDraft } from './policy-replay-command.js';
import { connectToRecords, RecordReadError } from './temporal/recorded.js';
import { TOOLS } from './tools/index.js';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { replay: { type: 'string' }, 'fail-on': { type: 'string' } },
});
if (flags.replay !== undefined) await replay(flags.replay, positionals[0], flags['fail-on']);

const file = positionals[0];
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

async function replay(
  since: string,
  draftFile: string | undefined,
  failOn: string | undefined,
): Promise<never> {
  const usage =
    'usage: npm run check-policy -- --replay <since: 7d or an ISO date> draft.jsonc [--fail-on looser]';
  const sinceMs = parseSince(since, Date.now());
  if (sinceMs === undefined || !draftFile)
    return fail(`${usage}${sinceMs === undefined ? `; not a duration or date: ${since}` : ''}`);
  if (failOn !== undefined && !FAIL_ON.includes(failOn as FailOn)) {
    return fail(`--fail-on must be ${FAIL_ON.join(', ')}; got ${failOn}`);
  }
  try {
    const config = loadConfig();
    // The draft is read as the app would read it in place of POLICY_FILE: the same environment, the same checks.
    process.env.POLICY_FILE = draftFile;
    const draft = loadConfig().approval.policy;
    const records = await connectToRecords(config.temporal);
    const result = await replayDraft(records.client, {
      sinceMs,
      taskQueue: config.temporal.taskQueue,
      inForce: config.approval.policy,
      draft,
      ...(failOn ? { failOn: failOn as FailOn } : {}),
    }).finally(() => records.close());
    for (const line of result.lines) console.log(line);
    process.exit(result.exitCode);
  } catch (error) {
    if (!(error instanceof ConfigError) && !(error instanceof RecordReadError)) throw error;
    return fail(error.message);
  }
}

function fail(message: string): never {
  console.error(`countersign: ${message}`);
  process.exit(1);
}
