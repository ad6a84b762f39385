// Faults of the services around us: Slack answering 429 and 500 (or losing its answer after doing the work)
// on every post the workflows make, and the model service failing for a while or for good.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../src/approval/run.js';
import { approvalDecisionSignal, approvalStatusQuery } from '../../src/workflows/messages.js';
import { functionCall, httpError, message } from '../fakes/openai.js';
import type { FakeSlackApi } from '../fakes/slack-api.js';
import { type Engine, PEOPLE, proposal, scriptModel, startEngine } from '../support/engine.js';

let engine: Engine;

beforeAll(async () => {
  engine = await startEngine({ prefix: 'faults', env: { APPROVERS: PEOPLE.ana.id } });
});
afterAll(() => engine?.close());

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not there yet (e.g. the approval workflow has not started)
    }
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Messages that really exist in Slack (the fake's state), not calls made: what a person would see. */
async function messagesIn(slackApi: FakeSlackApi, channel: string, threadTs?: string) {
  const method = threadTs ? 'conversations.replies' : 'conversations.history';
  const response = await fetch(`${slackApi.url}${method}`, {
    method: 'POST',
    headers: { authorization: 'Bearer xoxb-inspector', 'content-type': 'application/json' },
    body: JSON.stringify({
      channel,
      ...(threadTs ? { ts: threadTs } : {}),
      include_all_metadata: true,
      limit: 1000,
    }),
  });
  const body = (await response.json()) as {
    messages: Array<{
      ts: string;
      text: string;
      metadata?: { event_type: string; event_payload: Record<string, string> };
    }>;
  };
  return body.messages;
}

describe('Slack failing while the workflows post', () => {
  it('lands the card, its update and the result exactly once through 429s, 500s and lost answers', async () => {
    const channel = 'C0FLAKY';
    const request = 'archive <#C0FLAKYOLD|flaky-old>';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('archive_channel', proposal({ channel: 'C0FLAKYOLD' }, 'high')),
        message('Archived it.'),
      ],
    });
    // The card: rate-limited, then a 500, then Slack posts it but the answer is lost.
    engine.slackApi.fail('chat.postMessage', { kind: 'rate_limited', retryAfterSeconds: 1 });
    engine.slackApi.fail('chat.postMessage', { kind: 'http', status: 500 });
    engine.slackApi.fail('chat.postMessage', { kind: 'lost_response', status: 500 });
    const run = await engine.startRun(request, { channel });

    const cards = async () =>
      (await messagesIn(engine.slackApi, channel)).filter(
        (m) =>
          m.metadata?.event_type === 'countersign_approval' &&
          m.metadata.event_payload.workflow_id?.startsWith(run.workflowId),
      );
    // The last attempt's answer was lost, so no successful post is ever seen: wait for the workflow instead.
    const approvalId = run.workflowId;
    const status = await eventually(async () => {
      const current = await engine.client.workflow.getHandle(approvalId).query(approvalStatusQuery);
      return current.card ? current : undefined;
    });
    expect(await cards()).toHaveLength(1);
    expect(status.card?.ts).toBe((await cards())[0]?.ts);
    const card = { workflowId: approvalId, requestId: status.request_id };

    // The update: a 500 and a 429; the result: its answer lost once.
    engine.slackApi.fail('chat.update', { kind: 'http', status: 500 });
    engine.slackApi.fail('chat.update', { kind: 'rate_limited', retryAfterSeconds: 1 });
    engine.slackApi.fail('chat.postMessage', { kind: 'lost_response', status: 502 });
    await engine.client.workflow
      .getHandle(card.workflowId)
      .signal(approvalDecisionSignal, { request_id: card.requestId, approved: true, reviewer: PEOPLE.ana });
    const outcome = (await run.result()) as RunOutcome;
    expect(outcome.status).toBe('completed');

    expect(await cards()).toHaveLength(1);
    expect(JSON.stringify((await cards())[0])).toContain('Approved');
    const updates = engine.slackApi.callsTo('chat.update').filter((c) => c.args.ts === status.card?.ts);
    expect(updates.map((c) => c.fault?.kind ?? 'ok')).toEqual(['http', 'rate_limited', 'ok']);
    const results = (await messagesIn(engine.slackApi, channel, status.card?.ts)).filter(
      (m) => m.metadata?.event_type === 'countersign_result',
    );
    expect(results).toHaveLength(1);
    expect(results[0]?.text).toContain('Archived it.');
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0FLAKYOLD'),
    ).toHaveLength(1);
  });
});

describe('the model service failing', () => {
  it('retries through a bad spell and completes', async () => {
    const request = 'what is in <#C0FLAP|flap>?';
    engine.openai.reply(httpError(500), httpError(503), httpError(429, { retryAfterSeconds: 1 }));
    scriptModel(engine.openai, {
      [request]: [functionCall('channel_info', proposal({ channel: 'C0FLAP' })), message('Flap is fine.')],
    });
    const before = engine.openai.requests.length;
    const outcome = (await (await engine.startRun(request)).result()) as RunOutcome;
    expect(outcome).toMatchObject({ status: 'completed', answer: 'Flap is fine.' });
    expect(engine.openai.requests.length - before).toBe(5);
  });

  it('gives up after its retries with one clear failure reply, having run nothing', async () => {
    engine.openai.otherwise(httpError(500, { message: 'upstream overloaded' }));
    const run = await engine.startRun('archive <#C0NEVER|never>', { channel: 'C0DOWNMODEL' });
    const outcome = (await run.result()) as RunOutcome;
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toMatch(/model service kept failing, retries exhausted .*upstream overloaded/);
    const replies = (await messagesIn(engine.slackApi, 'C0DOWNMODEL')).filter(
      (m) => m.metadata?.event_type === 'countersign_result',
    );
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toContain(`<@${PEOPLE.requester.id}>`);
    expect(replies[0]?.text).toContain('Nothing was run.');
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0NEVER'),
    ).toEqual([]);
  }, 90_000);
});
