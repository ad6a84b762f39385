// Approval policies from a policy file, end to end: quorum with a veto, a two-stage chain, reminders and
// escalation on durable timers, and a timeout that counts as a rejection. Real Bolt receiver, real worker,
// real dev server; only Slack and OpenAI are fakes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../src/approval/run.js';
import type { AuditEvent } from '../../src/approval/schemas.js';
import { createLogger } from '../../src/logger.js';
import {
  agentStatusQuery,
  approvalDecisionSignal,
  approvalStatusQuery,
  withdrawRequestSignal,
} from '../../src/workflows/messages.js';
import { type FakeOpenAIReply, functionCall, message } from '../fakes/openai.js';
import type { SlackCall } from '../fakes/slack-api.js';
import {
  type Engine,
  expectRunsToReplay,
  isApprovalCard,
  PEOPLE,
  proposal,
  SECURITY_GROUP,
  scriptModel,
  startEngine,
  toolOutputs,
  waitForCard,
} from '../support/engine.js';
import {
  askAgent,
  buttonValue,
  notesValues,
  type SlackAppHarness,
  startSlackApp,
} from '../support/slack-app.js';

const ONCALL_CHANNEL = 'C0ONCALL';
/** Never called: the webhook's request is withdrawn before anyone approves it. */
const DEPLOY_HOOK = 'http://127.0.0.1:9/hooks/';
/** The call_webhook rule's quiet time, in ms. */
const WEBHOOK_REMIND_AFTER_MS = 2_000;

const POLICY = `{
  // so that even a look-up waits for people, under the rule for its risk below
  "threshold": "low",
  "risks": {
    // two stages that share an approver: whoever passed the first cannot pass the second too
    "low": {
      "stages": [
        { "name": "Peer", "approvers": ["${PEOPLE.ana.id}", "${PEOPLE.bob.id}"], "timeout": "1h" },
        { "name": "Second look", "approvers": ["${PEOPLE.ana.id}", "${PEOPLE.security.id}"], "timeout": "1h" },
      ],
    },
  },
  // archive: two of three named approvers, any one of them can veto
  "tools": {
    "archive_channel": {
      "approvers": ["${PEOPLE.ana.id}", "${PEOPLE.bob.id}", "${PEOPLE.security.id}"],
      "required": 2,
      "timeout": "1h",
    },
    // posting as the company: the team lead, then security
    "post_message": {
      "stages": [
        { "name": "Team lead", "approvers": ["${PEOPLE.ana.id}"], "timeout": "1h" },
        { "name": "Security", "approvers": ["${SECURITY_GROUP}"], "timeout": "1h" },
      ],
    },
    // a quiet approver: remind after 2s, escalate to security and the on-call channel after 4s
    "set_channel_topic": {
      "approvers": ["${PEOPLE.bob.id}"],
      "timeout": "1h",
      "remind_after": "2s",
      "escalate_after": "4s",
      "escalate_to": { "approvers": ["${SECURITY_GROUP}"], "channel": "${ONCALL_CHANNEL}" },
    },
    // a reminder only, to show the timers outlive a worker
    "call_webhook": { "approvers": ["${PEOPLE.bob.id}"], "timeout": "1h", "remind_after": "2s" },
    // nobody answers: the model is told it was not approved, and the run goes on
    "invite_to_channel": { "approvers": ["${PEOPLE.bob.id}"], "timeout": "2s", "on_timeout": "reject" },
  },
}
`;

let engine: Engine;
let slack: SlackAppHarness;
/** The Slack app's audit lines: what it recorded itself (the cards of a request its decision ended, Slack refusing). */
const appAudit: Array<{ audit?: AuditEvent & { requestId?: string } }> = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-policy-'));
  const policyFile = join(dir, 'policy.jsonc');
  writeFileSync(policyFile, POLICY);
  engine = await startEngine({
    prefix: 'policies',
    env: { POLICY_FILE: policyFile, WEBHOOK_ALLOWLIST: DEPLOY_HOOK },
  });
  const audit = createLogger('info', { service: 'policies-test' }, (line) => appAudit.push(JSON.parse(line)));
  slack = await startSlackApp(engine, engine.client, {}, audit);
});

afterAll(async () => {
  // Guard determinism: stages, quorums and timers all replay on the current workflow code.
  if (engine) expect(await expectRunsToReplay(engine.client, finishedRuns)).toBe(finishedRuns.length);
  await slack?.close();
  await engine?.close();
});

type Card = Awaited<ReturnType<typeof waitForCard>>;

/** `/agent <request>` from the requester; the model proposes `call`, then answers `then`. The run and its card. */
async function askFor(request: string, call: FakeOpenAIReply, then: FakeOpenAIReply) {
  scriptModel(engine.openai, { [request]: [call, then] });
  const runId = await askAgent(slack.sender, request);
  return { runId, card: await waitForCard(engine.slackApi, runId) };
}

let triggers = 0;

/** Clicks a card's button as `userId`; returns the trigger id, to find the modal it opens. */
async function click(card: { call: SlackCall; ts: string }, which: 'approve' | 'reject', userId: string) {
  triggers += 1;
  const triggerId = `policies-trigger-${triggers}`;
  const response = await slack.sender.blockAction({
    actionId: `approval_${which}`,
    value: buttonValue(card.call, which),
    userId,
    channelId: String(card.call.args.channel),
    messageTs: card.ts,
    triggerId,
  });
  expect(response.status).toBe(200);
  return triggerId;
}

/** A full decision as a person makes it: click, the modal opens, notes, submit. */
async function decide(
  card: { call: SlackCall; ts: string },
  which: 'approve' | 'reject',
  userId: string,
  notes: string | null = null,
) {
  const triggerId = await click(card, which, userId);
  const opened = await engine.slackApi.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
  const view = opened.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
  const submitted = await slack.sender.viewSubmission({
    callbackId: view.callback_id,
    privateMetadata: view.private_metadata,
    values: notesValues(notes),
    userId,
  });
  expect(submitted.status).toBe(200);
  expect(submitted.text).toBe('');
  return view;
}

/** What a refused click tells the clicker. */
async function refusal(card: Card, which: 'approve' | 'reject', userId: string): Promise<string> {
  const since = Date.now();
  await click(card, which, userId);
  const told = await engine.slackApi.waitForCall(
    'chat.postEphemeral',
    (c) => c.args.user === userId && c.at >= since,
  );
  return String(told.args.text);
}

/** The card as last updated to contain `text`. */
async function cardUpdate(card: { ts: string }, text: string): Promise<string> {
  const update = await engine.slackApi.waitForCall(
    'chat.update',
    (c) => c.args.ts === card.ts && JSON.stringify(c.args.blocks).includes(text),
  );
  return JSON.stringify(update.args.blocks);
}

function threadNotes(card: Card): string[] {
  return engine.slackApi
    .callsTo('chat.postMessage')
    .filter(
      (c) =>
        c.args.thread_ts === card.ts &&
        (c.args.metadata as { event_type?: string } | undefined)?.event_type === 'countersign_note',
    )
    .map((c) => String(c.args.text));
}

const finishedRuns: string[] = [];

async function runResult(runId: string): Promise<RunOutcome> {
  const outcome = (await engine.client.workflow.getHandle(runId).result()) as RunOutcome;
  finishedRuns.push(runId);
  return outcome;
}

const types = (audit: AuditEvent[]) => audit.map((e) => e.type);

describe('quorum: 2 of 3', () => {
  it('counts each person once, shows progress on the card, and a single rejection vetoes with its notes', async () => {
    const { runId, card } = await askFor(
      'archive <#C0VETO|veto>',
      functionCall('archive_channel', proposal({ channel: 'C0VETO' }, 'high')),
      (req) => message(`Told: ${JSON.stringify(toolOutputs(req)[0])}`),
    );
    expect(JSON.stringify(card.call.args.blocks)).toContain('0 of 2 approvals');

    await decide(card, 'approve', PEOPLE.ana.id, 'Fine by me.');
    expect(await cardUpdate(card, '1 of 2 approvals')).toContain(`1 of 2 approvals: <@${PEOPLE.ana.id}>`);

    // Ana again, on either button: she has already counted.
    expect(await refusal(card, 'approve', PEOPLE.ana.id)).toMatch(/already approved this request/);
    expect(await refusal(card, 'reject', PEOPLE.ana.id)).toMatch(/already approved this request/);
    // A second signal from Ana straight through Temporal is refused by the workflow too.
    await engine.client.workflow.getHandle(card.workflowId).signal(approvalDecisionSignal, {
      request_id: card.requestId,
      approved: true,
      reviewer: { id: PEOPLE.ana.id },
    });

    await decide(card, 'reject', PEOPLE.bob.id, 'Not during the launch freeze.');
    const vetoed = await cardUpdate(card, 'Rejected');
    expect(vetoed).toContain(`<@${PEOPLE.bob.id}>`);
    expect(vetoed).toContain('Not during the launch freeze.');
    expect(vetoed).not.toContain('approval_approve');

    const outcome = await runResult(runId);
    expect(outcome.status).toBe('completed');
    expect(outcome.answer).toContain('rejected_by_reviewer');
    expect(outcome.answer).toContain('Not during the launch freeze.');
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0VETO'),
    ).toEqual([]);
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(status.status).toBe('rejected');
    expect(status.stages[0]?.approvals.map((a) => a.reviewer?.id)).toEqual([PEOPLE.ana.id]);
    const ignored = status.audit.filter((e) => e.type === 'decision_ignored');
    expect(ignored.map((e) => e.details.reason)).toEqual(['already_counted']);
  });

  it('lets an operator, deciding through Temporal itself, pass the stage outright', async () => {
    const { runId, card } = await askFor(
      'archive <#C0OPERATOR|operator>',
      functionCall('archive_channel', proposal({ channel: 'C0OPERATOR' }, 'high')),
      message('Archived operator.'),
    );
    // The public recipe's CLI command: no reviewer, one signal.
    await engine.client.workflow
      .getHandle(card.workflowId)
      .signal(approvalDecisionSignal, { request_id: card.requestId, approved: true });
    expect((await runResult(runId)).status).toBe('completed');
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(status.status).toBe('approved');
    expect(status.stages[0]?.approvals).toHaveLength(1);
    expect(status.audit.find((e) => e.type === 'decision')?.actor).toBe('operator');
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0OPERATOR'),
    ).toHaveLength(1);
  });

  it('runs once two different approvers have approved, and the thread credits both', async () => {
    const { runId, card } = await askFor(
      'archive <#C0QUORUM|quorum>',
      functionCall('archive_channel', proposal({ channel: 'C0QUORUM' }, 'high')),
      message('Archived quorum.'),
    );
    await decide(card, 'approve', PEOPLE.security.id);
    await cardUpdate(card, '1 of 2 approvals');
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0QUORUM'),
    ).toEqual([]);
    await decide(card, 'approve', PEOPLE.bob.id, 'Second pair of eyes: ok.');
    const approved = await cardUpdate(card, 'Approved');
    expect(approved).toContain(`<@${PEOPLE.security.id}>, <@${PEOPLE.bob.id}>`);

    const outcome = await runResult(runId);
    expect(outcome.status).toBe('completed');
    expect(outcome.approvals[0]?.approvedBy).toEqual([
      { id: PEOPLE.security.id, name: expect.any(String) },
      { id: PEOPLE.bob.id, name: expect.any(String) },
    ]);
    const reply = await engine.slackApi.waitForCall(
      'chat.postMessage',
      (c) => c.args.thread_ts === card.ts && String(c.args.text).includes('Archived quorum.'),
    );
    expect(String(reply.args.text)).toContain(`approved by <@${PEOPLE.security.id}>, <@${PEOPLE.bob.id}>`);
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0QUORUM'),
    ).toHaveLength(1);
  });
});

describe('Slack refusing a card update', () => {
  it('does not undo the decisions: the approved call runs, and the audit says why the card is stale', async () => {
    const { runId, card } = await askFor(
      'archive <#C0DELETED|deleted>',
      functionCall('archive_channel', proposal({ channel: 'C0DELETED' }, 'high')),
      message('Archived deleted.'),
    );
    // Someone deleted the card: every update from now on is refused for good.
    engine.slackApi.fail('chat.update', { kind: 'error', error: 'message_not_found' }, 2);
    await decide(card, 'approve', PEOPLE.ana.id);
    await decide(card, 'approve', PEOPLE.bob.id);

    expect((await runResult(runId)).status).toBe('completed');
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0DELETED'),
    ).toHaveLength(1);
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(status.status).toBe('approved');
    // The card showing Ana's approval, updated by the workflow: refused, and audited in the approval.
    const refused = status.audit.filter((e) => e.type === 'slack_refused');
    expect(refused).toHaveLength(1);
    expect(String(refused[0]?.details.error)).toContain('message_not_found');
    // The card showing the end, updated by the Slack app with the answer to Bob's decision: refused, and audited there.
    await expect
      .poll(() =>
        appAudit.filter((l) => l.audit?.type === 'slack_refused' && l.audit.requestId === status.request_id),
      )
      .toHaveLength(1);
    const byApp = appAudit.find((l) => l.audit?.type === 'slack_refused')?.audit;
    expect(String(byApp?.details.error)).toContain('message_not_found');
    expect(byApp?.details.decided_by).toBe(PEOPLE.bob.id);
  });
});

describe('a two-stage chain', () => {
  it('opens the second stage for its own approvers once the first passes; the thread shows the chain', async () => {
    const { runId, card } = await askFor(
      'announce the launch in <#C0NEWS|news>',
      functionCall('post_message', proposal({ channel: 'C0NEWS', text: 'We launched!' }, 'medium')),
      message('Announced.'),
    );
    const posted = JSON.stringify(card.call.args.blocks);
    expect(posted).toContain('1. *Team lead*');
    expect(posted).toContain('2. *Security* — after the stage before');

    // Security cannot skip ahead: stage 1 is the team lead's.
    expect(await refusal(card, 'approve', PEOPLE.security.id)).toMatch(/not one of the approvers/);

    await decide(card, 'approve', PEOPLE.ana.id, 'Copy looks good.');
    const second = await cardUpdate(card, 'Stage 2 of 2 (Security)');
    const midway = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(midway.status).toBe('pending');
    expect(midway.decision).toBeUndefined();
    expect(second).toContain(`1. *Team lead* — approved by <@${PEOPLE.ana.id}>`);
    expect(second).toContain('approval_approve');
    const opened = await engine.slackApi.waitForCall(
      'chat.postMessage',
      (c) => c.args.thread_ts === card.ts && String(c.args.text).includes('Stage 2 of 2'),
    );
    expect(String(opened.args.text)).toContain(`<!subteam^${SECURITY_GROUP}>`);
    expect(engine.slackApi.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0NEWS')).toEqual(
      [],
    );

    // The team lead cannot pass the security stage too.
    expect(await refusal(card, 'approve', PEOPLE.ana.id)).toMatch(/not one of the approvers/);
    await decide(card, 'approve', PEOPLE.security.id);
    const done = await cardUpdate(card, 'Approved');
    expect(done).toContain(`2. *Security* — approved by <@${PEOPLE.security.id}>`);

    const outcome = await runResult(runId);
    expect(outcome.status).toBe('completed');
    expect(
      engine.slackApi.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0NEWS'),
    ).toHaveLength(1);
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(status.decision?.reviewer?.id).toBe(PEOPLE.security.id);
    expect(status.stages.map((s) => [s.name, s.status])).toEqual([
      ['Team lead', 'approved'],
      ['Security', 'approved'],
    ]);
    expect(types(status.audit)).toEqual([
      'approval_requested',
      'stage_opened',
      'card_posted',
      'decision',
      'stage_passed',
      'stage_opened',
      'decision',
      'approval_outcome',
    ]);
  });
});

describe('a rule by risk', () => {
  it('applies to a call its tool has no rule for, and counts a person once across its stages', async () => {
    const { runId, card } = await askFor(
      'look up <#C0LOOKUP|lookup>',
      functionCall('channel_info', proposal({ channel: 'C0LOOKUP' }, 'low')),
      message('Looked it up.'),
    );
    expect(JSON.stringify(card.call.args.blocks)).toContain('1. *Peer*');
    await decide(card, 'approve', PEOPLE.ana.id);
    await cardUpdate(card, 'Stage 2 of 2 (Second look)');
    // Ana may decide in the second stage too, but she already approved this request.
    expect(await refusal(card, 'approve', PEOPLE.ana.id)).toMatch(/already approved this request/);
    await decide(card, 'approve', PEOPLE.security.id);
    expect((await runResult(runId)).status).toBe('completed');
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(status.stages.map((s) => s.approvals.map((a) => a.reviewer?.id))).toEqual([
      [PEOPLE.ana.id],
      [PEOPLE.security.id],
    ]);
    expect(status.audit.find((e) => e.type === 'approval_requested')?.details.rule).toBe('risk low');
  });
});

describe('reminders and escalation', () => {
  it('reminds the approver after the quiet time, then escalates to more approvers and another channel', async () => {
    const { runId, card } = await askFor(
      'set the topic of <#C0QUIET|quiet>',
      functionCall('set_channel_topic', proposal({ channel: 'C0QUIET', topic: 'Launch week' }, 'medium')),
      message('Topic set.'),
    );

    const reminder = await engine.slackApi.waitForCall(
      'chat.postMessage',
      (c) => c.args.thread_ts === card.ts && String(c.args.text).includes('Reminder'),
    );
    expect(String(reminder.args.text)).toContain(`<@${PEOPLE.bob.id}>, please decide`);

    const copy = await engine.slackApi.waitForCall(
      'chat.postMessage',
      (c) =>
        isApprovalCard(c) &&
        c.args.channel === ONCALL_CHANNEL &&
        JSON.stringify(c.args).includes(card.requestId),
    );
    const escalation = await engine.slackApi.waitForCall(
      'chat.postMessage',
      (c) => c.args.thread_ts === card.ts && String(c.args.text).includes('Escalated'),
    );
    expect(String(escalation.args.text)).toContain(`<!subteam^${SECURITY_GROUP}>`);
    expect(String(escalation.args.text)).toContain(`<#${ONCALL_CHANNEL}>`);
    expect(threadNotes(card)).toHaveLength(2);

    // Someone from the escalation group decides, on the copy in the on-call channel.
    const copyCard = { call: copy, ts: String((copy.response as { ts?: string }).ts) };
    await decide(copyCard, 'approve', PEOPLE.security.id, 'On call: fine.');
    await cardUpdate(card, 'Approved');
    await cardUpdate(copyCard, 'Approved');

    const outcome = await runResult(runId);
    expect(outcome.status).toBe('completed');
    expect(
      engine.slackApi.callsTo('conversations.setTopic').filter((c) => c.args.channel === 'C0QUIET'),
    ).toHaveLength(1);
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    const audit = types(status.audit);
    expect(audit.indexOf('reminder')).toBeGreaterThan(audit.indexOf('card_posted'));
    expect(audit.indexOf('escalation')).toBeGreaterThan(audit.indexOf('reminder'));
    expect(audit.indexOf('decision')).toBeGreaterThan(audit.indexOf('escalation'));
    expect(status.audit.find((e) => e.type === 'escalation')?.details).toMatchObject({
      channel: ONCALL_CHANNEL,
      added: { kind: 'listed', users: [PEOPLE.security.id], userGroups: [SECURITY_GROUP] },
    });
    const run = await engine.client.workflow.getHandle(runId).query(agentStatusQuery);
    expect(run.thread).toEqual({ channel: card.call.args.channel, ts: card.ts });
  });

  it('keeps its timers through a worker outage: a reminder due while no worker ran is posted, once, when one is back', async () => {
    const { runId, card } = await askFor(
      'call the deploy hook',
      functionCall(
        'call_webhook',
        proposal({ url: `${DEPLOY_HOOK}deploy`, payload: { ref: 'main' } }, 'high'),
      ),
      message('Not called.'),
    );
    await engine.stopWorker();
    try {
      await new Promise((resolve) => setTimeout(resolve, WEBHOOK_REMIND_AFTER_MS + 1_000));
      expect(threadNotes(card)).toEqual([]);
    } finally {
      await engine.startWorker();
    }
    const reminder = await engine.slackApi.waitForCall(
      'chat.postMessage',
      (c) => c.args.thread_ts === card.ts && String(c.args.text).includes('Reminder'),
    );
    expect(String(reminder.args.text)).toContain(`<@${PEOPLE.bob.id}>, please decide`);
    // One reminder per quiet stretch: another whole quiet time passes without a second.
    await new Promise((resolve) => setTimeout(resolve, WEBHOOK_REMIND_AFTER_MS + 500));
    expect(threadNotes(card).filter((text) => text.includes('Reminder'))).toHaveLength(1);

    await engine.client.workflow
      .getHandle(card.workflowId)
      .signal(withdrawRequestSignal, { request_id: card.requestId, by: { id: PEOPLE.requester.id } });
    const outcome = await runResult(runId);
    expect(outcome.status).toBe('cancelled');
    expect(threadNotes(card).filter((text) => text.includes('Reminder'))).toHaveLength(1);
  });

  it('posts a reminder once even when Slack’s answer to it is lost: the retry finds the first', async () => {
    const { runId, card } = await askFor(
      'call the deploy hook, take two',
      functionCall('call_webhook', proposal({ url: `${DEPLOY_HOOK}deploy`, payload: { ref: 'v2' } }, 'high')),
      message('Not called.'),
    );
    // The next post is the reminder: Slack posts it, and the worker never hears back.
    engine.slackApi.fail('chat.postMessage', { kind: 'lost_response', status: 502 });
    await engine.slackApi.waitForCall(
      'conversations.replies',
      (c) => c.args.ts === card.ts && threadNotes(card).length > 0,
    );
    await engine.client.workflow
      .getHandle(card.workflowId)
      .signal(withdrawRequestSignal, { request_id: card.requestId, by: { id: PEOPLE.requester.id } });
    expect((await runResult(runId)).status).toBe('cancelled');
    expect(threadNotes(card).filter((text) => text.includes('Reminder'))).toHaveLength(1);
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(status.audit.filter((e) => e.type === 'reminder')).toHaveLength(1);
    expect(status.audit.filter((e) => e.type === 'slack_refused')).toEqual([]);
  });

  it('treats a timeout as a rejection when the policy says so: nothing runs, the model is told', async () => {
    const { runId, card } = await askFor(
      'invite the launch crew to <#C0CREW|crew>',
      functionCall('invite_to_channel', proposal({ channel: 'C0CREW', users: [PEOPLE.ana.id] }, 'medium')),
      (req) => message(`Not done: ${JSON.stringify(toolOutputs(req)[0])}`),
    );
    const expired = await cardUpdate(card, 'Expired');
    expect(expired).not.toContain('approval_approve');
    const outcome = await runResult(runId);
    expect(outcome.status).toBe('completed');
    expect(outcome.answer).toContain('not_approved_in_time');
    expect(outcome.approvals[0]).toMatchObject({ status: 'timed_out', timeoutMeant: 'reject' });
    expect(
      engine.slackApi.callsTo('conversations.invite').filter((c) => c.args.channel === 'C0CREW'),
    ).toEqual([]);
  });
});
