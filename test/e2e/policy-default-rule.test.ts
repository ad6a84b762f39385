// A policy file's "default" rule end to end: where the cards go, and a requester allowed to decide their own
// request. Real Bolt receiver, real worker, real dev server; only Slack and OpenAI are fakes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../src/approval/run.js';
import { functionCall, message } from '../fakes/openai.js';
import { type Engine, PEOPLE, proposal, scriptModel, startEngine } from '../support/engine.js';
import {
  askForCard,
  buttonValue,
  notesValues,
  type SlackAppHarness,
  startSlackApp,
} from '../support/slack-app.js';

const APPROVALS_CHANNEL = 'C0APPROVALS';

let engine: Engine;
let slack: SlackAppHarness;

beforeAll(async () => {
  const policyFile = join(mkdtempSync(join(tmpdir(), 'countersign-policy-default-')), 'policy.json');
  writeFileSync(
    policyFile,
    JSON.stringify({
      default: {
        channel: APPROVALS_CHANNEL,
        allow_self_approval: true,
        approvers: [PEOPLE.requester.id, PEOPLE.ana.id],
      },
    }),
  );
  engine = await startEngine({ prefix: 'policy-default', env: { POLICY_FILE: policyFile } });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

describe('a policy file’s default rule', () => {
  it('posts the card in its channel and lets the requester approve their own request when it says so', async () => {
    const request = 'archive <#C0SELF|self>';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('archive_channel', proposal({ channel: 'C0SELF' }, 'high')),
        message('Archived self.'),
      ],
    });
    const card = await askForCard(slack, engine.slackApi, request);
    expect(card.call.args.channel).toBe(APPROVALS_CHANNEL);

    const triggerId = 'policy-default-self';
    await slack.sender.blockAction({
      actionId: 'approval_approve',
      value: buttonValue(card.call, 'approve'),
      userId: PEOPLE.requester.id,
      channelId: APPROVALS_CHANNEL,
      messageTs: card.ts,
      triggerId,
    });
    const opened = await engine.slackApi.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
    const view = opened.args.view as { callback_id: string; private_metadata: string };
    await slack.sender.viewSubmission({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values: notesValues('My own call, allowed by policy.'),
      userId: PEOPLE.requester.id,
    });

    const outcome = (await engine.client.workflow
      .getHandle(card.workflowId.split('/')[0] ?? '')
      .result()) as RunOutcome;
    expect(outcome.status).toBe('completed');
    expect(outcome.approvals[0]?.reviewer?.id).toBe(PEOPLE.requester.id);
    // The result goes back where the request was made (the card is elsewhere), not into the card's thread.
    const reply = await engine.slackApi.waitForCall('chat.postMessage', (c) =>
      String(c.args.text).includes('Archived self.'),
    );
    expect(reply.args).toMatchObject({ channel: 'C0GENERAL' });
    expect(reply.args.thread_ts).toBeUndefined();
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0SELF'),
    ).toHaveLength(1);
  });
});
