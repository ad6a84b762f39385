// A standing approval covers only what its grantor could approve: calls under the rule it was given under, at no
// higher risk, while the grantor may still approve under that rule, and no longer than the rule allows now. Signed
// Slack requests into the real Bolt receiver, a real worker on the dev server (restarted with a new policy), the fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Person, Risk } from '../../src/approval/schemas.js';
import { standingGrantWorkflow } from '../../src/workflows/grant.js';
import { approvalStatusQuery, grantStatusQuery, revokeGrantSignal } from '../../src/workflows/messages.js';
import { APPROVAL_STATUS_KEY } from '../../src/workflows/search-attributes.js';
import { functionCall, message } from '../fakes/openai.js';
import {
  approvalCardsOf,
  type Engine,
  PEOPLE,
  policyFile,
  proposal,
  runOutcome,
  SECURITY_GROUP,
  scriptModel,
  setUserGroupMembers,
  startEngine,
  waitForCard,
} from '../support/engine.js';
import {
  approveStanding,
  askAgent,
  openDecisionForm,
  type SlackAppHarness,
  startSlackApp,
} from '../support/slack-app.js';

/** One requester per test, nobody else's, so that no test's grants cover another's calls on the shared server. */
const REQUESTERS = {
  ab: { id: 'U0BNDAB', name: 'abe' },
  risk: { id: 'U0BNDRISK', name: 'rin' },
  older: { id: 'U0BNDOLD', name: 'ola' },
  removed: { id: 'U0BNDREM', name: 'rem' },
  deactivated: { id: 'U0BNDDEA', name: 'dea' },
  restart: { id: 'U0BNDRST', name: 'res' },
  sooner: { id: 'U0BNDSOON', name: 'soo' },
};
/** An approver under the topic rule whose account has been deactivated. */
const GONE = { id: 'U0BNDGONE', name: 'gone' };
/** People to invite: a high-risk invite names more than five. */
const INVITEES = Array.from({ length: 12 }, (_, i) => ({ id: `U0BNDINV${i}`, name: `invitee${i}` }));
const HOUR_MS = 3_600_000;
/** The grant workflow registers in visibility within a moment; under load, the dev server answers slowly. */
const SETTLES = { timeout: 45_000, interval: 200 };

const POLICY = {
  // A's rule: everything not named below, standing approvals up to an hour.
  default: { approvers: [PEOPLE.ana.id], timeout: '1h', standing_max: '1h' },
  // B's rule for high risk, which says nothing about standing approvals.
  risks: { high: { approvers: [PEOPLE.bob.id] } },
  tools: {
    // One rule at any risk, so that only the risk differs.
    post_message: { standing_max: '1h' },
    // Approvers through a user group, whose members Slack may change.
    set_channel_topic: { approvers: [SECURITY_GROUP, GONE.id], standing_max: '1h' },
  },
};

let engine: Engine;
let slack: SlackAppHarness;

beforeAll(async () => {
  engine = await startEngine({
    prefix: 'standing-bounds',
    env: { POLICY_FILE: policyFile(POLICY) },
    users: [...Object.values(REQUESTERS), { ...GONE, deleted: true }, ...INVITEES],
  });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

/** `/agent <text>` by `requester`, whose model proposes `call`; the run id. */
async function runOf(requester: Person, text: string, call: ReturnType<typeof functionCall>) {
  scriptModel(engine.openai, { [text]: [call, message('Done.')] });
  return askAgent(slack.sender, text, requester.id);
}

/** Asks for `call`, and `approver` approves it with a standing approval of an hour; the grant's workflow id. */
async function grantFor(
  requester: Person,
  text: string,
  call: ReturnType<typeof functionCall>,
  approver: Person,
  vary: string[],
) {
  const runId = await runOf(requester, text, call);
  const card = await waitForCard(engine.slackApi, runId);
  const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', approver.id);
  await approveStanding(slack, form, approver.id, HOUR_MS, vary);
  expect((await runOutcome(engine.client, runId)).status).toBe('completed');
  return `${card.workflowId}/approval-1/standing`;
}

/** Runs a call that a grant covers: it completes with no card, and the thread says whose grant, under which rule. */
async function expectRunsUnder(requester: Person, text: string, call: ReturnType<typeof functionCall>) {
  const runId = await runOf(requester, text, call);
  const outcome = await runOutcome(engine.client, runId);
  expect(outcome.status).toBe('completed');
  expect(approvalCardsOf(engine.slackApi, runId)).toEqual([]);
  return outcome;
}

/** A call no grant covers: its card, and the approval waiting behind it. */
async function expectCard(requester: Person, text: string, call: ReturnType<typeof functionCall>) {
  const card = await waitForCard(engine.slackApi, await runOf(requester, text, call));
  return engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
}

const invite = (channel: string, users: { id: string }[]) =>
  functionCall('invite_to_channel', proposal({ channel, users: users.map((u) => u.id) }, 'medium'));
const post = (text: string, risk: Risk) =>
  functionCall('post_message', proposal({ channel: 'C0BNDPOST', text }, risk));
const topic = (channel: string, text: string) =>
  functionCall('set_channel_topic', proposal({ channel, topic: text }, 'medium'));

const grantOf = (grantId: string) => engine.client.workflow.getHandle(grantId).query(grantStatusQuery);

/** Starts a grant as the approval workflow would, with `fields` as given: older grants, or a grantor since gone. */
async function startGrant(id: string, requester: Person, fields: Record<string, unknown>) {
  const now = Date.now();
  const grantId = `standing-bounds/${id}-${now.toString(36)}`;
  const handle = await engine.client.workflow.start(standingGrantWorkflow, {
    taskQueue: engine.taskQueue,
    workflowId: grantId,
    args: [
      {
        grant_id: grantId,
        requester,
        tool: 'post_message',
        fixed: {},
        vary: [],
        grantor: PEOPLE.ana,
        given_at: new Date(now).toISOString(),
        expires_at: new Date(now + HOUR_MS).toISOString(),
        request_id: id,
        run_id: `standing-bounds/${id}`,
        ...fields,
      },
    ],
  });
  const listed = `WorkflowId = '${grantId}' AND ${APPROVAL_STATUS_KEY.name} = 'active'`;
  await expect.poll(async () => (await engine.client.workflow.count(listed)).count, SETTLES).toBe(1);
  return handle;
}

describe('a standing approval covers only what its grantor could approve', () => {
  it('A’s grant under default at medium risk does not let a high-risk call through: it waits for B under risks.high', async () => {
    const who = REQUESTERS.ab;
    const grantId = await grantFor(
      who,
      'invite two to <#C0BNDAB|ab>',
      invite('C0BNDAB', INVITEES.slice(0, 2)),
      PEOPLE.ana,
      ['users'],
    );
    expect(await grantOf(grantId)).toMatchObject({ rule: 'default', risk: 'medium' });

    // Any users, as A allowed, at the risk A approved: no card.
    await expectRunsUnder(who, 'invite two more to <#C0BNDAB|ab>', invite('C0BNDAB', INVITEES.slice(2, 4)));

    // Seven people: high risk, B's rule. B is asked; A's grant does not stand in for B.
    const waiting = await expectCard(
      who,
      'invite seven to <#C0BNDAB|ab>',
      invite('C0BNDAB', INVITEES.slice(4, 11)),
    );
    expect(waiting.proposal.risk).toBe('high');
    expect(waiting.eligibility).toMatchObject({ kind: 'listed', users: [PEOPLE.bob.id] });
    expect((await grantOf(grantId)).uses).toBe(1);
  }, 120_000);

  it('covers no call of a higher risk than the one approved, even under the same rule', async () => {
    const who = REQUESTERS.risk;
    const grantId = await grantFor(who, 'post hello', post('hello', 'medium'), PEOPLE.ana, ['text']);
    expect(await grantOf(grantId)).toMatchObject({ rule: 'tool post_message', risk: 'medium' });

    const outcome = await expectRunsUnder(who, 'post hello again', post('hello again', 'medium'));
    expect(outcome.actions[0]?.standing).toMatchObject({
      grantor: { id: PEOPLE.ana.id },
      rule: 'tool post_message',
    });
    const reply = await engine.slackApi.waitForCall(
      'chat.postMessage',
      (c) =>
        String(c.args.text).startsWith(`<@${who.id}>`) && String(c.args.text).includes('standing approval'),
    );
    expect(String(reply.args.text)).toContain(
      `standing approval <@${PEOPLE.ana.id}> gave under the rule “tool post_message”`,
    );

    // The model rates this one high: the same rule, a risk the grantor did not approve.
    const waiting = await expectCard(who, 'post hello loudly', post('HELLO', 'high'));
    expect(waiting.proposal.risk).toBe('high');
    expect((await grantOf(grantId)).uses).toBe(1);
  }, 120_000);

  it('a grant from before grants recorded their rule covers nothing, and App Home says so', async () => {
    const who = REQUESTERS.older;
    const grant = await startGrant('older', who, { vary: ['channel', 'text'] });
    try {
      await expectCard(who, 'post from an older grant', post('older', 'medium'));
      expect((await grant.query(grantStatusQuery)).uses).toBe(0);

      const since = Date.now();
      await slack.sender.appHomeOpened(who.id);
      const home = await engine.slackApi.waitForCall(
        'views.publish',
        (c) => c.args.user_id === who.id && c.at >= since,
      );
      expect(JSON.stringify(home.args.view)).toContain('so it lets nothing through');
    } finally {
      await grant.signal(revokeGrantSignal, {});
    }
  }, 120_000);

  it('stops counting when its grantor leaves the rule’s user group, and counts again when they are back', async () => {
    const who = REQUESTERS.removed;
    await grantFor(who, 'topic to One', topic('C0BNDREM', 'One'), PEOPLE.security, ['topic']);
    await expectRunsUnder(who, 'topic to Two', topic('C0BNDREM', 'Two'));

    // Slack's own method changes the group: the grantor is no longer among the rule's approvers.
    await setUserGroupMembers(engine.slackApi, SECURITY_GROUP, [PEOPLE.bob.id]);
    try {
      const waiting = await expectCard(who, 'topic to Three', topic('C0BNDREM', 'Three'));
      expect(waiting.eligibility).toMatchObject({ kind: 'listed', users: [PEOPLE.bob.id, GONE.id].sort() });
    } finally {
      await setUserGroupMembers(engine.slackApi, SECURITY_GROUP, [PEOPLE.security.id]);
    }
    await expectRunsUnder(who, 'topic to Four', topic('C0BNDREM', 'Four'));

    // Slack cannot say who is in the group just now: the grant does not count, a person is asked.
    engine.slackApi.fail('usergroups.users.list', { kind: 'http', status: 503 }, 1);
    try {
      await expectCard(who, 'topic to Five', topic('C0BNDREM', 'Five'));
    } finally {
      engine.slackApi.clearFaults();
    }
  }, 120_000);

  it('says in the thread until when it counts under the rule now, sooner than its own expiry', async () => {
    const who = REQUESTERS.sooner;
    // Two hours asked for, as if given while the rule allowed that long; it allows an hour now.
    const now = Date.now();
    const grant = await startGrant('sooner', who, {
      vary: ['text'],
      fixed: { channel: 'C0BNDPOST' },
      rule: 'tool post_message',
      risk: 'medium',
      given_at: new Date(now).toISOString(),
      expires_at: new Date(now + 2 * HOUR_MS).toISOString(),
    });
    try {
      const outcome = await expectRunsUnder(who, 'post under a long grant', post('long', 'medium'));
      expect(outcome.actions[0]?.standing).toEqual({
        grantor: PEOPLE.ana,
        rule: 'tool post_message',
        expires_at: new Date(now + HOUR_MS).toISOString(),
      });
    } finally {
      await grant.signal(revokeGrantSignal, {});
    }
  }, 120_000);

  it('stops counting when its grantor’s account is deactivated, though still listed under the rule', async () => {
    const who = REQUESTERS.deactivated;
    const grant = await startGrant('deactivated', who, {
      tool: 'set_channel_topic',
      fixed: { channel: 'C0BNDDEA' },
      vary: ['topic'],
      grantor: GONE,
      rule: 'tool set_channel_topic',
      risk: 'medium',
    });
    try {
      await expectCard(who, 'topic from a gone grantor', topic('C0BNDDEA', 'Gone'));
      expect((await grant.query(grantStatusQuery)).uses).toBe(0);
    } finally {
      await grant.signal(revokeGrantSignal, {});
    }
  }, 120_000);

  it('is shortened by a restart with a shorter standing_max for its rule', async () => {
    const who = REQUESTERS.restart;
    const grantId = await grantFor(who, 'post before', post('before', 'medium'), PEOPLE.ana, ['text']);
    await expectRunsUnder(who, 'post still within the hour', post('within', 'medium'));

    const shorter = policyFile({
      ...POLICY,
      tools: { ...POLICY.tools, post_message: { standing_max: '1s' } },
    });
    await engine.restartWorker({ POLICY_FILE: shorter });
    try {
      // Given more than a second ago: under the rule as it is now, it no longer counts, though it has not expired.
      const given = Date.parse((await grantOf(grantId)).given_at);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, given + 1_000 - Date.now())));
      await expectCard(who, 'post after the restart', post('after', 'medium'));
      expect(await grantOf(grantId)).toMatchObject({ status: 'active', uses: 1 });
    } finally {
      await engine.restartWorker();
    }
  }, 120_000);
});
