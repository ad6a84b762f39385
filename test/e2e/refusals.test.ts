// Refused decisions through the real Slack app: a refusal is answered by the approval's Update validator, so it writes
// nothing to the workflow's history (a reviewer clicking again and again cannot grow it), and is audited in the Slack
// app's log instead; the same form resubmitted with other choices is a new decision, not a replay of the refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFUSALS } from '../../src/approval/policy.js';
import { createLogger } from '../../src/logger.js';
import { approvalStatusQuery } from '../../src/workflows/messages.js';
import { functionCall, message } from '../fakes/openai.js';
import {
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
  askAgent,
  type DecisionForm,
  openDecisionForm,
  type SlackAppHarness,
  startSlackApp,
} from '../support/slack-app.js';

const HOUR_MS = 3_600_000;

let engine: Engine;
let slack: SlackAppHarness;
const auditLines: Array<{
  msg: string;
  audit?: { type: string; actor: { id: string }; details: Record<string, unknown> };
}> = [];

beforeAll(async () => {
  const policy = policyFile({
    default: { approvers: [PEOPLE.ana.id], timeout: '1h', standing_max: '1h' },
  });
  engine = await startEngine({ prefix: 'refusals', env: { POLICY_FILE: policy } });
  const audit = createLogger('info', { service: 'refusals-test' }, (line) =>
    auditLines.push(JSON.parse(line)),
  );
  slack = await startSlackApp(engine, engine.client, {}, audit);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

/** Submits `form` as Ana, approving with a standing approval of `forMs` (0: none). */
function approveWith(form: DecisionForm, forMs: number) {
  return slack.sender.viewSubmission({
    callbackId: form.callback_id,
    privateMetadata: form.private_metadata,
    userId: PEOPLE.ana.id,
    ...(form.id ? { viewId: form.id } : {}),
    values: {
      notes: { notes_input: { type: 'plain_text_input', value: null } },
      standing: {
        standing_for: {
          type: 'static_select',
          selected_option:
            forMs > 0 ? { text: { type: 'plain_text', text: 'x' }, value: String(forMs) } : null,
        },
      },
    },
  });
}

describe('a refused decision', () => {
  it('writes nothing to the history, is audited by the Slack app, and the form resubmitted with other choices counts', async () => {
    const request = 'topic of <#C0REFUSE|refuse> to Quiet';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('set_channel_topic', proposal({ channel: 'C0REFUSE', topic: 'Quiet' }, 'medium')),
        message('Done.'),
      ],
    });
    const runId = await askAgent(slack.sender, request);
    const card = await waitForCard(engine.slackApi, runId);
    const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
    const approval = engine.client.workflow.getHandle(card.workflowId);
    const eventsBefore = (await approval.fetchHistory()).events?.length ?? 0;

    // Longer than the rule allows (the policy may have changed since the form was opened): refused in the form.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const refused = await approveWith(form, 4 * HOUR_MS);
      expect(refused.json).toMatchObject({
        response_action: 'errors',
        errors: { notes: REFUSALS.standing_not_allowed.person },
      });
    }
    expect((await approval.fetchHistory()).events?.length ?? 0).toBe(eventsBefore);
    const status = await approval.query(approvalStatusQuery);
    expect(status.status).toBe('pending');
    expect(status.audit.map((e) => e.type)).not.toContain('decision_ignored');
    const refusals = auditLines.filter((l) => l.msg === 'audit' && l.audit?.type === 'decision_ignored');
    expect(refusals).toHaveLength(3);
    expect(refusals[0]?.audit).toMatchObject({
      actor: { id: PEOPLE.ana.id },
      details: { workflow_id: card.workflowId, reason: 'standing_not_allowed', via: 'update' },
    });

    // The same form, the choice changed: a new decision, not the first answer replayed.
    const accepted = await approveWith(form, HOUR_MS);
    expect(accepted.text).toBe('');
    expect((await runOutcome(engine.client, runId)).status).toBe('completed');
    const decided = await approval.query(approvalStatusQuery);
    expect(decided.status).toBe('approved');
    expect(decided.grant_id).toBe(`${card.workflowId}/approval-1/standing`);
  });
});
