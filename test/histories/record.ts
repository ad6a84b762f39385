// Records the histories of representative runs — one per way an approval can go — into test/histories/<set>/, so that
// every later change to the workflows is replayed against them in CI (replay.test.ts). Run:
// `HISTORIES_SET=<n>-<what changed> npm run record-histories`. Record a new set after a patched() change, so that both
// its new path and (through the sets before it) its old path stay tested; the README says how.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ApprovalStatus } from '../../src/approval/schemas.js';
import { gatewayCallWorkflow } from '../../src/workflows/gateway-call.js';
import {
  approvalDecisionSignal,
  revokeGrantSignal,
  runApprovalsQuery,
  submitDecisionUpdate,
  withdrawRequestSignal,
} from '../../src/workflows/messages.js';
import { functionCall, functionCalls, message } from '../fakes/openai.js';
import { checkedCall } from '../support/calls.js';
import {
  type Engine,
  PEOPLE,
  proposal,
  runOutcome,
  SECURITY_GROUP,
  scriptModel,
  startEngine,
} from '../support/engine.js';

const HOOK = 'https://hooks.example.com/recorded/';
const POLICY = `{
  "default": { "approvers": ["${PEOPLE.ana.id}", "${PEOPLE.bob.id}"], "timeout": "1h" },
  "tools": {
    "archive_channel": { "required": 2 },
    "set_channel_topic": {
      "stages": [
        { "name": "Team lead", "approvers": ["${PEOPLE.ana.id}"] },
        { "name": "Security", "approvers": ["${SECURITY_GROUP}"] }
      ]
    },
    "invite_to_channel": {
      "approvers": ["${PEOPLE.ana.id}"],
      "remind_after": "1s",
      "escalate_after": "2s",
      "escalate_to": { "approvers": ["${PEOPLE.bob.id}"], "channel": "C0ONCALL" }
    },
    "call_webhook": { "timeout": "2s", "on_timeout": "reject" }
  }
}`;

const SET = process.env.HISTORIES_SET ?? '';
if (!/^\d+-[a-z0-9-]+$/.test(SET)) {
  throw new Error(
    'HISTORIES_SET=<n>-<what changed> names the set to record, e.g. HISTORIES_SET=3-batch-review',
  );
}
const SET_DIR = join(import.meta.dirname, SET);

let engine: Engine;

/**
 * A history as its protobuf bytes, base64: exactly what the server sent, read back by replay.test.ts without any
 * conversion. (The SDK's JSON conversion, historyToJSON/historyFromJSON, fails with "type must be a Type" here:
 * @temporalio/common and @temporalio/proto 1.24 each carry their own copy of protobufjs 8.)
 */
async function recorded(workflowId: string) {
  const history = await engine.client.workflow.getHandle(workflowId).fetchHistory();
  return {
    workflowId,
    // For a reader of the file: what happened, event by event.
    events: history.events?.map((e) => proto.temporal.api.enums.v1.EventType[e.eventType ?? 0]) ?? [],
    history: Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish()).toString('base64'),
  };
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-record-'));
  writeFileSync(join(dir, 'policy.jsonc'), POLICY);
  engine = await startEngine({
    prefix: 'recorded',
    env: { POLICY_FILE: join(dir, 'policy.jsonc'), WEBHOOK_ALLOWLIST: HOOK },
  });
});

afterAll(async () => {
  await engine?.close();
});

/** The run's `n`th approval (from 1), once its stage is open and its card posted; it lives in the run. */
async function approvalOf(runId: string, n = 1): Promise<ApprovalStatus> {
  for (;;) {
    try {
      const status = (await engine.client.workflow.getHandle(runId).query(runApprovalsQuery))[n - 1];
      if (status?.stages.at(-1)?.status === 'pending' && status.card) return status;
    } catch (error) {
      // Not yet started, or not yet asked for an approval.
      if (!(error instanceof WorkflowNotFoundError) && !(error instanceof QueryNotRegisteredError))
        throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A reviewer's decision as the Slack app submits it: the Update, bound to the digest, stage and team. */
async function submit(
  runId: string,
  reviewer: { id: string; name?: string },
  approved: boolean,
  notes: string,
  editedArguments?: Record<string, unknown>,
  standing?: { for_ms: number; vary: string[] },
  n = 1,
) {
  const status = await approvalOf(runId, n);
  return engine.client.workflow.getHandle(runId).executeUpdate(submitDecisionUpdate, {
    args: [
      {
        request_id: status.request_id,
        approved,
        reviewer,
        reviewer_notes: notes,
        proposal_digest: status.proposal.digest,
        team_id: status.team_id ?? '',
        stage: status.stages.length,
        ...(editedArguments ? { edited_arguments: editedArguments } : {}),
        ...(standing ? { standing } : {}),
      },
    ],
  });
}

async function record(
  scenario: string,
  request: string,
  script: Parameters<typeof scriptModel>[1][string],
  act: (runId: string) => Promise<void>,
  /** Other workflows of the scenario to record with it (a standing approval's grant). */
  also: string[] = [],
) {
  scriptModel(engine.openai, { [request]: script });
  const handle = await engine.startRun(request);
  await act(handle.workflowId);
  await runOutcome(engine.client, handle.workflowId);
  await save(scenario, request, handle.workflowId, also);
}

/** Writes the scenario's histories: its workflow's (its approvals live in it), and `also`. */
async function save(scenario: string, request: string, workflowId: string, also: string[] = []) {
  const histories = [await recorded(workflowId)];
  for (const id of also) histories.push(await recorded(id));
  mkdirSync(SET_DIR, { recursive: true });
  writeFileSync(
    join(SET_DIR, `${scenario}.json`),
    `${JSON.stringify({ scenario, request, histories }, null, 1)}\n`,
  );
}

const post = (text: string) => functionCall('post_message', proposal({ channel: 'C0REC', text }, 'medium'));

it('approve', () =>
  record('approve', 'post hello', [post('hello'), message('Posted.')], async (runId) => {
    await submit(runId, PEOPLE.ana, true, 'fine');
  }));

it('reject', () =>
  record('reject', 'post goodbye', [post('goodbye'), message('Not posted.')], async (runId) => {
    await submit(runId, PEOPLE.bob, false, 'not today');
  }));

it('quorum with veto', () =>
  record(
    'quorum-veto',
    'archive the old channel',
    [functionCall('archive_channel', proposal({ channel: 'C0OLD' }, 'high')), message('Left it.')],
    async (runId) => {
      await submit(runId, PEOPLE.ana, true, 'ok by me');
      await submit(runId, PEOPLE.bob, false, 'finance uses it');
    },
  ));

it('two-stage chain', () =>
  record(
    'two-stage-chain',
    'set the topic',
    [
      functionCall('set_channel_topic', proposal({ channel: 'C0TOPIC', topic: 'Launch' }, 'medium')),
      message('Set.'),
    ],
    async (runId) => {
      await submit(runId, PEOPLE.ana, true, 'lead ok');
      await submit(runId, PEOPLE.security, true, 'security ok');
    },
  ));

it('reminder and escalation', () =>
  record(
    'reminder-escalation',
    'invite bob',
    [
      functionCall('invite_to_channel', proposal({ channel: 'C0INV', users: [PEOPLE.bob.id] }, 'medium')),
      message('Invited.'),
    ],
    async (runId) => {
      await approvalOf(runId);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      // An operator decides through Temporal itself, as the public recipe's CLI does.
      const status = await approvalOf(runId);
      await engine.client.workflow
        .getHandle(runId)
        .signal(approvalDecisionSignal, { request_id: status.request_id, approved: true });
    },
  ));

it('edit before approve', () =>
  record('edit', 'post draft', [post('draft'), message('Posted the edit.')], async (runId) => {
    await submit(runId, PEOPLE.ana, true, 'fixed the wording', {
      channel: 'C0REC',
      text: 'final',
    });
    // Ana wrote the call as it now stands: Bob approves it.
    await submit(runId, PEOPLE.bob, true, 'final is fine');
  }));

it('standing approval', async () => {
  // A first run approved with a standing approval; the recorded run is the second, let through by it.
  scriptModel(engine.openai, { 'post standing one': [post('standing'), message('Posted.')] });
  const first = await engine.startRun('post standing one');
  await submit(first.workflowId, PEOPLE.ana, true, 'again is fine', undefined, {
    for_ms: 3_600_000,
    vary: [],
  });
  await runOutcome(engine.client, first.workflowId);
  const grantId = `${first.workflowId}/approval-1/standing`;
  await record(
    'standing',
    'post standing two',
    [post('standing'), message('Posted again.')],
    async () => {},
    [grantId],
  );
  await engine.client.workflow.getHandle(grantId).signal(revokeGrantSignal, {});
});

it('calls asked together', () =>
  record(
    'batch',
    'post twice',
    [
      functionCalls([
        { name: 'post_message', args: proposal({ channel: 'C0REC', text: 'one' }, 'medium') },
        { name: 'post_message', args: proposal({ channel: 'C0REC', text: 'two' }, 'medium') },
      ]),
      message('Posted one; not two.'),
    ],
    async (runId) => {
      await submit(runId, PEOPLE.ana, true, 'one is fine');
      await submit(runId, PEOPLE.bob, false, 'not two', undefined, undefined, 2);
    },
  ));

it('withdraw', () =>
  record('withdraw', 'post maybe', [post('maybe'), message('never')], async (runId) => {
    const status = await approvalOf(runId);
    await engine.client.workflow
      .getHandle(runId)
      .signal(withdrawRequestSignal, { request_id: status.request_id, by: PEOPLE.requester });
  }));

it('timeout', () =>
  record(
    'timeout',
    'call the hook',
    [
      functionCall('call_webhook', proposal({ url: `${HOOK}deploy`, payload: { a: 1 } }, 'high')),
      message('Nobody approved.'),
    ],
    async () => {},
  ));

it('low-risk run with no approval', () =>
  record(
    'low-risk',
    'look at a channel',
    [functionCall('channel_info', proposal({ channel: 'C0LOOK' })), message('It is a channel.')],
    async () => {},
  ));

it('a call through the MCP gateway', async () => {
  // As the gateway hands it to its workflow (src/gateway/server.ts): a checked proposal, the token's owner and client.
  const call = checkedCall('post_message', { channel: 'C0REC', text: 'from a client' }, 'medium', 'gateway');
  const handle = await engine.client.workflow.start(gatewayCallWorkflow, {
    taskQueue: engine.taskQueue,
    workflowId: `recorded-gateway-${Date.now().toString(36)}`,
    args: [
      {
        proposal: call,
        requester: PEOPLE.requester,
        client: { name: 'Recorded client', token_id: 'recorded-token' },
        channel: 'C0REC',
      },
    ],
  });
  await submit(handle.workflowId, PEOPLE.ana, true, 'fine from the gateway');
  expect((await handle.result()).status).toBe('ran');
  await save('gateway', 'a call through the MCP gateway', handle.workflowId);
});
