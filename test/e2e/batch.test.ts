// Batch review end to end: the calls one model turn proposes that all need a person are asked together — one card
// lists them with Approve all / Reject all / Review each, and one form decides each call; quorum and stages stay per
// call, each call's own card is kept. Signed Slack requests into the real Bolt receiver, a real worker, the fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionCalls, message } from '../fakes/openai.js';
import type { SlackCall } from '../fakes/slack-api.js';
import {
  type Engine,
  nthApproval,
  PEOPLE,
  proposal,
  runOutcome,
  scriptModel,
  startEngine,
  toolOutputs,
  userText,
} from '../support/engine.js';
import { askAgent, type SentBlock, type SlackAppHarness, startSlackApp } from '../support/slack-app.js';

let engine: Engine;
let slack: SlackAppHarness;

beforeAll(async () => {
  engine = await startEngine({ prefix: 'batch', env: { APPROVERS: PEOPLE.ana.id } });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

const isBatchCard = (runId: string) => (c: SlackCall) =>
  JSON.stringify(c.args.blocks ?? '').includes('batch_review') &&
  JSON.stringify(c.args.blocks).includes(runId);

/** `/agent` asking to archive two channels, the model proposing both in one turn and then saying `answer`. */
async function askToArchiveTwo(first: string, second: string, answer: string) {
  const channels = [first, second].map((x) => ({ id: `C0BATCH${x}`, name: `batch-${x.toLowerCase()}` }));
  const request = `archive ${channels.map((c) => `<#${c.id}|${c.name}>`).join(' and ')}`;
  scriptModel(engine.openai, {
    [request]: [
      functionCalls(
        channels.map((c) => ({ name: 'archive_channel', args: proposal({ channel: c.id }, 'high') })),
      ),
      message(answer),
    ],
  });
  const runId = await askAgent(slack.sender, request);
  const card = await engine.slackApi.waitForCall('chat.postMessage', isBatchCard(runId));
  return { request, runId, card };
}

describe('batch review', () => {
  it('lists a turn’s calls on one card and decides them half and half in one form', async () => {
    const { request, runId, card } = await askToArchiveTwo(
      'A',
      'B',
      'Archived batch-a; batch-b was refused.',
    );
    const text = JSON.stringify(card.args.blocks);
    expect(text).toContain('C0BATCHA');
    expect(text).toContain('C0BATCHB');
    const actions = (card.args.blocks as SentBlock[]).find((b) => b.type === 'actions');
    expect(actions?.elements?.map((e) => e.action_id)).toEqual([
      'batch_approve',
      'batch_reject',
      'batch_review',
    ]);
    const value = actions?.elements?.[2]?.value ?? '';
    const ts = (card.response as { ts: string }).ts;

    // Someone who is no approver opens nothing.
    await slack.sender.blockAction({
      actionId: 'batch_review',
      value,
      userId: PEOPLE.mallory.id,
      channelId: String(card.args.channel),
      messageTs: ts,
    });
    await engine.slackApi.waitForCall(
      'chat.postEphemeral',
      (c) =>
        c.args.user === PEOPLE.mallory.id && String(c.args.text).includes('None of these calls waits on you'),
    );

    const triggerId = slack.sender.nextTriggerId();
    await slack.sender.blockAction({
      actionId: 'batch_review',
      value,
      userId: PEOPLE.ana.id,
      channelId: String(card.args.channel),
      messageTs: ts,
      triggerId,
    });
    const opened = await engine.slackApi.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
    const form = opened.args.view as { callback_id: string; private_metadata: string; blocks: SentBlock[] };
    expect(form.callback_id).toBe('approval_batch_modal');
    const formText = JSON.stringify(form.blocks);
    expect(formText).toContain('C0BATCHA');
    expect(formText).toContain('C0BATCHB');
    const choice = (value: 'approve' | 'reject') => ({
      type: 'radio_buttons',
      selected_option: { text: { type: 'plain_text', text: value }, value },
    });

    // A rejection needs a reason.
    const noReason = await slack.sender.viewSubmission({
      callbackId: form.callback_id,
      privateMetadata: form.private_metadata,
      userId: PEOPLE.ana.id,
      values: {
        call_0: { batch_choice: choice('approve') },
        call_1: { batch_choice: choice('reject') },
        notes: { notes_input: { type: 'plain_text_input', value: null } },
      },
    });
    expect(noReason.json).toMatchObject({ response_action: 'errors', errors: { notes: expect.any(String) } });

    const submitted = await slack.sender.viewSubmission({
      callbackId: form.callback_id,
      privateMetadata: form.private_metadata,
      userId: PEOPLE.ana.id,
      values: {
        call_0: { batch_choice: choice('approve') },
        call_1: { batch_choice: choice('reject') },
        notes: { notes_input: { type: 'plain_text_input', value: 'b is still in use' } },
      },
    });
    expect(submitted.text).toBe('');

    const outcome = await runOutcome(engine.client, runId);
    expect(outcome.status).toBe('completed');
    expect(engine.slackApi.callsTo('conversations.archive').map((c) => c.args.channel)).toEqual(['C0BATCHA']);
    expect(outcome.approvals.map((a) => a.status)).toEqual(['approved', 'rejected']);
    // The model hears both: one done, one rejected with the reviewer's notes.
    const last = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
    if (!last) throw new Error('the model was not asked again');
    const told = toolOutputs(last);
    expect(told.map((t) => t.status).sort()).toEqual(['done', 'rejected_by_reviewer']);
    expect(told.find((t) => t.status === 'rejected_by_reviewer')).toMatchObject({
      reviewer_notes: 'b is still in use',
    });
    // The shared card ends with both outcomes and no buttons.
    const updated = engine.slackApi
      .callsTo('chat.update')
      .filter((c) => c.args.ts === ts)
      .at(-1);
    expect(JSON.stringify(updated?.args.blocks)).toContain('approved');
    expect(JSON.stringify(updated?.args.blocks)).toContain('rejected');
    expect(JSON.stringify(updated?.args.blocks)).not.toContain('batch_review');
  });

  it('withdraws every call asked together when the requester withdraws the request', async () => {
    const { runId } = await askToArchiveTwo('C', 'D', 'never');
    const cancelled = await slack.sender.slashCommand({
      text: `cancel ${runId}`,
      userId: PEOPLE.requester.id,
      channelId: 'C0GENERAL',
    });
    expect(cancelled.status).toBe(200);
    const outcome = await runOutcome(engine.client, runId);
    expect(outcome.status).toBe('cancelled');
    for (const n of [1, 2]) {
      const status = await nthApproval(engine.client, runId, n);
      expect(status.status).toBe('cancelled');
      expect(status.withdrawn_by).toMatchObject({ id: PEOPLE.requester.id });
    }
    expect(
      engine.slackApi
        .callsTo('conversations.archive')
        .filter((c) => String(c.args.channel).startsWith('C0BATCHC')),
    ).toEqual([]);
  });
});
