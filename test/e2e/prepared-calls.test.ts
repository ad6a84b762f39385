// What a call's approval needs is read with the model's answer (src/activities/prepare-calls.ts): the approvers are
// resolved once, and the approval asks Slack nothing before its card. A read that fails there is made by the approval
// itself, as before, and the model is not asked again for it. Signed Slack requests into the real Bolt receiver, a real
// worker on the dev server, the Slack and OpenAI fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standingGrantWorkflow } from '../../src/workflows/grant.js';
import { approvalStatusQuery } from '../../src/workflows/messages.js';
import { APPROVAL_STATUS_KEY, REQUESTER_KEY, TOOL_KEY } from '../../src/workflows/search-attributes.js';
import { functionCall, message } from '../fakes/openai.js';
import {
  type Engine,
  PEOPLE,
  policyFile,
  proposal,
  SECURITY_GROUP,
  scheduledActivities,
  scriptModel,
  startEngine,
  userText,
  waitForCard,
} from '../support/engine.js';
import { askAgent, type SlackAppHarness, startSlackApp } from '../support/slack-app.js';

/** This file's own requester: another file's standing approvals on the shared server are never looked at here. */
const REQUESTER = { id: 'U0PREPREQ', name: 'pia' };

let engine: Engine;
let slack: SlackAppHarness;

beforeAll(async () => {
  engine = await startEngine({
    prefix: 'prepared',
    users: [REQUESTER],
    // Approvers through a user group: resolving them is a Slack call that can be seen, and failed.
    env: { POLICY_FILE: policyFile({ default: { approvers: [SECURITY_GROUP], timeout: '1h' } }) },
  });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

/** The activities a workflow has scheduled, in order. */
const activitiesOf = (workflowId: string) => scheduledActivities(engine.client, workflowId);

async function askForTopic(topic: string) {
  const request = `set the topic of <#C0PREPARED|prepared> to ${topic}`;
  scriptModel(engine.openai, {
    [request]: [
      functionCall('set_channel_topic', proposal({ channel: 'C0PREPARED', topic }, 'medium')),
      message('Done.'),
    ],
  });
  const groupReadsBefore = engine.slackApi.callsTo('usergroups.users.list').length;
  const runId = await askAgent(slack.sender, request, REQUESTER.id);
  const card = await waitForCard(engine.slackApi, runId);
  const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
  return {
    runId,
    card,
    status,
    groupReads: engine.slackApi.callsTo('usergroups.users.list').slice(groupReadsBefore),
    modelRequests: engine.openai.requests.filter((r) => userText(r) === request),
  };
}

describe('what a call’s approval needs, read with the model’s answer', () => {
  it('resolves the approvers once, and the approval asks Slack nothing before its card', async () => {
    const asked = await askForTopic('one');
    expect(asked.status.eligibility).toEqual({
      kind: 'listed',
      users: [PEOPLE.security.id],
      userGroups: [SECURITY_GROUP],
    });
    expect(asked.groupReads).toHaveLength(1);
    // The approval lives in the run, and asks Slack nothing before its card.
    expect(asked.card.workflowId).toBe(asked.runId);
    expect(await activitiesOf(asked.runId)).toEqual(['beginRun', 'postApprovalCard']);
  });

  it('leaves a read Slack could not answer to the approval, which makes it, and asks the model once', async () => {
    engine.slackApi.fail('usergroups.users.list', { kind: 'http', status: 503 }, 1);
    try {
      const asked = await askForTopic('two');
      expect(asked.status.eligibility).toMatchObject({ kind: 'listed', users: [PEOPLE.security.id] });
      expect(asked.groupReads.map((c) => c.fault?.kind ?? 'ok')).toEqual(['http', 'ok']);
      expect(await activitiesOf(asked.card.workflowId)).toEqual([
        'beginRun',
        'prepareApproval',
        'postApprovalCard',
      ]);
      expect(asked.modelRequests).toHaveLength(1);
    } finally {
      engine.slackApi.clearFaults();
    }
  });

  it('counts a standing approval whose state cannot be read for nothing: a person is asked, in good time', async () => {
    // A grant of this requester's for this very call, listed as active, whose workflow no worker answers for.
    const now = Date.now();
    const grantId = `prepared-unreadable-${now}/standing`;
    const grant = await engine.client.workflow.start(standingGrantWorkflow, {
      taskQueue: `nobody-polls-${now}`,
      workflowId: grantId,
      args: [
        {
          grant_id: grantId,
          requester: REQUESTER,
          tool: 'set_channel_topic',
          fixed: { channel: 'C0PREPARED' },
          vary: ['topic'],
          grantor: PEOPLE.security,
          rule: 'default',
          risk: 'medium',
          given_at: new Date(now).toISOString(),
          expires_at: new Date(now + 3_600_000).toISOString(),
          request_id: 'req-unreadable',
          run_id: 'run-unreadable',
        },
      ],
      typedSearchAttributes: [
        { key: APPROVAL_STATUS_KEY, value: 'active' },
        { key: REQUESTER_KEY, value: REQUESTER.id },
        { key: TOOL_KEY, value: 'set_channel_topic' },
      ],
    });
    try {
      const listed = `WorkflowId = '${grantId}' AND ${APPROVAL_STATUS_KEY.name} = 'active'`;
      await expect.poll(async () => (await engine.client.workflow.count(listed)).count).toBe(1);
      const asked = await askForTopic('three');
      expect(asked.status.status).toBe('pending');
    } finally {
      await grant.terminate('test over');
    }
  });
});
