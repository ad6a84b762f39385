// The approval's rules that depend on timers (expiry, reminders, escalation) and a standing approval's expiry, on the
// real workflow code with Slack's activities stubbed, on Temporal's time-skipping test server: an hour's timer passes
// at once, so the rules are tried with the durations a policy really has. Beside the end-to-end tests, which drive the
// same rules through Slack.
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedCall } from '../../test/support/calls.js';
import { installQuietRuntime, uniqueTaskQueue } from '../../test/support/temporal.js';
import { timeSkippingEnvironment } from '../../test/support/time-skipping.js';
import type { ApprovalNote, ApprovalPlan, ApproverIds, Eligibility, StagePlan } from '../approval/schemas.js';
import { workflowSinks, workflowsPath } from '../temporal/worker.js';
import { approvalWorkflow } from './approval.js';
import { standingGrantWorkflow } from './grant.js';
import { approvalStatusQuery, grantStatusQuery, revokeGrantSignal } from './messages.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** What the stubbed Slack was asked, in order. */
interface SlackCall {
  name: string;
  channel?: string;
  note?: ApprovalNote['kind'];
}

const slackCalls: SlackCall[] = [];
let cards = 0;
const eligibilityOf = (approvers: ApproverIds | undefined): Eligibility =>
  approvers
    ? { kind: 'listed', users: approvers.users, userGroups: approvers.userGroups }
    : { kind: 'anyone' };

/** Slack's side of an approval, answered at once. */
const slackStub = {
  async prepareApproval(ask: { approvers: ApproverIds | undefined }) {
    slackCalls.push({ name: 'prepareApproval' });
    return { teamId: 'T1', labels: {}, eligibility: eligibilityOf(ask.approvers) };
  },
  async resolveApprovers(approvers: ApproverIds | undefined) {
    slackCalls.push({ name: 'resolveApprovers' });
    return eligibilityOf(approvers);
  },
  async postApprovalCard({ channel }: { channel: string }) {
    slackCalls.push({ name: 'postApprovalCard', channel });
    cards += 1;
    return { channel, ts: `1700000000.${String(cards).padStart(6, '0')}` };
  },
  async updateApprovalCard(_snapshot: unknown, card: { channel: string }) {
    slackCalls.push({ name: 'updateApprovalCard', channel: card.channel });
  },
  async postApprovalNote(post: { channel: string; note: ApprovalNote }) {
    slackCalls.push({ name: 'postApprovalNote', channel: post.channel, note: post.note.kind });
    return { channel: post.channel, ts: '1700000001.000001' };
  },
};

const proposal = checkedCall('archive_channel', { channel: 'C_OLD' }, 'high', 'call-1');

const stage = (timers: Partial<StagePlan>): StagePlan => ({
  name: 'Team lead',
  approvers: { users: ['U_LEAD'], userGroups: [] },
  required: 1,
  timeoutMs: HOUR_MS,
  remindAfterMs: undefined,
  escalateAfterMs: undefined,
  escalateTo: undefined,
  ...timers,
});

const planOf = (stagePlan: StagePlan): ApprovalPlan => ({
  rule: 'risk high',
  stages: [stagePlan],
  allowSelfApproval: false,
  onTimeout: 'cancel',
  channel: undefined,
});

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('approval-timers');
let started = 0;

beforeAll(async () => {
  installQuietRuntime();
  env = await timeSkippingEnvironment();
  worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowsPath: workflowsPath(),
    activities: slackStub,
    sinks: workflowSinks,
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

async function ask(stagePlan: StagePlan): Promise<WorkflowHandle<typeof approvalWorkflow>> {
  started += 1;
  slackCalls.length = 0;
  return env.client.workflow.start(approvalWorkflow, {
    taskQueue,
    workflowId: `${taskQueue}/approval-${started}`,
    args: [
      {
        requestId: `req-${started}`,
        runId: `${taskQueue}/run-${started}`,
        request: 'archive #old',
        requester: { id: 'U_REQ' },
        proposal,
        channel: 'C_APPROVALS',
        plan: planOf(stagePlan),
      },
    ],
  });
}

describe('an approval nobody decides', () => {
  it('expires when its stage times out: timed out, its card updated, the stage and the time in the outcome', async () => {
    const handle = await ask(stage({ timeoutMs: HOUR_MS }));
    const outcome = await handle.result();
    expect(outcome.status).toBe('timed_out');
    expect(outcome.timedOut).toEqual({ stage: 'Team lead', afterMs: HOUR_MS });
    expect(outcome.audit.map((e) => e.type)).toContain('timed_out');
    // The card's buttons go once it has ended.
    expect(slackCalls.at(-1)).toEqual({ name: 'updateApprovalCard', channel: 'C_APPROVALS' });
    const waited = outcome.audit.find((e) => e.type === 'approval_outcome')?.details.waited_ms as number;
    // An hour on the workflow's clock, and the moments its activities took.
    expect(waited).toBeGreaterThanOrEqual(HOUR_MS);
    expect(waited).toBeLessThan(HOUR_MS + MINUTE_MS);
  });

  it('is reminded once per quiet stretch, in the card’s thread, not again and again', async () => {
    const handle = await ask(stage({ timeoutMs: 8 * HOUR_MS, remindAfterMs: HOUR_MS }));
    const outcome = await handle.result();
    expect(outcome.status).toBe('timed_out');
    expect(outcome.audit.filter((e) => e.type === 'reminder')).toHaveLength(1);
    expect(slackCalls.filter((c) => c.note === 'reminder')).toEqual([
      { name: 'postApprovalNote', channel: 'C_APPROVALS', note: 'reminder' },
    ]);
    const reminded = outcome.audit.find((e) => e.type === 'reminder');
    const asked = outcome.audit.find((e) => e.type === 'approval_requested');
    const after = Date.parse(reminded?.at ?? '') - Date.parse(asked?.at ?? '');
    expect(after).toBeGreaterThanOrEqual(HOUR_MS);
    expect(after).toBeLessThan(HOUR_MS + MINUTE_MS);
  });

  it('escalates once its stage has waited long enough: more approvers, a card where they are, a note', async () => {
    const handle = await ask(
      stage({
        timeoutMs: 8 * HOUR_MS,
        escalateAfterMs: 2 * HOUR_MS,
        escalateTo: { approvers: { users: ['U_HEAD'], userGroups: [] }, channel: 'C_LEADS' },
      }),
    );
    // Before its time, nothing has widened.
    await env.sleep(2 * HOUR_MS - MINUTE_MS);
    expect((await handle.query(approvalStatusQuery)).stages[0]?.escalated).toBe(false);
    await env.sleep(2 * MINUTE_MS);
    // Escalating takes a few steps (approvers, a copy of the card, a note): wait for the copy, after the approvers.
    await expect.poll(async () => (await handle.query(approvalStatusQuery)).cards.length).toBe(2);
    const snapshot = await handle.query(approvalStatusQuery);
    expect(snapshot.stages[0]?.escalated).toBe(true);
    expect(snapshot.eligibility).toEqual({ kind: 'listed', users: ['U_HEAD', 'U_LEAD'], userGroups: [] });
    expect(snapshot.cards.map((c) => c.channel)).toEqual(['C_APPROVALS', 'C_LEADS']);
    const outcome = await handle.result();
    expect(outcome.audit.filter((e) => e.type === 'escalation')).toHaveLength(1);
    const afterEscalation = slackCalls.slice(slackCalls.findIndex((c) => c.name === 'resolveApprovers'));
    expect(afterEscalation.slice(0, 3)).toEqual([
      { name: 'resolveApprovers' },
      { name: 'postApprovalCard', channel: 'C_LEADS' },
      { name: 'postApprovalNote', channel: 'C_APPROVALS', note: 'escalation' },
    ]);
    // Once ended, both cards lose their buttons.
    expect(
      slackCalls
        .slice(-2)
        .map((c) => c.channel)
        .sort(),
    ).toEqual(['C_APPROVALS', 'C_LEADS']);
  });
});

describe('a standing approval', () => {
  const grant = async (id: string, forMs: number) => {
    // The test server's clock, hours ahead of the wall's once earlier tests have skipped time.
    const givenAt = await env.currentTimeMs();
    return env.client.workflow.start(standingGrantWorkflow, {
      taskQueue,
      workflowId: `${taskQueue}/${id}/standing`,
      args: [
        {
          grant_id: `${taskQueue}/${id}/standing`,
          requester: { id: 'U_REQ' },
          tool: 'archive_channel',
          fixed: { channel: 'C_OLD' },
          vary: [],
          grantor: { id: 'U_LEAD' },
          rule: 'risk high',
          risk: 'high',
          given_at: new Date(givenAt).toISOString(),
          expires_at: new Date(givenAt + forMs).toISOString(),
          request_id: `req-${id}`,
          run_id: `${taskQueue}/run-${id}`,
        },
      ],
    });
  };

  it('expires when its time is up, audited', async () => {
    const outcome = await (await grant('expires', HOUR_MS)).result();
    expect(outcome.status).toBe('expired');
    expect(outcome.audit.map((e) => e.type)).toEqual(['grant_given', 'grant_expired']);
  });

  it('revoked before then ends at once, and does not expire later', async () => {
    const handle = await grant('revoked', 24 * HOUR_MS);
    // Once given (its first workflow task), so the audit reads in order.
    await expect.poll(async () => (await handle.query(grantStatusQuery)).audit.length).toBe(1);
    await handle.signal(revokeGrantSignal, { by: { id: 'U_LEAD' } });
    const outcome = await handle.result();
    expect(outcome.status).toBe('revoked');
    expect(outcome.audit.map((e) => e.type)).toEqual(['grant_given', 'grant_revoked']);
  });
});
