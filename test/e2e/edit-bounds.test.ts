// An edit never loosens the rule (issue 21), end to end: an approver who grows a call into one whose own rule asks
// less cannot approve it alone; whoever changed a call cannot approve it; later approvers see the change in the form
// and in App Home; a stage restarted by an edit gets its full time from the edit. Signed Slack requests into the real
// Bolt receiver, a real worker on the dev server, the fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFUSALS } from '../../src/approval/policy.js';
import { approvalStatusQuery } from '../../src/workflows/messages.js';
import { functionCall } from '../fakes/openai.js';
import {
  type Engine,
  expectRunsToReplay,
  PEOPLE,
  policyFile,
  proposal,
  runOutcome,
  startEngine,
  type waitForCard,
} from '../support/engine.js';
import {
  askWithScript,
  clickCard,
  type DecisionForm,
  formField,
  openDecisionForm,
  type SentBlock,
  type SlackAppHarness,
  startSlackApp,
  submitEditedForm,
} from '../support/slack-app.js';

const HOUR_MS = 3_600_000;
const INVITED = ['U0XONE', 'U0XTWO', 'U0XTHREE', 'U0XFOUR', 'U0XFIVE'].map((id) => ({
  id,
  name: id.toLowerCase(),
}));

let engine: Engine;
let slack: SlackAppHarness;
const runs: string[] = [];

beforeAll(async () => {
  const policy = policyFile({
    // One approval by default, two for medium risk; high risk (an invite of more than five) has no rule of its own,
    // so a call of its own would fall back to the default's one approval.
    default: { approvers: [PEOPLE.ana.id, PEOPLE.bob.id, PEOPLE.security.id], timeout: '1h' },
    risks: { medium: { required: 2 } },
    tools: { set_channel_topic: { approvers: [PEOPLE.ana.id, PEOPLE.bob.id], timeout: '1h' } },
  });
  engine = await startEngine({ prefix: 'edit-bounds', env: { POLICY_FILE: policy }, users: INVITED });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

async function ask(text: string, call: ReturnType<typeof functionCall>, answer: string) {
  const asked = await askWithScript(slack, engine, text, call, answer);
  runs.push(asked.runId);
  return asked;
}

const approve = async (card: Awaited<ReturnType<typeof waitForCard>>, userId: string) => {
  const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', userId);
  return submitEditedForm(slack, form, userId, {});
};

/** Ana changes the topic's channel in her form; Slack closes it (an empty answer). */
async function anaMovesTheTopic(card: Awaited<ReturnType<typeof waitForCard>>, to: string) {
  const form: DecisionForm = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
  // Told before she changes it: her approval will not count for the call she writes.
  expect(JSON.stringify(form.blocks)).toContain('so someone else approves it as changed');
  const channel = formField(form, 'channel');
  const submitted = await submitEditedForm(slack, form, PEOPLE.ana.id, { [channel.block_id as string]: to });
  expect(submitted.text).toBe('');
}

const askTopic = (channel: string) =>
  ask(
    `set the topic of <#${channel}|bounds> to Launch`,
    functionCall('set_channel_topic', proposal({ channel, topic: 'Launch' }, 'medium')),
    'Topic set.',
  );

describe('an edit never loosens the rule', () => {
  it('keeps the two approvals of a 2-person invite grown to 7, whose own rule asks one', async () => {
    const { runId, card } = await ask(
      'invite two people to <#C0BOUNDA|bounds-a>',
      functionCall(
        'invite_to_channel',
        proposal({ channel: 'C0BOUNDA', users: [PEOPLE.bob.id, PEOPLE.mallory.id] }, 'medium'),
      ),
      'Invited.',
    );
    const handle = engine.client.workflow.getHandle(card.workflowId);
    expect((await handle.query(approvalStatusQuery)).stages[0]?.required).toBe(2);

    const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
    const json = formField(form, 'Arguments (JSON)');
    const seven = [PEOPLE.bob.id, PEOPLE.mallory.id, ...INVITED.map((u) => u.id)];
    const edited = await submitEditedForm(slack, form, PEOPLE.ana.id, {
      [json.block_id as string]: JSON.stringify({ channel: 'C0BOUNDA', users: seven }),
    });
    expect(edited.text).toBe('');

    const waiting = await handle.query(approvalStatusQuery);
    expect(waiting.status).toBe('pending');
    expect(waiting.proposal.risk).toBe('high');
    // Still two approvals, and Ana's is not one of them: she wrote this call.
    expect(waiting.stages).toHaveLength(1);
    expect(waiting.stages[0]).toMatchObject({ required: 2, approvals: [] });
    expect(waiting.edits?.[0]).toMatchObject({ own_rule: 'default' });
    expect(waiting.edits?.[0]?.rule).toBeUndefined();
    expect(waiting.audit.find((e) => e.type === 'edited')?.details.rule).toEqual({
      from: 'risk medium',
      to: 'risk medium',
      own: 'default',
    });

    // One approval is not enough.
    expect((await approve(card, PEOPLE.bob.id)).text).toBe('');
    const afterOne = await handle.query(approvalStatusQuery);
    expect(afterOne.status).toBe('pending');
    expect(afterOne.stages[0]?.approvals.map((a) => a.reviewer?.id)).toEqual([PEOPLE.bob.id]);
    expect(engine.slackApi.callsTo('conversations.invite')).toHaveLength(0);

    expect((await approve(card, PEOPLE.security.id)).text).toBe('');
    expect((await runOutcome(engine.client, runId)).status).toBe('completed');
    expect(engine.slackApi.callsTo('conversations.invite').map((c) => c.args.users)).toEqual([
      seven.join(','),
    ]);
  });

  it('does not count the editor’s approval: another approver must approve, and a click says why', async () => {
    const { runId, card } = await askTopic('C0BOUNDB');
    await anaMovesTheTopic(card, 'C0BOUNDC');
    const handle = engine.client.workflow.getHandle(card.workflowId);
    const status = await handle.query(approvalStatusQuery);
    expect(status.status).toBe('pending');
    expect(status.stages[0]?.approvals).toEqual([]);
    expect(status.audit.filter((e) => e.type === 'decision_ignored').map((e) => e.details.reason)).toEqual([
      'own_edit',
    ]);
    expect(engine.slackApi.callsTo('conversations.setTopic')).toHaveLength(0);

    // Approve on the card again: the same rule answers the click, in the person's words.
    const since = Date.now();
    await clickCard(slack, card, 'approve', PEOPLE.ana.id);
    const told = await engine.slackApi.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === PEOPLE.ana.id && c.at >= since,
    );
    expect(told.args.text).toBe(REFUSALS.own_edit.person);

    expect((await approve(card, PEOPLE.bob.id)).text).toBe('');
    expect((await runOutcome(engine.client, runId)).status).toBe('completed');
    expect(engine.slackApi.callsTo('conversations.setTopic').map((c) => c.args.channel)).toEqual([
      'C0BOUNDC',
    ]);
  });

  it('shows the next approver, in the form and in App Home, who changed the call and how', async () => {
    // Two approvals (medium risk): even where the editor's approval counted, the form would open for the next one.
    const invitees = [PEOPLE.bob.id, PEOPLE.mallory.id];
    const { card } = await ask(
      'invite two people to <#C0BOUNDD|bounds-d>',
      functionCall('invite_to_channel', proposal({ channel: 'C0BOUNDD', users: invitees }, 'medium')),
      'Invited.',
    );
    const anaForm = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
    const json = formField(anaForm, 'Arguments (JSON)');
    const moved = await submitEditedForm(slack, anaForm, PEOPLE.ana.id, {
      [json.block_id as string]: JSON.stringify({ channel: 'C0BOUNDE', users: invitees }),
    });
    expect(moved.text).toBe('');
    const change = 'channel: \\"C0BOUNDD\\" → \\"C0BOUNDE\\"';

    const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.bob.id);
    const shown = JSON.stringify(form.blocks);
    expect(shown).toContain(`Edited by <@${PEOPLE.ana.id}>`);
    expect(shown).toContain(change);
    expect(shown).toContain('As the model proposed it');

    const since = Date.now();
    expect((await slack.sender.appHomeOpened(PEOPLE.bob.id)).status).toBe(200);
    const published = await engine.slackApi.waitForCall(
      'views.publish',
      (c) => c.args.user_id === PEOPLE.bob.id && c.at >= since,
    );
    const home = (published.response as { view: { blocks: SentBlock[] } }).view.blocks;
    const waitingPart = JSON.stringify(
      home.slice(
        0,
        home.findIndex((b) => b.type === 'divider'),
      ),
    );
    expect(waitingPart).toContain(`Edited by <@${PEOPLE.ana.id}>`);
    expect(waitingPart).toContain(change);
  });

  it('gives a stage restarted by an edit its full time from the edit', async () => {
    const { card } = await askTopic('C0BOUNDF');
    await anaMovesTheTopic(card, 'C0BOUNDG');
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    const editedAt = Date.parse(status.edits?.[0]?.at ?? '');
    expect(editedAt).toBeGreaterThan(Date.parse(status.requested_at));
    expect(Date.parse(status.expires_at)).toBe(editedAt + HOUR_MS);
    expect(status.stages[0]?.opened_at).toBe(status.edits?.[0]?.at);
  });

  it('replays every run above on the current workflow code', async () => {
    expect(await expectRunsToReplay(engine.client, runs)).toBe(runs.length);
  });
});
