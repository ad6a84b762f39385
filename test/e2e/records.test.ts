// Countersign's records read back by the operator's commands, end to end: runs made here through signed Slack requests
// into the real Bolt receiver, a real worker on the dev server, the fakes; then the built commands as an operator runs
// them (`node dist/check-policy.js --replay …`, `node dist/audit.js …`) against the same Temporal.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditLine } from '../../src/approval/audit-chain.js';
import { proposalDigest } from '../../src/approval/digest.js';
import { gatewayCallId } from '../../src/gateway/server.js';
import { issueToken } from '../../src/gateway/tokens.js';
import { agentTokenWorkflow } from '../../src/workflows/agent-token.js';
import { gatewayCallWorkflow } from '../../src/workflows/gateway-call.js';
import {
  agentStatusQuery,
  agentTokenStatusQuery,
  grantStatusQuery,
  runApprovalsQuery,
} from '../../src/workflows/messages.js';
import { functionCall, message } from '../fakes/openai.js';
import { keysOutsideTheRule } from '../support/cases.js';
import {
  type Engine,
  PEOPLE,
  policyFile,
  proposal,
  runOutcome,
  scriptModel,
  startEngine,
  waitForCard,
} from '../support/engine.js';
import { freePort, type RunningApp, startEntryPoint, stopAll } from '../support/entry-point.js';
import {
  approveStanding,
  askAgent,
  openDecisionForm,
  type SlackAppHarness,
  startSlackApp,
} from '../support/slack-app.js';

/** This file's requester: the runs it reads back are its own. */
const RAY = { id: 'U0RAY', name: 'ray' };
const HOUR_MS = 3_600_000;

const IN_FORCE = {
  threshold: 'medium',
  default: { approvers: [PEOPLE.ana.id, PEOPLE.bob.id], timeout: '1h' },
};

let engine: Engine;
let slack: SlackAppHarness;
const running: RunningApp[] = [];
let startedAt: string;
let infoRun: string;
let topicRun: string;
let gatewayRun: string;
let tokenWorkflow: string;
let dir: string;

beforeAll(async () => {
  startedAt = new Date().toISOString();
  dir = mkdtempSync(join(tmpdir(), 'countersign-records-'));
  engine = await startEngine({ prefix: 'records', env: { POLICY_FILE: policyFile(IN_FORCE) }, users: [RAY] });
  slack = await startSlackApp(engine);

  // A channel's details (low risk) runs at once under the policy in force.
  scriptModel(engine.openai, {
    'about <#C0REC|rec>': [
      functionCall('channel_info', proposal({ channel: 'C0REC' }, 'low')),
      message('A channel.'),
    ],
  });
  infoRun = await askAgent(slack.sender, 'about <#C0REC|rec>', RAY.id);
  expect((await runOutcome(engine.client, infoRun)).status).toBe('completed');

  // A topic (medium risk) waits for ana or bob: ana approves, with a standing approval of an hour.
  scriptModel(engine.openai, {
    'topic of <#C0REC|rec> to Ninety-Nine': [
      functionCall('set_channel_topic', proposal({ channel: 'C0REC', topic: 'Ninety-Nine' }, 'medium')),
      message('Done.'),
    ],
  });
  topicRun = await askAgent(slack.sender, 'topic of <#C0REC|rec> to Ninety-Nine', RAY.id);
  const card = await waitForCard(engine.slackApi, topicRun);
  const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
  await approveStanding(slack, form, PEOPLE.ana.id, HOUR_MS, ['topic']);
  expect((await runOutcome(engine.client, topicRun)).status).toBe('completed');

  // A gateway token, and a call from its MCP client (a channel's details: at once), started as the gateway starts them.
  const issued = issueToken();
  tokenWorkflow = issued.workflowId;
  await engine.client.workflow.start(agentTokenWorkflow, {
    taskQueue: engine.taskQueue,
    workflowId: tokenWorkflow,
    args: [{ token_id: issued.tokenId, owner: RAY, client: 'Cursor', created_at: new Date().toISOString() }],
  });
  const call = { tool: 'channel_info', arguments: { channel: 'C0REC' } };
  const digest = proposalDigest(call);
  gatewayRun = gatewayCallId(issued.tokenId, digest);
  const proposed = {
    callId: 'gateway',
    ...call,
    reasoning: '',
    modelRisk: 'low',
    toolRisk: 'low',
    risk: 'low',
  } as const;
  const gatewayCall = await engine.client.workflow.start(gatewayCallWorkflow, {
    taskQueue: engine.taskQueue,
    workflowId: gatewayRun,
    args: [
      {
        proposal: { ...proposed, repeat: 'safe', digest },
        requester: RAY,
        client: { name: 'Cursor', token_id: issued.tokenId },
        channel: 'C0APPROVALS',
      },
    ],
  });
  expect((await gatewayCall.result()).status).toBe('ran');
});

afterAll(async () => {
  await stopAll(running);
  await slack?.close();
  await engine?.close();
});

/** The environment of an operator's shell on this Countersign: its Temporal, its task queue, its policy in force. */
function operatorEnv(): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    TEMPORAL_TASK_QUEUE: engine.taskQueue,
    POLICY_FILE: engine.config.approval.policyFile as string,
  };
}

async function command(script: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const app = startEntryPoint(script, operatorEnv(), { args });
  running.push(app);
  const { code } = await app.exited;
  return { code, output: app.output() };
}

const replay = (draft: object, ...more: string[]) =>
  command('dist/check-policy.js', ['--replay', startedAt, policyFile(draft), ...more]);

describe('npm run check-policy -- --replay', () => {
  it('shows the calls a lower threshold would have asked for, and passes --fail-on looser', async () => {
    const { code, output } = await replay({ ...IN_FORCE, threshold: 'low' }, '--fail-on', 'looser');
    expect(output).toContain('3 past calls replayed; 2 would go otherwise under the draft.');
    expect(output).toContain('2 would have needed approval (stricter):');
    // A run's and an MCP client's.
    expect(output).toMatch(new RegExp(`channel_info \\(low risk\\) for ${RAY.id} in ${infoRun}`));
    expect(output).toMatch(new RegExp(`channel_info \\(low risk\\) for ${RAY.id} in ${gatewayRun}`));
    expect(output).toContain('in force: runs at once');
    expect(output).toContain(`draft:    default: "Approval": 1 of ${PEOPLE.ana.id}, ${PEOPLE.bob.id}`);
    // Never the call's arguments.
    expect(output).not.toContain('Ninety-Nine');
    expect(code).toBe(0);
    expect((await replay({ ...IN_FORCE, threshold: 'low' }, '--fail-on', 'stricter')).code).toBe(2);
  });

  it('shows different approvers when the draft removes one', async () => {
    const { code, output } = await replay(
      { ...IN_FORCE, default: { approvers: [PEOPLE.ana.id], timeout: '1h' } },
      '--fail-on',
      'looser',
    );
    expect(output).toContain('1 would have gone to different approvers or quorum:');
    expect(output).toMatch(
      new RegExp(`set_channel_topic \\(medium risk\\) for ${RAY.id} in ${topicRun}.*\\(stricter\\)`),
    );
    expect(output).toContain(`in force: default: "Approval": 1 of ${PEOPLE.ana.id}, ${PEOPLE.bob.id}`);
    expect(output).toContain(`draft:    default: "Approval": 1 of ${PEOPLE.ana.id};`);
    expect(code).toBe(0);
  });

  it('shows standing approvals the draft would not have allowed', async () => {
    const { output } = await replay({
      ...IN_FORCE,
      default: { ...IN_FORCE.default, standing_max: '15m' },
    });
    expect(output).toContain('1 standing approval would not have been allowed (stricter):');
    expect(output).toContain('a standing approval of 1h was given');
  });

  it('fails --fail-on looser, and only then, for a draft that would have run an approved call without asking', async () => {
    const looser = { ...IN_FORCE, threshold: 'high' };
    const failing = await replay(looser, '--fail-on', 'looser');
    expect(failing.output).toContain('1 would have run without asking anyone (looser):');
    expect(failing.output).toMatch(
      new RegExp(`set_channel_topic \\(medium risk\\) for ${RAY.id} in ${topicRun}`),
    );
    expect(failing.output).toContain('--fail-on looser: failing.');
    expect(failing.code).toBe(2);
    // Without --fail-on it only reports.
    expect((await replay(looser)).code).toBe(0);
    // The policy in force as its own draft: nothing changes.
    const same = await replay(IN_FORCE, '--fail-on', 'any');
    expect(same.output).toContain('would have changed nothing');
    expect(same.code).toBe(0);
  });

  it('names what is wrong with the arguments or the draft, and exits 1', async () => {
    const { code, output } = await command('dist/check-policy.js', [
      '--replay',
      'last week',
      policyFile(IN_FORCE),
    ]);
    expect(output).toContain('not a duration or date: last week');
    expect(code).toBe(1);
    const port = await freePort();
    const nowhere = startEntryPoint(
      'dist/check-policy.js',
      { ...operatorEnv(), TEMPORAL_ADDRESS: `127.0.0.1:${port}` },
      { args: ['--replay', '1h', policyFile(IN_FORCE)] },
    );
    running.push(nowhere);
    expect((await nowhere.exited).code).toBe(1);
    expect(nowhere.output()).toContain(`could not reach Temporal at 127.0.0.1:${port}`);
    const invalid = await replay({ threshold: 'extreme' });
    expect(invalid.output).toMatch(/line 1, column \d+, threshold: must be "low", "medium" or "high"/);
    expect(invalid.code).toBe(1);
  });
});

describe('npm run audit', () => {
  it('exports the events of every run, gateway call, approval, grant and token in order, chained; verify passes, and reports each tampering at its line', async () => {
    const file = join(dir, 'audit.jsonl');
    const exported = await command('dist/audit.js', ['export', '1h', file]);
    expect(exported.code).toBe(0);
    const last = /last hash (sha256:[0-9a-f]{64})/.exec(exported.output)?.[1];
    expect(last).toBeDefined();
    const text = readFileSync(file, 'utf8');
    const lines = text.trimEnd().split('\n');
    const parsed = lines.map((l) => JSON.parse(l) as AuditLine);
    expect(parsed.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));

    // Each workflow's events, in the order it recorded them: the runs' (a run's approval's after its own, the
    // approval living in it), the standing approval's and the token's.
    const events = (id: string) => parsed.filter((l) => l.workflow_id === id).map((l) => l.event);
    const approvalsOf = (run: string) =>
      engine.client.workflow
        .getHandle(run)
        .query(runApprovalsQuery)
        .catch(() => []);
    for (const run of [infoRun, topicRun, gatewayRun]) {
      const { audit } = await engine.client.workflow.getHandle(run).query(agentStatusQuery);
      const approvals = (await approvalsOf(run)).flatMap((a) => a.audit);
      expect(events(run)).toEqual([...audit, ...approvals]);
    }
    expect((await approvalsOf(topicRun)).map((a) => a.audit.length)).toEqual([expect.any(Number)]);
    const grantId = `${topicRun}/approval-1/standing`;
    expect(events(grantId).map((e) => e.type)).toContain('grant_given');
    expect(events(tokenWorkflow).map((e) => e.type)).toContain('token_created');
    // Workflows in the order they started: runs before the standing approvals given in them.
    const firstOf = (id: string) => parsed.findIndex((l) => l.workflow_id === id);
    expect(firstOf(infoRun)).toBeLessThan(firstOf(topicRun));
    expect(firstOf(topicRun)).toBeLessThan(firstOf(grantId));

    // Without a file, to standard output.
    expect((await command('dist/audit.js', ['export', '1h'])).output).toContain(lines[0]);

    const verified = await command('dist/audit.js', ['verify', file, '--last', last as string]);
    expect(verified.output).toContain(`${lines.length} lines, the chain holds`);
    expect(verified.code).toBe(0);

    const tampered = async (name: string, rows: string[]) => {
      const path = join(dir, name);
      writeFileSync(path, rows.map((r) => `${r}\n`).join(''));
      const result = await command('dist/audit.js', ['verify', path]);
      expect(result.code).toBe(1);
      return result.output;
    };
    // A changed line: the next line's prev no longer matches it.
    const changed = [...lines];
    changed[2] = (changed[2] as string).replace(`"runId":"`, `"runId":"x`);
    expect(await tampered('changed.jsonl', changed)).toMatch(/changed\.jsonl:3: changed/);
    // A removed line: the one after it is out of sequence.
    const removed = lines.filter((_, i) => i !== 4);
    expect(await tampered('removed.jsonl', removed)).toMatch(
      /removed\.jsonl:5: line missing before it: seq 6 follows seq 4/,
    );
    // Two lines swapped.
    const swapped = [...lines];
    [swapped[6], swapped[7]] = [swapped[7] as string, swapped[6] as string];
    expect(await tampered('swapped.jsonl', swapped)).toMatch(
      /swapped\.jsonl:8: out of order: seq 7 follows seq 8/,
    );
    // The last line, against the hash kept at export.
    const tail = [...lines];
    tail[tail.length - 1] = (tail.at(-1) as string).replace(`"runId":"`, `"runId":"x`);
    writeFileSync(join(dir, 'tail.jsonl'), tail.map((r) => `${r}\n`).join(''));
    const tailResult = await command('dist/audit.js', [
      'verify',
      join(dir, 'tail.jsonl'),
      '--last',
      last as string,
    ]);
    expect(tailResult.output).toContain(`tail.jsonl:${lines.length}: its hash is`);
    expect(tailResult.code).toBe(1);
  });
});

describe('names other programs read', () => {
  it('are snake_case, but for the fields public before the rule: the queries’ answers and the audit export', async () => {
    // The check itself finds a name outside the rule, and leaves data maps (a call's arguments) alone.
    expect(keysOutsideTheRule({ grant_id: 'g', grantedAt: 1, arguments: { anyName: 1 } })).toEqual([
      'grantedAt',
    ]);

    const answers: Record<string, unknown> = {};
    for (const run of [infoRun, topicRun, gatewayRun]) {
      answers[`agent_status of ${run}`] = await engine.client.workflow.getHandle(run).query(agentStatusQuery);
    }
    const [approval] = await engine.client.workflow.getHandle(topicRun).query(runApprovalsQuery);
    expect(approval?.status).toBe('approved');
    answers.approval_status = approval;
    answers.grant_status = await engine.client.workflow
      .getHandle(`${topicRun}/approval-1/standing`)
      .query(grantStatusQuery);
    answers.agent_token_status = await engine.client.workflow
      .getHandle(tokenWorkflow)
      .query(agentTokenStatusQuery);
    const exported = await command('dist/audit.js', ['export', '1h']);
    answers.audit_export = exported.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as unknown);
    expect((answers.audit_export as unknown[]).length).toBeGreaterThan(10);
    for (const [what, answer] of Object.entries(answers))
      expect(keysOutsideTheRule(answer), what).toEqual([]);
  });
});
