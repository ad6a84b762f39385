// Edit before approve, end to end: an approver changes the call in the decision form; what runs is what they
// approved, another approver approved it, the model is told, a call that falls under a rule with other approvers
// needs them too, and approvals given for the old arguments do not count. Signed Slack requests into the real Bolt
// receiver, a real worker on the dev server, the fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalDecisionSignal, approvalStatusQuery } from '../../src/workflows/messages.js';
import { functionCall } from '../fakes/openai.js';
import {
  type Engine,
  PEOPLE,
  policyFile,
  proposal,
  runOutcome,
  startEngine,
  toolOutputs,
  userText,
} from '../support/engine.js';
import {
  askWithScript,
  type DecisionForm,
  formField as field,
  openDecisionForm,
  type SentBlock,
  type SlackAppHarness,
  startSlackApp,
  submitEditedForm,
} from '../support/slack-app.js';

const EXTRA = ['U0XONE', 'U0XTWO', 'U0XTHREE'].map((id) => ({ id, name: id.toLowerCase() }));
/** A third approver of archives, beside Ana and Bob. */
const THIRD = 'U0XONE';

let engine: Engine;
let slack: SlackAppHarness;

beforeAll(async () => {
  const policy = policyFile({
    default: { approvers: [PEOPLE.ana.id, PEOPLE.bob.id], timeout: '1h' },
    // A high-risk call needs security; an invite of more than five people is high risk.
    risks: { high: { approvers: [PEOPLE.security.id] } },
    tools: {
      archive_channel: { approvers: [PEOPLE.ana.id, PEOPLE.bob.id, THIRD], required: 2 },
      call_webhook: { allow_edit: false },
    },
  });
  engine = await startEngine({
    prefix: 'edit',
    env: { POLICY_FILE: policy, WEBHOOK_ALLOWLIST: 'https://hooks.example.com/edit/' },
    users: EXTRA,
  });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

const submit = (form: DecisionForm, userId: string, values: Record<string, string>) =>
  submitEditedForm(slack, form, userId, values);

const ask = (text: string, call: ReturnType<typeof functionCall>, answer: string) =>
  askWithScript(slack, engine, text, call, answer);

describe('edit before approve', () => {
  it('runs the call with the edited channel, shows who changed what, and tells the model', async () => {
    const { runId, card } = await ask(
      'set the topic of <#C0EDITA|edit-a> to Launch',
      functionCall('set_channel_topic', proposal({ channel: 'C0EDITA', topic: 'Launch' }, 'medium')),
      'Topic set.',
    );
    const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
    const channel = field(form, 'channel');
    expect(channel.element?.initial_value).toBe('C0EDITA');
    const submitted = await submit(form, PEOPLE.ana.id, { [channel.block_id as string]: 'C0EDITB' });
    expect(submitted.text).toBe('');
    // Ana wrote the call as it now stands: Bob approves it.
    const bob = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.bob.id);
    expect((await submit(bob, PEOPLE.bob.id, {})).text).toBe('');

    expect((await runOutcome(engine.client, runId)).status).toBe('completed');
    const topics = engine.slackApi.callsTo('conversations.setTopic');
    expect(topics.map((c) => c.args.channel)).toEqual(['C0EDITB']);
    // The model hears what ran instead of what it proposed, and who changed it.
    const lastTurn = engine.openai.requests.filter((r) => userText(r).includes('edit-a')).at(-1);
    if (!lastTurn) throw new Error('the model was not asked again');
    const [told] = toolOutputs(lastTurn);
    expect(told).toMatchObject({
      status: 'done',
      // The reviewer as Slack named them in the submission.
      changed_by_reviewer: [
        { reviewer: PEOPLE.ana.id.toLowerCase(), changes: 'channel: "C0EDITA" → "C0EDITB"' },
      ],
      arguments_run: { channel: 'C0EDITB', topic: 'Launch' },
    });
    // The card says who edited, and the audit holds both versions.
    const updated = engine.slackApi
      .callsTo('chat.update')
      .filter((c) => c.args.ts === card.ts)
      .at(-1);
    expect(JSON.stringify(updated?.args.blocks)).toContain(`Edited by <@${PEOPLE.ana.id}>`);
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    const edited = status.audit.find((e) => e.type === 'edited');
    expect(edited?.details).toMatchObject({
      before: { arguments: { channel: 'C0EDITA' } },
      after: { arguments: { channel: 'C0EDITB' } },
    });
  });

  it('sends an edit that falls under a rule with other approvers to them too, after its own rule', async () => {
    const { runId, card } = await ask(
      'invite two people to <#C0EDITC|edit-c>',
      functionCall(
        'invite_to_channel',
        proposal({ channel: 'C0EDITC', users: [PEOPLE.bob.id, PEOPLE.mallory.id] }, 'medium'),
      ),
      'Invited.',
    );
    const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
    const json = field(form, 'Arguments (JSON)');
    // Not JSON: the form says so and nothing is recorded.
    const broken = await submit(form, PEOPLE.ana.id, { [json.block_id as string]: '{ "channel": ' });
    expect(broken.json).toMatchObject({
      response_action: 'errors',
      errors: { [json.block_id as string]: expect.stringMatching(/not valid JSON/) },
    });
    // Not a valid call of the tool: refused by the workflow's check, in the form.
    const invalid = await submit(form, PEOPLE.ana.id, {
      [json.block_id as string]: JSON.stringify({ channel: 'not-a-channel', users: [PEOPLE.bob.id] }),
    });
    expect(JSON.stringify(invalid.json)).toMatch(/not a valid call of this tool/);

    const six = [PEOPLE.bob.id, PEOPLE.mallory.id, PEOPLE.requester.id, ...EXTRA.map((u) => u.id)];
    const riskier = await submit(form, PEOPLE.ana.id, {
      [json.block_id as string]: JSON.stringify({ channel: 'C0EDITC', users: six }),
    });
    expect(riskier.text).toBe('');
    // Security's rule does not ask what the default asked (Ana or Bob), nor the default what security's asks:
    // the changed call needs both, in turn — Bob (Ana wrote it), then security.
    const handle = engine.client.workflow.getHandle(card.workflowId);
    const waiting = await handle.query(approvalStatusQuery);
    expect(waiting.status).toBe('pending');
    expect(waiting.proposal.risk).toBe('high');
    expect(waiting.edits?.[0]?.rule).toBe('default, then risk high');
    expect(waiting.stage_names).toHaveLength(2);
    expect(waiting.eligibility).toMatchObject({ kind: 'listed', users: [PEOPLE.ana.id, PEOPLE.bob.id] });
    expect(waiting.stages[0]?.approvals).toEqual([]);
    const bob = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.bob.id);
    expect((await submit(bob, PEOPLE.bob.id, {})).text).toBe('');
    await expect
      .poll(async () => (await handle.query(approvalStatusQuery)).eligibility)
      .toMatchObject({ kind: 'listed', users: [PEOPLE.security.id] });
    expect(engine.slackApi.callsTo('conversations.invite')).toHaveLength(0);

    const security = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.security.id);
    expect((await submit(security, PEOPLE.security.id, {})).text).toBe('');
    expect((await runOutcome(engine.client, runId)).status).toBe('completed');
    const invites = engine.slackApi.callsTo('conversations.invite');
    expect(invites.map((c) => c.args.users)).toEqual([six.join(',')]);
  });

  it('does not count approvals given for the old arguments', { timeout: 20_000 }, async () => {
    const { runId, card } = await ask(
      'archive <#C0EDITD|edit-d>',
      functionCall('archive_channel', proposal({ channel: 'C0EDITD' }, 'high')),
      'Archived.',
    );
    const bobFirst = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.bob.id);
    expect((await submit(bobFirst, PEOPLE.bob.id, {})).text).toBe('');
    const anaForm = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
    const channel = field(anaForm, 'channel');
    expect((await submit(anaForm, PEOPLE.ana.id, { [channel.block_id as string]: 'C0EDITE' })).text).toBe('');

    // Bob's approval was for C0EDITD, and Ana wrote the call as it now stands: it waits for two approvals from the
    // others, and Bob may give one again.
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(status.status).toBe('pending');
    expect(status.stages.at(-1)?.approvals).toEqual([]);
    const bobAgain = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.bob.id);
    expect((await submit(bobAgain, PEOPLE.bob.id, {})).text).toBe('');
    const third = await openDecisionForm(slack, engine.slackApi, card, 'approve', THIRD);
    expect((await submit(third, THIRD, {})).text).toBe('');
    expect((await runOutcome(engine.client, runId)).status).toBe('completed');
    expect(engine.slackApi.callsTo('conversations.archive').map((c) => c.args.channel)).toEqual(['C0EDITE']);
  });

  it('offers no fields where the policy does not allow edits', async () => {
    const { card } = await ask(
      'call the deploy hook',
      functionCall(
        'call_webhook',
        proposal({ url: 'https://hooks.example.com/edit/deploy', payload: {} }, 'high'),
      ),
      'Called.',
    );
    const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
    expect((form.blocks as SentBlock[]).filter((b) => b.type === 'input').map((b) => b.block_id)).toEqual([
      'notes',
    ]);
  });

  it('ignores changed arguments sent as a signal, which cannot wait for their check, and audits why', async () => {
    const { card } = await ask(
      'set the topic of <#C0EDITF|edit-f> to Draft',
      functionCall('set_channel_topic', proposal({ channel: 'C0EDITF', topic: 'Draft' }, 'medium')),
      'Topic set.',
    );
    const handle = engine.client.workflow.getHandle(card.workflowId);
    await handle.signal(approvalDecisionSignal, {
      request_id: card.requestId,
      approved: true,
      edited_arguments: { channel: 'C0EDITG', topic: 'Draft' },
    });
    await expect
      .poll(async () => (await handle.query(approvalStatusQuery)).audit.map((e) => e.details.reason))
      .toContain('edit_not_allowed');
    const status = await handle.query(approvalStatusQuery);
    expect(status.status).toBe('pending');
    expect(status.proposal.arguments).toEqual({ channel: 'C0EDITF', topic: 'Draft' });
  });
});
