// Standing approvals end to end: given with an approval in the form, they let the same requester's same call run
// without a card until they are revoked from App Home or expire; a different call still waits. Signed Slack
// requests into the real Bolt receiver, a real worker on the dev server (the grant is its own workflow), the fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StandingGrant } from '../../src/approval/schemas.js';
import { standingGrantWorkflow } from '../../src/workflows/grant.js';
import {
  approvalStatusQuery,
  grantStatusQuery,
  revokeGrantSignal,
  submitDecisionUpdate,
} from '../../src/workflows/messages.js';
import { APPROVAL_STATUS_KEY } from '../../src/workflows/search-attributes.js';
import { functionCall, message } from '../fakes/openai.js';
import {
  approvalCardsOf,
  type Engine,
  PEOPLE,
  policyFile,
  proposal,
  runOutcome,
  scriptModel,
  startEngine,
  waitForCard,
} from '../support/engine.js';
import {
  approveStanding,
  askAgent,
  clickInHome,
  openDecisionForm,
  type SentBlock,
  type SlackAppHarness,
  startSlackApp,
} from '../support/slack-app.js';

/** The requester here is nobody else's, so their Home lists only this file's requests on the shared server. */
const STAN = { id: 'U0STAN', name: 'stan' };
/**
 * A signal reaches the grant's workflow within a workflow task. Under the whole suite's load on two cores, one query
 * of the grant took the dev server 18.6 s to answer ("Slow gRPC call … QueryWorkflow"), longer than 15 s of polling.
 */
const SIGNAL_SETTLES = { timeout: 45_000, interval: 200 };

let engine: Engine;
let slack: SlackAppHarness;

beforeAll(async () => {
  const policy = policyFile({
    default: { approvers: [PEOPLE.ana.id], timeout: '1h' },
    tools: { post_message: { standing_max: '3s' } },
  });
  engine = await startEngine({ prefix: 'standing', env: { POLICY_FILE: policy }, users: [STAN] });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

const topic = (channel: string, text: string) =>
  functionCall('set_channel_topic', proposal({ channel, topic: text }, 'medium'));

/** Runs `/agent <text>` whose model proposes `call`; the run id once it has ended, and whether it posted a card. */
async function runOf(text: string, call: ReturnType<typeof functionCall>) {
  scriptModel(engine.openai, { [text]: [call, message('Done.')] });
  const runId = await askAgent(slack.sender, text, STAN.id);
  return runId;
}

const cardsOf = (runId: string) => approvalCardsOf(engine.slackApi, runId);

describe('standing approvals', () => {
  it('let the same call through without a card, not a different one, and stop when revoked from App Home', async () => {
    const first = await runOf('topic of <#C0STA|sta> to One', topic('C0STA', 'One'));
    const card = await waitForCard(engine.slackApi, first);
    await approveStanding(
      slack,
      await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id),
      PEOPLE.ana.id,
      3_600_000,
      ['topic'],
    );
    expect((await runOutcome(engine.client, first)).status).toBe('completed');
    const grantId = `${card.workflowId}/approval-1/standing`;
    // Recorded with the rule it was given under and the risk approved: it covers no more than that.
    expect(await engine.client.workflow.getHandle(grantId).query(grantStatusQuery)).toMatchObject({
      status: 'active',
      rule: 'default',
      risk: 'medium',
    });

    // Same requester, tool and channel, another topic (let vary): runs at once, no card; the thread says why.
    const second = await runOf('topic of <#C0STA|sta> to Two', topic('C0STA', 'Two'));
    const outcome = await runOutcome(engine.client, second);
    expect(outcome.status).toBe('completed');
    expect(cardsOf(second)).toEqual([]);
    expect(outcome.actions[0]).toMatchObject({ ok: true, standing: { grantor: { id: PEOPLE.ana.id } } });
    const reply = await engine.slackApi.waitForCall('chat.postMessage', (c) =>
      String(c.args.text).includes('standing approval'),
    );
    expect(String(reply.args.text)).toContain(`<@${PEOPLE.ana.id}>`);
    expect(engine.slackApi.callsTo('conversations.setTopic').map((c) => c.args.topic)).toContain('Two');
    const used = await engine.client.workflow.getHandle(grantId).query(grantStatusQuery);
    expect(used.uses).toBe(1);
    expect(used.audit.map((e) => e.type)).toEqual(['grant_given', 'grant_used']);

    // Another channel was fixed by the grant: that call waits for a person.
    const other = await runOf('topic of <#C0STB|stb> to Three', topic('C0STB', 'Three'));
    await waitForCard(engine.slackApi, other);

    // The requester sees it among the standing approvals, with Revoke, and never as one of their requests.
    const stanSince = Date.now();
    await slack.sender.appHomeOpened(STAN.id);
    const stan = await engine.slackApi.waitForCall(
      'views.publish',
      (c) => c.args.user_id === STAN.id && c.at >= stanSince,
    );
    const stanView = JSON.stringify(stan.args.view);
    expect(stanView).toContain('Standing approvals');
    expect(stanView).toContain(grantId);
    expect(stanView).not.toContain('cancelled');

    // Nobody else may revoke it, even by signalling Temporal with another name.
    await engine.client.workflow.getHandle(grantId).signal(revokeGrantSignal, { by: PEOPLE.mallory });
    await expect
      .poll(
        async () =>
          (await engine.client.workflow.getHandle(grantId).query(grantStatusQuery)).audit.at(-1)?.type,
        SIGNAL_SETTLES,
      )
      .toBe('decision_ignored');
    expect((await engine.client.workflow.getHandle(grantId).query(grantStatusQuery)).status).toBe('active');

    // Revoked from the grantor's Home: the next identical call waits again.
    const since = Date.now();
    await slack.sender.appHomeOpened(PEOPLE.ana.id);
    const home = await engine.slackApi.waitForCall(
      'views.publish',
      (c) => c.args.user_id === PEOPLE.ana.id && c.at >= since,
    );
    const view = (home.response as { view: { id: string; blocks: SentBlock[] } }).view;
    const revoking = await clickInHome(slack, PEOPLE.ana.id, view, 'standing_revoke', grantId);
    const notice = await engine.slackApi.waitForCall(
      'views.open',
      (c) => c.args.trigger_id === revoking,
      15_000,
    );
    expect(JSON.stringify(notice.args.view)).toContain('Revoked: the next');
    await expect
      .poll(
        async () => (await engine.client.workflow.getHandle(grantId).query(grantStatusQuery)).status,
        SIGNAL_SETTLES,
      )
      .toBe('revoked');
    const after = await runOf('topic of <#C0STA|sta> to Four', topic('C0STA', 'Four'));
    await waitForCard(engine.slackApi, after);
  }, 120_000);

  it('are not honoured where the rule allows none, even one that exists', async () => {
    // A grant for an archive by Stan, as if given while the policy still allowed one for high risk.
    const now = Date.now();
    const grantId = 'standing-test/outlawed-grant';
    const grant = await engine.client.workflow.start(standingGrantWorkflow, {
      taskQueue: engine.taskQueue,
      workflowId: grantId,
      args: [
        {
          grant_id: grantId,
          requester: STAN,
          tool: 'archive_channel',
          fixed: {},
          vary: ['channel'],
          grantor: PEOPLE.ana,
          given_at: new Date(now).toISOString(),
          expires_at: new Date(now + 3_600_000).toISOString(),
          request_id: 'outlawed',
          run_id: 'standing-test/outlawed',
        },
      ],
    });
    const listed = `WorkflowId = '${grantId}' AND ${APPROVAL_STATUS_KEY.name} = 'active'`;
    await expect.poll(async () => (await engine.client.workflow.count(listed)).count, SIGNAL_SETTLES).toBe(1);

    const archive = await runOf(
      'archive <#C0STG|stg>',
      functionCall('archive_channel', proposal({ channel: 'C0STG' }, 'high')),
    );
    await waitForCard(engine.slackApi, archive);
    expect((await grant.query(grantStatusQuery)).uses).toBe(0);
    await grant.signal(revokeGrantSignal, {});
  });

  it('expire on their own, and are not offered for a high-risk call', async () => {
    const post = (text: string) =>
      functionCall('post_message', proposal({ channel: 'C0STC', text }, 'medium'));
    const first = await runOf('post hi', post('hi'));
    const card = await waitForCard(engine.slackApi, first);
    await approveStanding(
      slack,
      await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id),
      PEOPLE.ana.id,
      3_000,
      [],
    );
    expect((await runOutcome(engine.client, first)).status).toBe('completed');
    const again = await runOf('post hi again', post('hi'));
    expect((await runOutcome(engine.client, again)).status).toBe('completed');
    expect(cardsOf(again)).toEqual([]);

    const grantId = `${card.workflowId}/approval-1/standing`;
    const ended = (await engine.client.workflow.getHandle(grantId).result()) as StandingGrant;
    expect(ended.status).toBe('expired');
    expect(ended.audit.map((e) => e.type)).toEqual(['grant_given', 'grant_used', 'grant_expired']);
    const late = await runOf('post hi once more', post('hi'));
    await waitForCard(engine.slackApi, late);

    const archive = await runOf(
      'archive <#C0STD|std>',
      functionCall('archive_channel', proposal({ channel: 'C0STD' }, 'high')),
    );
    const risky = await waitForCard(engine.slackApi, archive);
    const form = await openDecisionForm(slack, engine.slackApi, risky, 'approve', PEOPLE.ana.id);
    expect((form.blocks as SentBlock[]).some((b) => b.block_id === 'standing')).toBe(false);
    const status = await engine.client.workflow.getHandle(risky.workflowId).query(approvalStatusQuery);
    expect(status.standing_max_ms).toBe(0);
    // Asked for anyway (a crafted submission): refused by the workflow's Update validator, and the approval does not
    // count either.
    const answer = engine.client.workflow.getHandle(risky.workflowId).executeUpdate(submitDecisionUpdate, {
      args: [
        {
          request_id: status.request_id,
          approved: true,
          reviewer: PEOPLE.ana,
          proposal_digest: status.proposal.digest,
          team_id: status.team_id ?? '',
          stage: status.stages.length,
          standing: { for_ms: 60_000, vary: [] },
        },
      ],
    });
    await expect(answer).rejects.toMatchObject({ cause: { type: 'standing_not_allowed' } });
    expect((await engine.client.workflow.getHandle(risky.workflowId).query(approvalStatusQuery)).status).toBe(
      'pending',
    );
  });
});
