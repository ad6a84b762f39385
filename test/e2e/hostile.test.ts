// Hostile input: each has no side effect (nothing started, signalled or posted) and the app keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentStatusQuery,
  approvalDecisionSignal,
  approvalStatusQuery,
} from '../../src/workflows/messages.js';
import { functionCall, message } from '../fakes/openai.js';
import {
  type Engine,
  PEOPLE,
  proposal,
  SECURITY_GROUP,
  scriptModel,
  setUserGroupMembers,
  startEngine,
  userText,
  waitForCard,
} from '../support/engine.js';
import {
  askForCard,
  buttonValue,
  notesValues,
  runIdFromAck,
  type SlackAppHarness,
  startSlackApp,
} from '../support/slack-app.js';

const CHANNEL = 'C0GENERAL';
let engine: Engine;
let slack: SlackAppHarness;

beforeAll(async () => {
  engine = await startEngine({
    prefix: 'hostile',
    env: { APPROVERS: `${PEOPLE.ana.id},${SECURITY_GROUP}`, APPROVAL_TIMEOUT: '1h' },
  });
  slack = await startSlackApp(engine);
});
afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

function archiveScript(request: string, channel: string) {
  scriptModel(engine.openai, {
    [request]: [
      functionCall('archive_channel', proposal({ channel }, 'high')),
      message(`Archived ${channel}.`),
    ],
  });
}

describe('replays', () => {
  it('a replayed slash command starts nothing new', async () => {
    const request = 'archive <#C0REPLAY|replay>';
    archiveScript(request, 'C0REPLAY');
    const first = await slack.sender.slashCommand({
      text: request,
      userId: PEOPLE.requester.id,
      channelId: CHANNEL,
    });
    const captured = slack.sender.lastSent;
    if (!captured) throw new Error('nothing was sent');
    const runId = runIdFromAck(first.json);
    await waitForCard(engine.slackApi, runId);

    const replayedAt = Date.now();
    const replayed = await slack.sender.replay(captured);
    expect(replayed.status).toBe(200);
    const followUp = await engine.slackApi.waitForCall('response_url', (c) => c.at >= replayedAt);
    expect(String(followUp.args.text)).toContain(`already received: run \`${runId}\``);
    const modelCalls = engine.openai.requests.filter((r) => userText(r) === request);
    expect(modelCalls).toHaveLength(1);
    const runs = await engine.client.workflow.count(`WorkflowId = '${runId}'`);
    expect(runs.count).toBe(1);
  });

  it('a replayed modal submission is the same decision: counted once, answered as the first was', async () => {
    const request = 'archive <#C0REPLAY2|replay2>';
    archiveScript(request, 'C0REPLAY2');
    const card = await askForCard(slack, engine.slackApi, request);
    await slack.sender.blockAction({
      actionId: 'approval_approve',
      value: buttonValue(card.call, 'approve'),
      userId: PEOPLE.ana.id,
      channelId: CHANNEL,
      messageTs: card.ts,
    });
    const opened = await engine.slackApi.waitForCall('views.open', (c) =>
      JSON.stringify(c.args).includes(card.requestId),
    );
    const view = opened.args.view as { callback_id: string; private_metadata: string };
    await slack.sender.viewSubmission({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values: notesValues('once'),
      userId: PEOPLE.ana.id,
    });
    const captured = slack.sender.lastSent;
    if (!captured) throw new Error('nothing was sent');
    await engine.slackApi.waitForCall('chat.postMessage', (c) => c.args.thread_ts === card.ts);
    const replayed = await slack.sender.replay(captured);
    // One form is one Update (its id comes from the view): Temporal answers the replay with the first answer.
    expect(replayed.status).toBe(200);
    expect(replayed.text).toBe('');
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0REPLAY2'),
    ).toHaveLength(1);
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(status.audit.filter((e) => e.type === 'decision')).toHaveLength(1);
  });
});

describe('malformed and oversize requests', () => {
  it('refuses an oversize body with 413 and keeps serving', async () => {
    const huge = new URLSearchParams({
      command: '/agent',
      text: 'x'.repeat(5 * 1024 * 1024),
      user_id: 'U0X',
    });
    const response = await slack.sender.send(huge.toString(), 'application/x-www-form-urlencoded');
    expect(response.status).toBe(413);
    const help = await slack.sender.slashCommand({ text: 'help', userId: PEOPLE.ana.id, channelId: CHANNEL });
    expect(help.status).toBe(200);
  });

  it('answers malformed form data and JSON with 4xx and starts nothing', async () => {
    const before = engine.openai.requests.length;
    for (const [body, type] of [
      ['payload=%7B%22type%22%3A', 'application/x-www-form-urlencoded'],
      ['{"type": "block_actions", ', 'application/json'],
      ['%%%', 'application/x-www-form-urlencoded'],
    ] as const) {
      const response = await slack.sender.send(body, type);
      expect(response.status, body).toBeGreaterThanOrEqual(400);
      expect(response.status, body).toBeLessThan(500);
    }
    expect(engine.openai.requests.length).toBe(before);
  });

  it('treats a decision signal with extra or wrong-typed fields as malformed: nothing decided', async () => {
    const request = 'archive <#C0TYPED|typed>';
    archiveScript(request, 'C0TYPED');
    const card = await askForCard(slack, engine.slackApi, request);
    const handle = engine.client.workflow.getHandle(card.workflowId);
    // By the signal's name, as anyone with the CLI could: payloads no typed caller would build.
    await handle.signal(approvalDecisionSignal.name, {
      request_id: card.requestId,
      approved: true,
      reviewer: PEOPLE.ana,
      admin: true,
    });
    await handle.signal(approvalDecisionSignal.name, {
      request_id: card.requestId,
      approved: 1,
      reviewer: PEOPLE.ana,
    });
    await handle.signal(approvalDecisionSignal.name, {
      request_id: card.requestId,
      approved: true,
      reviewer: { ...PEOPLE.ana, roles: ['admin'] },
    });
    await handle.signal(approvalDecisionSignal.name, { request_id: [card.requestId], approved: true });
    const deadline = Date.now() + 10_000;
    let status = await handle.query(approvalStatusQuery);
    while (status.audit.filter((e) => e.type === 'decision_ignored').length < 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      status = await handle.query(approvalStatusQuery);
    }
    expect(status.status).toBe('pending');
    expect(status.audit.filter((e) => e.type === 'decision_ignored').map((e) => e.details.reason)).toEqual([
      'malformed',
      'malformed',
      'malformed',
      'malformed',
    ]);
  });
});

describe('authorisation matrix', () => {
  it('lets approvers and current group members decide; not plain members, the requester, or someone removed from the group', async () => {
    // Bob is in the security group for the first request, removed before the second.
    await setUserGroupMembers(engine.slackApi, SECURITY_GROUP, [PEOPLE.security.id, PEOPLE.bob.id]);
    archiveScript('archive <#C0MATRIX1|m1>', 'C0MATRIX1');
    const before = await askForCard(slack, engine.slackApi, 'archive <#C0MATRIX1|m1>');
    await setUserGroupMembers(engine.slackApi, SECURITY_GROUP, [PEOPLE.security.id]);
    archiveScript('archive <#C0MATRIX2|m2>', 'C0MATRIX2');
    const after = await askForCard(slack, engine.slackApi, 'archive <#C0MATRIX2|m2>');

    /** What happens when `userId` clicks Approve on `card`: 'modal', or the ephemeral refusal text. */
    const clickOutcome = async (card: typeof after, userId: string): Promise<string> => {
      // Calls after this index answer this click (timestamps can tie within a millisecond).
      const seen = engine.slackApi.calls.length;
      const isNew = (c: (typeof engine.slackApi.calls)[number]) => engine.slackApi.calls.indexOf(c) >= seen;
      await slack.sender.blockAction({
        actionId: 'approval_approve',
        value: buttonValue(card.call, 'approve'),
        userId,
        channelId: CHANNEL,
        messageTs: card.ts,
      });
      const answer = await Promise.any([
        engine.slackApi.waitForCall(
          'views.open',
          (c) => isNew(c) && JSON.stringify(c.args).includes(card.requestId),
        ),
        engine.slackApi.waitForCall('chat.postEphemeral', (c) => isNew(c) && c.args.user === userId),
      ]);
      return answer.method === 'views.open' ? 'modal' : String(answer.args.text);
    };

    const matrix: Array<[string, string, RegExp]> = [
      ['approver', PEOPLE.ana.id, /^modal$/],
      ['user-group member', PEOPLE.security.id, /^modal$/],
      ['plain member', PEOPLE.mallory.id, /not one of the approvers/],
      ['requester', PEOPLE.requester.id, /someone else has to decide/],
      ['removed from the group before the request', PEOPLE.bob.id, /not one of the approvers/],
    ];
    for (const [role, userId, expected] of matrix) {
      expect(await clickOutcome(after, userId), role).toMatch(expected);
    }
    // Membership is resolved when the approval is created and recorded with it: for the earlier request Bob
    // was a member, and still may decide.
    expect(await clickOutcome(before, PEOPLE.bob.id)).toBe('modal');

    // The workflow is the authority: the same people signalling directly are ignored and audited.
    const handle = engine.client.workflow.getHandle(after.workflowId);
    for (const person of [PEOPLE.mallory, PEOPLE.requester, PEOPLE.bob]) {
      await handle.signal(approvalDecisionSignal, {
        request_id: after.requestId,
        approved: true,
        reviewer: person,
      });
    }
    await handle.signal(approvalDecisionSignal, {
      request_id: after.requestId,
      approved: true,
      reviewer: PEOPLE.security,
    });
    const run = engine.client.workflow.getHandle(after.workflowId.split('/')[0] as string);
    await run.result();
    const status = await handle.query(approvalStatusQuery);
    expect(
      status.audit.filter((e) => e.type === 'decision_ignored').map((e) => [e.actor, e.details.reason]),
    ).toEqual([
      [PEOPLE.mallory, 'not_eligible'],
      [PEOPLE.requester, 'self_approval'],
      [PEOPLE.bob, 'not_eligible'],
    ]);
    expect(status.decision?.reviewer).toEqual(PEOPLE.security);
    expect((await run.query(agentStatusQuery)).outcome?.status).toBe('completed');
  });
});
