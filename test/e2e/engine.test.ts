// The approval engine end to end on a real dev server and worker, with the Slack and OpenAI fakes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../src/approval/run.js';
import type { ApprovalStatus } from '../../src/approval/schemas.js';
import {
  agentStatusQuery,
  approvalDecisionSignal,
  approvalStatusQuery,
} from '../../src/workflows/messages.js';
import { functionCall, garbageBody, httpError, malformed, message } from '../fakes/openai.js';
import {
  type Engine,
  expectRunsToReplay,
  isApprovalCard,
  PEOPLE,
  proposal,
  type RunHandle,
  SECURITY_GROUP,
  scriptModel,
  startEngine,
  toolOutputs,
  userText,
  waitForCard,
} from '../support/engine.js';

const archive = (channel: string) =>
  functionCall('archive_channel', proposal({ channel }, 'high', 'It is unused.'));

async function approval(engine: Engine, workflowId: string): Promise<ApprovalStatus> {
  return engine.client.workflow.getHandle(workflowId).query(approvalStatusQuery);
}

function decide(
  engine: Engine,
  workflowId: string,
  decision: Record<string, unknown> | unknown,
): Promise<void> {
  return engine.client.workflow.getHandle(workflowId).signal(approvalDecisionSignal, decision);
}

function approve(requestId: string, reviewer: { id: string; name?: string }, notes?: string) {
  return { request_id: requestId, approved: true, reviewer, reviewer_notes: notes ?? null };
}

function reject(requestId: string, reviewer: { id: string; name?: string }, notes: string) {
  return { request_id: requestId, approved: false, reviewer, reviewer_notes: notes };
}

/** Resolves once the approval's audit holds `count` events of `type` (signals are processed asynchronously). */
async function waitForAudit(
  engine: Engine,
  workflowId: string,
  type: string,
  count = 1,
): Promise<ApprovalStatus> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = await approval(engine, workflowId);
    if (status.audit.filter((e) => e.type === type).length >= count) return status;
    if (Date.now() > deadline) throw new Error(`approval ${workflowId}: fewer than ${count} ${type} events`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const modes: Array<{ name: string; prefix: string; worker: { maxCachedWorkflows?: number } }> = [
  { name: 'with a workflow cache', prefix: 'engine', worker: {} },
  {
    name: 'with maxCachedWorkflows: 0 (every task replays history)',
    prefix: 'engine-nocache',
    worker: { maxCachedWorkflows: 0 },
  },
];

describe.each(modes)('approval engine $name', ({ prefix, worker }) => {
  let engine: Engine;
  const finished: RunHandle[] = [];

  beforeAll(async () => {
    engine = await startEngine({
      prefix,
      env: { APPROVERS: `${PEOPLE.ana.id},${PEOPLE.bob.id},${SECURITY_GROUP}`, APPROVAL_TIMEOUT: '1h' },
      worker,
    });
  });

  afterAll(async () => {
    // Guard determinism: every history recorded here replays on the current workflow code.
    expect(
      await expectRunsToReplay(
        engine.client,
        finished.map((h) => h.workflowId),
      ),
    ).toBe(finished.length);
    await engine?.close();
  });

  async function finish(handle: RunHandle): Promise<RunOutcome> {
    const outcome = (await handle.result()) as RunOutcome;
    finished.push(handle);
    return outcome;
  }

  it('runs a low-risk call at once, without a card, and replies to the requester', async () => {
    scriptModel(engine.openai, {
      'how many people are in <#C0GENERAL|general>?': [
        functionCall('channel_info', proposal({ channel: 'C0GENERAL' }, 'low')),
        message('General has its members.'),
      ],
    });
    const run = await engine.startRun('how many people are in <#C0GENERAL|general>?');
    const outcome = await finish(run);
    expect(outcome.status).toBe('completed');
    expect(
      engine.slackApi.callsTo('conversations.info').filter((c) => c.args.channel === 'C0GENERAL'),
    ).toHaveLength(1);
    const posts = engine.slackApi
      .callsTo('chat.postMessage')
      .filter((c) => String(c.args.text).includes('General has'));
    expect(posts.some(isApprovalCard)).toBe(false);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.args).toMatchObject({ channel: 'C0GENERAL' });
    expect(String(posts[0]?.args.text)).toContain(`<@${PEOPLE.requester.id}>`);
    const status = await run.query(agentStatusQuery);
    expect(status.audit.map((e) => e.type)).toEqual([
      'request',
      'proposal',
      'verdict',
      'execution',
      'result',
      'final',
    ]);
  });

  it('waits for approval on a risky call, runs it exactly once when approved, and updates the card', async () => {
    const request = 'archive <#C0OLD1|old-project>';
    scriptModel(engine.openai, { [request]: [archive('C0OLD1'), message('Archived old-project.')] });
    const run = await engine.startRun(request);
    const card = await waitForCard(engine.slackApi, run.workflowId);
    expect(card.call.args.channel).toBe('C0GENERAL');
    const pending = await approval(engine, card.workflowId);
    expect(pending.status).toBe('pending');
    expect(pending.proposal).toMatchObject({
      tool: 'archive_channel',
      risk: 'high',
      arguments: { channel: 'C0OLD1' },
    });
    expect(pending.eligibility).toEqual({
      kind: 'listed',
      users: [PEOPLE.ana.id, PEOPLE.bob.id, PEOPLE.security.id].sort(),
      userGroups: [SECURITY_GROUP],
    });
    expect(engine.slackApi.callsTo('conversations.archive')).toHaveLength(0);

    await decide(engine, card.workflowId, approve(card.requestId, PEOPLE.ana, 'ok, it is dead'));
    const outcome = await finish(run);

    expect(outcome.status).toBe('completed');
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0OLD1'),
    ).toHaveLength(1);
    const update = await engine.slackApi.waitForCall('chat.update', (c) => c.args.ts === card.ts);
    const cardText = JSON.stringify(update.args.blocks);
    expect(cardText).toContain('Approved');
    expect(cardText).toContain(`<@${PEOPLE.ana.id}>`);
    expect(cardText).toContain('ok, it is dead');
    expect(cardText).not.toContain('approval_approve');
    const reply = engine.slackApi.callsTo('chat.postMessage').find((c) => c.args.thread_ts === card.ts);
    expect(String(reply?.args.text)).toContain(`<@${PEOPLE.requester.id}>`);
    expect(String(reply?.args.text)).toContain('Archived old-project.');
  });

  it('never runs a rejected call and gives the model the reviewer notes', async () => {
    const request = 'archive <#C0OLD2|old-two>';
    scriptModel(engine.openai, { [request]: [archive('C0OLD2'), message('Understood, I left it alone.')] });
    const run = await engine.startRun(request);
    const card = await waitForCard(engine.slackApi, run.workflowId);
    await decide(engine, card.workflowId, reject(card.requestId, PEOPLE.bob, 'still used by finance'));
    const outcome = await finish(run);

    expect(outcome.status).toBe('completed');
    expect(outcome.actions).toEqual([]);
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0OLD2'),
    ).toHaveLength(0);
    const afterRejection = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
    expect(afterRejection && toolOutputs(afterRejection)).toEqual([
      expect.objectContaining({ status: 'rejected_by_reviewer', reviewer_notes: 'still used by finance' }),
    ]);
    const update = await engine.slackApi.waitForCall('chat.update', (c) => c.args.ts === card.ts);
    expect(JSON.stringify(update.args.blocks)).toContain('Rejected');
  });

  it('ignores a decision for another request id, then honours the right one', async () => {
    const request = 'archive <#C0OLD3|old-three>';
    scriptModel(engine.openai, { [request]: [archive('C0OLD3'), message('Done.')] });
    const run = await engine.startRun(request);
    const card = await waitForCard(engine.slackApi, run.workflowId);
    await decide(engine, card.workflowId, approve('a-stale-request-id', PEOPLE.ana));
    const afterStale = await waitForAudit(engine, card.workflowId, 'decision_ignored');
    expect(afterStale.status).toBe('pending');
    expect(afterStale.audit.find((e) => e.type === 'decision_ignored')?.details).toMatchObject({
      reason: 'wrong_request',
      signalled_request_id: 'a-stale-request-id',
    });
    await decide(engine, card.workflowId, approve(card.requestId, PEOPLE.ana));
    expect((await finish(run)).status).toBe('completed');
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0OLD3'),
    ).toHaveLength(1);
  });

  it('runs once when two decisions arrive, and audits the second as ignored', async () => {
    const request = 'archive <#C0OLD4|old-four>';
    scriptModel(engine.openai, { [request]: [archive('C0OLD4'), message('Done.')] });
    const run = await engine.startRun(request);
    const card = await waitForCard(engine.slackApi, run.workflowId);
    await Promise.all([
      decide(engine, card.workflowId, approve(card.requestId, PEOPLE.ana)),
      decide(engine, card.workflowId, reject(card.requestId, PEOPLE.bob, 'no')),
    ]);
    await finish(run);
    const final = await approval(engine, card.workflowId);
    expect(final.audit.filter((e) => e.type === 'decision')).toHaveLength(1);
    expect(final.audit.find((e) => e.type === 'decision_ignored')?.details.reason).toBe('already_decided');
    const archived = engine.slackApi
      .callsTo('conversations.archive')
      .filter((c) => c.args.channel === 'C0OLD4');
    expect(archived).toHaveLength(final.status === 'approved' ? 1 : 0);
  });

  it('ignores an ineligible reviewer and the requester, audits both, and accepts a user-group member', async () => {
    const request = 'archive <#C0OLD5|old-five>';
    scriptModel(engine.openai, { [request]: [archive('C0OLD5'), message('Done.')] });
    const run = await engine.startRun(request);
    const card = await waitForCard(engine.slackApi, run.workflowId);
    await decide(engine, card.workflowId, approve(card.requestId, PEOPLE.mallory));
    await decide(engine, card.workflowId, approve(card.requestId, PEOPLE.requester));
    const status = await waitForAudit(engine, card.workflowId, 'decision_ignored', 2);
    expect(status.status).toBe('pending');
    expect(
      status.audit.filter((e) => e.type === 'decision_ignored').map((e) => [e.actor, e.details.reason]),
    ).toEqual([
      [PEOPLE.mallory, 'not_eligible'],
      [PEOPLE.requester, 'self_approval'],
    ]);
    await decide(engine, card.workflowId, approve(card.requestId, PEOPLE.security));
    expect((await finish(run)).status).toBe('completed');
    expect((await approval(engine, card.workflowId)).decision?.reviewer).toEqual(PEOPLE.security);
  });

  it('accepts an operator decision made through Temporal with no reviewer (the recipe CLI payload)', async () => {
    const request = 'archive <#C0OLD6|old-six>';
    scriptModel(engine.openai, { [request]: [archive('C0OLD6'), message('Done.')] });
    const run = await engine.startRun(request);
    const card = await waitForCard(engine.slackApi, run.workflowId);
    // Exactly what `temporal workflow signal --name approval_decision --input '{…}'` sends.
    await decide(engine, card.workflowId, {
      request_id: card.requestId,
      approved: true,
      reviewer_notes: 'approved from the CLI',
      decided_at: new Date().toISOString(),
    });
    expect((await finish(run)).status).toBe('completed');
    const final = await approval(engine, card.workflowId);
    expect(final.decision).toMatchObject({ approved: true, notes: 'approved from the CLI' });
    expect(final.decision?.reviewer).toBeUndefined();
    expect(final.audit.find((e) => e.type === 'decision')?.actor).toBe('operator');
  });

  it('survives malformed decision payloads and still takes a valid one', async () => {
    const request = 'archive <#C0OLD7|old-seven>';
    scriptModel(engine.openai, { [request]: [archive('C0OLD7'), message('Done.')] });
    const run = await engine.startRun(request);
    const card = await waitForCard(engine.slackApi, run.workflowId);
    await decide(engine, card.workflowId, 'approve it please');
    await decide(engine, card.workflowId, { request_id: card.requestId, approved: 'yes' });
    await decide(engine, card.workflowId, {
      request_id: card.requestId,
      approved: true,
      reviewer: { id: 42 },
    });
    const status = await waitForAudit(engine, card.workflowId, 'decision_ignored', 3);
    expect(status.status).toBe('pending');
    expect(
      status.audit
        .filter((e) => e.type === 'decision_ignored')
        .every((e) => e.details.reason === 'malformed'),
    ).toBe(true);
    await decide(engine, card.workflowId, approve(card.requestId, PEOPLE.bob));
    expect((await finish(run)).status).toBe('completed');
  });

  it('runs nothing when the model keeps proposing invalid calls, and says so', async () => {
    const request = 'archive the channel called general';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('archive_channel', proposal({ channel: '#general' }, 'high')),
        malformed('{"arguments": {"channel": ', { name: 'archive_channel' }),
      ],
    });
    const run = await engine.startRun(request);
    const outcome = await finish(run);
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toMatch(/proposed nothing valid 2 times/);
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === '#general'),
    ).toHaveLength(0);
    const second = engine.openai.requests.filter((r) => userText(r) === request)[1];
    expect(second && toolOutputs(second)[0]).toMatchObject({
      status: 'not_run',
      error: expect.stringMatching(/channel ID/),
    });
    const reply = engine.slackApi
      .callsTo('chat.postMessage')
      .find((c) => String(c.args.text).includes('proposed nothing valid'));
    expect(reply?.args.channel).toBe('C0GENERAL');
  });

  it('retries the model after a 500 and completes', async () => {
    const request = 'topic check for <#C0GENERAL|general>';
    engine.openai.reply(httpError(500));
    scriptModel(engine.openai, {
      [request]: [functionCall('channel_info', proposal({ channel: 'C0GENERAL' })), message('Checked.')],
    });
    const before = engine.openai.requests.length;
    const outcome = await finish(await engine.startRun(request));
    expect(outcome.status).toBe('completed');
    expect(engine.openai.requests.length - before).toBe(3);
  });

  it('retries when the model service answers with a body that is not JSON', async () => {
    const request = 'members of <#C0GENERAL|general> after garbage';
    engine.openai.reply(garbageBody());
    scriptModel(engine.openai, {
      [request]: [
        functionCall('channel_info', proposal({ channel: 'C0GENERAL' })),
        message('Checked again.'),
      ],
    });
    const outcome = await finish(await engine.startRun(request));
    expect(outcome).toMatchObject({ status: 'completed', answer: 'Checked again.' });
  });

  it('keeps a pending approval across a worker restart, without posting the card twice', async () => {
    const request = 'archive <#C0OLD8|old-eight>';
    scriptModel(engine.openai, { [request]: [archive('C0OLD8'), message('Done after restart.')] });
    const run = await engine.startRun(request);
    const card = await waitForCard(engine.slackApi, run.workflowId);
    await engine.restartWorker();
    await decide(engine, card.workflowId, approve(card.requestId, PEOPLE.ana));
    expect((await finish(run)).answer).toBe('Done after restart.');
    const cards = engine.slackApi.calls.filter(
      (c) =>
        isApprovalCard(c) &&
        (c.args.metadata as { event_payload: { request_id: string } }).event_payload.request_id ===
          card.requestId,
    );
    expect(cards).toHaveLength(1);
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0OLD8'),
    ).toHaveLength(1);
  });

  it('keeps two concurrent requests apart', async () => {
    const requests = ['archive <#C0AAA|a>', 'archive <#C0BBB|b>'];
    scriptModel(engine.openai, {
      [requests[0] as string]: [archive('C0AAA'), message('A done.')],
      [requests[1] as string]: [archive('C0BBB'), message('B done.')],
    });
    const [runA, runB] = await Promise.all(requests.map((r) => engine.startRun(r)));
    if (!runA || !runB) throw new Error('runs did not start');
    const [cardA, cardB] = await Promise.all([
      waitForCard(engine.slackApi, runA.workflowId),
      waitForCard(engine.slackApi, runB.workflowId),
    ]);
    // A's request id sent to B's approval is someone else's request: ignored.
    await decide(engine, cardB.workflowId, approve(cardA.requestId, PEOPLE.ana));
    await waitForAudit(engine, cardB.workflowId, 'decision_ignored');
    await decide(engine, cardA.workflowId, approve(cardA.requestId, PEOPLE.ana));
    expect((await finish(runA)).answer).toBe('A done.');
    expect((await approval(engine, cardB.workflowId)).status).toBe('pending');
    await decide(engine, cardB.workflowId, reject(cardB.requestId, PEOPLE.bob, 'not B'));
    const outcomeB = await finish(runB);
    expect(outcomeB.actions).toEqual([]);
    const archived = engine.slackApi.callsTo('conversations.archive').map((c) => c.args.channel);
    expect(archived).toContain('C0AAA');
    expect(archived).not.toContain('C0BBB');
  });
});

describe('approval timeout', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine({ prefix: 'timeout', env: { APPROVAL_TIMEOUT: '2s' } });
  });
  afterAll(() => engine?.close());

  it('stops the run, runs nothing, and marks the card expired', async () => {
    const request = 'archive <#C0OLD9|old-nine>';
    scriptModel(engine.openai, { [request]: [archive('C0OLD9'), message('never reached')] });
    const run = await engine.startRun(request);
    const card = await waitForCard(engine.slackApi, run.workflowId);
    const outcome = (await run.result()) as RunOutcome;
    expect(outcome).toMatchObject({ status: 'cancelled', reason: 'cancelled: approval timed out after 2s' });
    expect(engine.slackApi.callsTo('conversations.archive')).toHaveLength(0);
    const update = await engine.slackApi.waitForCall('chat.update', (c) => c.args.ts === card.ts);
    expect(JSON.stringify(update.args.blocks)).toContain('Expired');
    expect(JSON.stringify(update.args.blocks)).not.toContain('approval_approve');
    const reply = engine.slackApi.callsTo('chat.postMessage').find((c) => c.args.thread_ts === card.ts);
    expect(String(reply?.args.text)).toContain('approval timed out after 2s');
    // Too late: the approval has closed; Temporal refuses the signal, nothing runs.
    await expect(decide(engine, card.workflowId, approve(card.requestId, PEOPLE.ana))).rejects.toThrow();
    expect(engine.slackApi.callsTo('conversations.archive')).toHaveLength(0);
  });
});

describe('model refusing the request', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine({ prefix: 'model401' });
  });
  afterAll(() => engine?.close());

  it('ends the run with a clear message on a non-retryable model error, without retrying', async () => {
    engine.openai.otherwise(httpError(401, { message: 'Incorrect API key provided' }));
    const run = await engine.startRun('anything');
    const outcome = (await run.result()) as RunOutcome;
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toMatch(/refused the request \(HTTP 401\)/);
    expect(engine.openai.requests).toHaveLength(1);
    const reply = await engine.slackApi.waitForCall('chat.postMessage', (c) =>
      String(c.args.text).includes('HTTP 401'),
    );
    expect(reply.args.channel).toBe('C0GENERAL');
  });
});

describe('tools reaching out', () => {
  let engine: Engine;
  let hook: Server;
  const received: Array<{ path: string; body: unknown }> = [];

  beforeAll(async () => {
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"queued":true}');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const { port } = hook.address() as AddressInfo;
    engine = await startEngine({
      prefix: 'tools',
      env: { WEBHOOK_ALLOWLIST: `http://127.0.0.1:${port}/countersign/`, APPROVERS: PEOPLE.ana.id },
    });
  });
  afterAll(async () => {
    await engine?.close();
    await new Promise<void>((resolve) => hook.close(() => resolve()));
  });

  it("posts to an allowlisted webhook once, after approval, and gives the model the endpoint's answer", async () => {
    const { port } = hook.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/countersign/deploys`;
    const request = 'roll back the deploy';
    scriptModel(engine.openai, {
      [request]: [
        functionCall(
          'call_webhook',
          proposal({ url, payload: { action: 'rollback', service: 'api' } }, 'medium'),
        ),
        message('Rollback queued.'),
      ],
    });
    const run = await engine.startRun(request);
    const card = await waitForCard(engine.slackApi, run.workflowId);
    expect((await approval(engine, card.workflowId)).proposal.risk).toBe('high');
    expect(received).toEqual([]);
    await decide(engine, card.workflowId, approve(card.requestId, PEOPLE.ana));
    expect(((await run.result()) as RunOutcome).answer).toBe('Rollback queued.');
    expect(received).toEqual([
      { path: '/countersign/deploys', body: { action: 'rollback', service: 'api' } },
    ]);
    const last = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
    expect(last && toolOutputs(last)[0]).toMatchObject({
      status: 'done',
      data: { status: 202, body: '{"queued":true}' },
    });
  });

  it('refuses a URL off the allowlist before anyone is asked, and tells the model', async () => {
    const request = 'call the admin hook';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('call_webhook', proposal({ url: 'http://127.0.0.1:1/admin', payload: {} }, 'high')),
        message('I may not call that endpoint.'),
      ],
    });
    const run = await engine.startRun(request);
    const outcome = (await run.result()) as RunOutcome;
    expect(outcome).toMatchObject({ status: 'completed', actions: [], approvals: [] });
    const last = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
    expect(last && toolOutputs(last)[0]).toMatchObject({
      status: 'not_run',
      error: expect.stringMatching(/not on the webhook allowlist/),
    });
  });

  it('reports a Slack refusal to the model without retrying, and a Slack rate limit after waiting', async () => {
    const request = 'look up two channels';
    engine.slackApi.fail('conversations.info', { kind: 'error', error: 'channel_not_found' });
    scriptModel(engine.openai, {
      [request]: [
        functionCall('channel_info', proposal({ channel: 'C0GONE' })),
        functionCall('channel_info', proposal({ channel: 'C0BUSY' })),
        message('One was gone, the other busy but fine.'),
      ],
    });
    engine.slackApi.fail('conversations.info', { kind: 'rate_limited', retryAfterSeconds: 1 });
    const run = await engine.startRun(request);
    const outcome = (await run.result()) as RunOutcome;
    expect(outcome.actions).toEqual([
      // channel_not_found is told in the words of a channel the requester cannot see: existence is not revealed.
      expect.objectContaining({
        tool: 'channel_info',
        ok: false,
        summary: expect.stringMatching(/^No channel with this id that the requester can see/),
      }),
      expect.objectContaining({ tool: 'channel_info', ok: true }),
    ]);
    const infoCalls = engine.slackApi.callsTo('conversations.info');
    expect(infoCalls.filter((c) => c.args.channel === 'C0GONE')).toHaveLength(1);
    const busy = infoCalls.filter((c) => c.args.channel === 'C0BUSY');
    expect(busy.map((c) => c.fault?.kind ?? 'ok')).toEqual(['rate_limited', 'ok']);
    expect((busy[1]?.at ?? 0) - (busy[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });
});
