// What a person approves is exactly what runs, once: end to end through signed Slack requests into the real Bolt
// receiver, a real worker on the dev server, and the Slack and OpenAI fakes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalStatus } from '../../src/approval/schemas.js';
import { approvalDecisionSignal, approvalStatusQuery } from '../../src/workflows/messages.js';
import { functionCall, message } from '../fakes/openai.js';
import type { SlackCall } from '../fakes/slack-api.js';
import {
  type Engine,
  isApprovalCard,
  PEOPLE,
  proposal,
  runOutcome,
  SECURITY_GROUP,
  scriptModel,
  startEngine,
  toolOutputs,
  userText,
  waitForCard,
} from '../support/engine.js';
import {
  askAgent,
  clickCard,
  type DecisionForm,
  openDecisionForm,
  type SlackAppHarness,
  startSlackApp,
  submitDecisionForm,
} from '../support/slack-app.js';

const GUEST = { id: 'U0GUEST', name: 'gus', isRestricted: true };
const STRANGER = { id: 'U0STRANGER', name: 'stan', teamId: 'T0OTHERCO' };

const POLICY = `{
  "tools": {
    "set_channel_topic": {
      "stages": [
        { "name": "Team lead", "approvers": ["${PEOPLE.ana.id}"] },
        { "name": "Security", "approvers": ["${PEOPLE.ana.id}", "${SECURITY_GROUP}"] }
      ]
    }
  }
}`;

let engine: Engine;
let slack: SlackAppHarness;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-trust-'));
  writeFileSync(join(dir, 'policy.jsonc'), POLICY);
  // No APPROVERS: "anyone" — which must still mean full members of this workspace only.
  engine = await startEngine({
    prefix: 'trust',
    env: {
      POLICY_FILE: join(dir, 'policy.jsonc'),
      APPROVAL_TIMEOUT: '1h',
      WEBHOOK_ALLOWLIST: 'https://hooks.example.com/trust/',
    },
    users: [GUEST, STRANGER],
    channels: [{ id: 'C0RELEASE', name: 'release-notes', members: [PEOPLE.requester.id] }],
  });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

const openForm = (
  card: Awaited<ReturnType<typeof waitForCard>>,
  which: 'approve' | 'reject',
  userId: string,
) => openDecisionForm(slack, engine.slackApi, card, which, userId);

const submit = (form: DecisionForm, userId: string, notes: string | null) =>
  submitDecisionForm(slack, form, userId, notes);

function approvalOf(workflowId: string): Promise<ApprovalStatus> {
  return engine.client.workflow.getHandle(workflowId).query(approvalStatusQuery);
}

const ephemeralTo = (userId: string, since: number) => (c: SlackCall) =>
  c.args.user === userId && c.at >= since;

describe('the approver sees everything that will run', () => {
  it('shows a 4,000-character message whole and exactly, with the channel named, and posts exactly that once', async () => {
    const text = Array.from(
      { length: 70 },
      (_, i) => `${i}: <!here> *ship* & \`\`\`v2\`\`\` ${'-'.repeat(30)}`,
    )
      .join('\n')
      .slice(0, 4000);
    const request = 'post the release notes in <#C0RELEASE|release-notes>';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('post_message', proposal({ channel: 'C0RELEASE', text }, 'medium')),
        message('Posted.'),
      ],
    });
    const card = await waitForCard(engine.slackApi, await askAgent(slack.sender, request));
    const cardText = JSON.stringify(card.call.args.blocks);
    expect(cardText).toContain('#release-notes (`C0RELEASE`)');
    expect(cardText).toMatch(/Cut short here/);

    const form = await openForm(card, 'approve', PEOPLE.ana.id);
    const literal = form.blocks.flatMap((b) => (b.text?.type === 'plain_text' ? [b.text.text] : []));
    expect(literal.join('')).toBe(text);
    expect(JSON.stringify(form.blocks)).toContain('#release-notes (`C0RELEASE`)');

    // Slack loses its answer to the tool's post: the retry finds the post instead of posting again.
    engine.slackApi.fail('chat.postMessage', { kind: 'lost_response', status: 503 });
    expect((await submit(form, PEOPLE.ana.id, null)).status).toBe(200);
    await engine.client.workflow.getHandle(card.workflowId.split('/')[0] ?? '').result();
    // One post reached Slack (its answer lost); the retry found it rather than posting the message again.
    const posts = engine.slackApi
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === 'C0RELEASE' && c.args.text === text);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.fault).toMatchObject({ kind: 'lost_response' });
  });

  it('refuses a call too large to show whole before any card, and tells the model why', async () => {
    const request = 'send the whole export to the deploy hook';
    const payload = { blob: 'z'.repeat(280_000) };
    scriptModel(engine.openai, {
      [request]: [
        functionCall(
          'call_webhook',
          proposal({ url: 'https://hooks.example.com/trust/deploy', payload }, 'high'),
        ),
        message('Too large, stopping.'),
      ],
    });
    const runId = await askAgent(slack.sender, request);
    const outcome = await runOutcome(engine.client, runId);
    expect(outcome.status).toBe('completed');
    const told = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
    expect(told && JSON.stringify(toolOutputs(told))).toMatch(/too large to show to an approver whole/);
    const cards = engine.slackApi.calls.filter(
      (c) => isApprovalCard(c) && JSON.stringify(c.args.metadata).includes(runId),
    );
    expect(cards).toEqual([]);
  });
});

describe('a decision is bound to what was shown', () => {
  it('refuses and audits a decision whose proposal digest differs, and records the form’s digest and team', async () => {
    const request = 'archive <#C0BOUND|bound>';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('archive_channel', proposal({ channel: 'C0BOUND' }, 'high')),
        message('Done.'),
      ],
    });
    const card = await waitForCard(engine.slackApi, await askAgent(slack.sender, request));
    await engine.client.workflow.getHandle(card.workflowId).signal(approvalDecisionSignal, {
      request_id: card.requestId,
      approved: true,
      reviewer: { id: PEOPLE.bob.id },
      proposal_digest: `sha256:${'0'.repeat(64)}`,
      team_id: 'T0FAKETEAM',
    });
    await expect
      .poll(async () => (await approvalOf(card.workflowId)).audit.map((e) => e.details.reason))
      .toContain('digest_mismatch');
    expect((await approvalOf(card.workflowId)).status).toBe('pending');

    const form = await openForm(card, 'approve', PEOPLE.bob.id);
    await submit(form, PEOPLE.bob.id, 'fine');
    await engine.client.workflow.getHandle(card.workflowId).result();
    expect((await approvalOf(card.workflowId)).status).toBe('approved');
    const decided = (await approvalOf(card.workflowId)).audit.find((e) => e.type === 'decision');
    expect(decided?.details).toMatchObject({ bound_to_digest: true, team: 'T0FAKETEAM' });
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0BOUND'),
    ).toHaveLength(1);
  });

  it('does not count a form opened in one stage in the next', async () => {
    const request = 'set the topic of <#C0STAGES|stages>';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('set_channel_topic', proposal({ channel: 'C0STAGES', topic: 'new' }, 'medium')),
        message('Set.'),
      ],
    });
    const card = await waitForCard(engine.slackApi, await askAgent(slack.sender, request));
    // Sam (security, stage 2) cannot open a form in stage 1; an operator passes stage 1 meanwhile.
    const stale = await openForm(card, 'approve', PEOPLE.ana.id);
    await engine.client.workflow.getHandle(card.workflowId).signal(approvalDecisionSignal, {
      request_id: card.requestId,
      approved: true,
      reviewer: { id: PEOPLE.ana.id },
      proposal_digest: (await approvalOf(card.workflowId)).proposal.digest,
    });
    await expect.poll(async () => (await approvalOf(card.workflowId)).stages.length).toBe(2);
    const answer = await submit(stale, PEOPLE.ana.id, null);
    // The workflow's own reason, shown in the form.
    expect(answer.json).toMatchObject({
      response_action: 'errors',
      errors: { notes: expect.stringMatching(/opened for an earlier stage/) },
    });
    const status = await approvalOf(card.workflowId);
    expect(status.status).toBe('pending');
    expect(status.stages[1]?.approvals).toEqual([]);
  });
});

describe('“anyone may approve” means full members of this workspace only', () => {
  it('refuses a guest and a member of another organisation at the click, and the workflow refuses another team', async () => {
    const request = 'archive <#C0GUESTS|guests>';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('archive_channel', proposal({ channel: 'C0GUESTS' }, 'high')),
        message('Done.'),
      ],
    });
    const card = await waitForCard(engine.slackApi, await askAgent(slack.sender, request));
    expect(JSON.stringify(card.call.args.blocks)).toContain('any full member of this workspace');
    for (const [person, words] of [
      [GUEST, /Guests cannot decide/],
      [STRANGER, /Only full members of the workspace/],
    ] as const) {
      const opensBefore = engine.slackApi.callsTo('views.open').length;
      const sentAt = Date.now();
      await clickCard(slack, card, 'approve', person.id);
      const told = await engine.slackApi.waitForCall('chat.postEphemeral', ephemeralTo(person.id, sentAt));
      expect(String(told.args.text)).toMatch(words);
      expect(engine.slackApi.callsTo('views.open')).toHaveLength(opensBefore);
    }
    await engine.client.workflow.getHandle(card.workflowId).signal(approvalDecisionSignal, {
      request_id: card.requestId,
      approved: true,
      reviewer: { id: STRANGER.id },
      proposal_digest: (await approvalOf(card.workflowId)).proposal.digest,
      team_id: STRANGER.teamId,
    });
    await expect
      .poll(async () => (await approvalOf(card.workflowId)).audit.map((e) => e.details.reason))
      .toContain('wrong_team');
    expect((await approvalOf(card.workflowId)).status).toBe('pending');
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0GUESTS'),
    ).toEqual([]);
  });
});

describe('an approval never hangs', () => {
  it('ends the request when Slack refuses the card for good: nothing runs, the requester is told directly', async () => {
    const request = 'archive <#C0READONLY|readonly>';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('archive_channel', proposal({ channel: 'C0READONLY' }, 'high')),
        message('never'),
      ],
    });
    // The card and the reply in the same channel are refused, with a code no list of ours names.
    engine.slackApi.fail(
      'chat.postMessage',
      { kind: 'error', error: 'restricted_action_read_only_channel' },
      2,
    );
    const runId = await askAgent(slack.sender, request);
    const outcome = await runOutcome(engine.client, runId);
    expect(outcome.status).toBe('cancelled');
    expect(outcome.reason).toMatch(
      /could not be posted.*restricted_action_read_only_channel.*nothing was run/,
    );
    const dm = await engine.slackApi.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === PEOPLE.requester.id && String(c.args.text).includes('could not be posted'),
    );
    expect(dm).toBeDefined();
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0READONLY'),
    ).toEqual([]);
    const status = await approvalOf(runId);
    expect(status.audit.find((e) => e.type === 'card_not_posted')?.details).toMatchObject({
      error: expect.stringContaining('restricted_action_read_only_channel'),
    });
  });

  it('counts the expiry from the request, however late Slack takes the card', async () => {
    const request = 'archive <#C0SLOWCARD|slowcard>';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('archive_channel', proposal({ channel: 'C0SLOWCARD' }, 'high')),
        message('never'),
      ],
    });
    // Slack's edge fails the card twice: it lands after the retries' 1 s and 2 s of backoff.
    engine.slackApi.fail('chat.postMessage', { kind: 'http', status: 503 }, 2);
    const card = await waitForCard(engine.slackApi, await askAgent(slack.sender, request));
    const status = await approvalOf(card.workflowId);
    const requestedAtMs = Date.parse(status.requested_at);
    expect(card.call.at - requestedAtMs).toBeGreaterThanOrEqual(2_000);
    expect(status.stages[0]?.opened_at).toBe(status.requested_at);
    expect(Date.parse(status.expires_at) - requestedAtMs).toBe(60 * 60 * 1000);
  });

  it('ends the request with its card updated when a later stage’s approvers cannot be resolved', async () => {
    const request = 'set the topic of <#C0NOGROUP|nogroup>';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('set_channel_topic', proposal({ channel: 'C0NOGROUP', topic: 'x' }, 'medium')),
        message('never'),
      ],
    });
    const runId = await askAgent(slack.sender, request);
    const card = await waitForCard(engine.slackApi, runId);
    engine.slackApi.fail('usergroups.users.list', { kind: 'error', error: 'subteam_not_found' });
    const form = await openForm(card, 'approve', PEOPLE.ana.id);
    await submit(form, PEOPLE.ana.id, null);
    const outcome = await runOutcome(engine.client, runId);
    expect(outcome.status).toBe('cancelled');
    expect(outcome.reason).toMatch(/subteam_not_found/);
    const updated = await engine.slackApi.waitForCall(
      'chat.update',
      (c) => c.args.ts === card.ts && JSON.stringify(c.args.blocks).includes('Ended'),
    );
    // The card says why it ended, and offers nothing more to click.
    expect(JSON.stringify(updated.args.blocks)).toContain('subteam_not_found');
    expect(JSON.stringify(updated.args.blocks)).not.toContain('approval_approve');
    expect(
      engine.slackApi.callsTo('conversations.setTopic').filter((c) => c.args.channel === 'C0NOGROUP'),
    ).toEqual([]);
  });
});

describe('the workflow answers each decision', () => {
  it('shows a refusal in the form in the workflow’s own words, and closes the form when the decision counts', async () => {
    const request = 'archive <#C0ANSWER|answer>';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('archive_channel', proposal({ channel: 'C0ANSWER' }, 'high')),
        message('Done.'),
      ],
    });
    const card = await waitForCard(engine.slackApi, await askAgent(slack.sender, request));
    const form = await openForm(card, 'approve', PEOPLE.ana.id);
    const first = await submit(form, PEOPLE.ana.id, 'yes');
    expect(first.status).toBe(200);
    expect(first.text).toBe('');
    const audit = (await approvalOf(card.workflowId)).audit.find((e) => e.type === 'decision');
    expect(audit?.details).toMatchObject({ via: 'update', bound_to_digest: true });
  });

  it('says a slow decision is still being recorded, then tells the reviewer once it counted', async () => {
    const request = 'archive <#C0LATEANSWER|lateanswer>';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('archive_channel', proposal({ channel: 'C0LATEANSWER' }, 'high')),
        message('Done.'),
      ],
    });
    const card = await waitForCard(engine.slackApi, await askAgent(slack.sender, request));
    const form = await openForm(card, 'approve', PEOPLE.bob.id);
    await engine.stopWorker();
    try {
      const sentAt = Date.now();
      const answer = await submit(form, PEOPLE.bob.id, 'when you can');
      expect(Date.now() - sentAt).toBeLessThan(3_000);
      expect(answer.json).toMatchObject({ response_action: 'update' });
      expect(JSON.stringify(answer.json)).toContain('being recorded');
      await engine.startWorker();
      const told = await engine.slackApi.waitForCall(
        'chat.postEphemeral',
        (c) => ephemeralTo(PEOPLE.bob.id, sentAt)(c) && String(c.args.text).includes('recorded'),
        30_000,
      );
      expect(String(told.args.text)).toMatch(/Your approval was recorded: the request is approved/);
      await runOutcome(engine.client, card.workflowId.split('/')[0] ?? '');
      expect(
        engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0LATEANSWER'),
      ).toHaveLength(1);
    } finally {
      if (engine.worker.getState() !== 'RUNNING') await engine.startWorker();
    }
  });
});
