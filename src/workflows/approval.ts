// One approval: post the card, wait for a valid decision or the timeout, update the card in place.
import {
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createSlackActivities } from '../activities/slack.js';
import { checkDecision, type DecisionRefusal, REFUSAL_TEXT } from '../approval/policy.js';
import {
  type ApprovalDecisionRecord,
  type ApprovalInput,
  type ApprovalOutcome,
  type ApprovalStatus,
  type ApprovalStatusName,
  type AuditEvent,
  approvalDecisionSchema,
  type SlackMessageRef,
  withdrawalSchema,
} from '../approval/schemas.js';
import type { ApprovalCardView } from '../slack/blocks/approval-card.js';
import { approvalDecisionSignal, approvalStatusQuery, withdrawRequestSignal } from './messages.js';

const slack = proxyActivities<ReturnType<typeof createSlackActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function approvalWorkflow(input: ApprovalInput): Promise<ApprovalOutcome> {
  const { workflowId } = workflowInfo();
  const requestedAtMs = Date.now();
  const expiresAtMs = requestedAtMs + input.timeoutMs;
  let status: ApprovalStatusName = 'pending';
  let decision: ApprovalDecisionRecord | undefined;
  let card: SlackMessageRef | null = null;
  let withdrawnBy: ApprovalOutcome['withdrawnBy'];
  const audit: AuditEvent[] = [];

  const record = (type: AuditEvent['type'], actor: AuditEvent['actor'], details: Record<string, unknown>) => {
    const event: AuditEvent = {
      at: new Date().toISOString(),
      type,
      actor,
      runId: input.runId,
      requestId: input.requestId,
      details,
    };
    audit.push(event);
    log.info('audit', { audit: event });
  };

  const view = (): ApprovalCardView => ({
    workflowId,
    requestId: input.requestId,
    runId: input.runId,
    request: input.request,
    requester: input.requester,
    proposal: input.proposal,
    eligibility: input.eligibility,
    expiresAt: new Date(expiresAtMs).toISOString(),
    timeoutMs: input.timeoutMs,
    status,
    decision,
  });

  setHandler(
    approvalStatusQuery,
    (): ApprovalStatus => ({
      request_id: input.requestId,
      status,
      proposal: input.proposal,
      requester: input.requester,
      request: input.request,
      run_id: input.runId,
      requested_at: new Date(requestedAtMs).toISOString(),
      expires_at: new Date(expiresAtMs).toISOString(),
      eligibility: input.eligibility,
      allow_self_approval: input.allowSelfApproval,
      card,
      ...(decision ? { decision } : {}),
      audit,
    }),
  );

  // Validates everything and never throws: a bad signal must not fail the workflow task.
  setHandler(approvalDecisionSignal, (raw: unknown) => {
    const parsed = approvalDecisionSchema.safeParse(raw);
    if (!parsed.success) {
      record('decision_ignored', 'system', {
        reason: 'malformed',
        explanation: REFUSAL_TEXT.malformed,
        issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
      });
      return;
    }
    const signal = parsed.data;
    const actor = signal.reviewer ?? 'operator';
    const check = checkDecision(signal, {
      requestId: input.requestId,
      pending: status === 'pending',
      nowMs: Date.now(),
      expiresAtMs,
      requester: input.requester,
      eligibility: input.eligibility,
      allowSelfApproval: input.allowSelfApproval,
    });
    if (!check.ok) {
      record('decision_ignored', actor, {
        reason: check.reason,
        explanation: REFUSAL_TEXT[check.reason],
        approved: signal.approved,
        signalled_request_id: signal.request_id,
      });
      return;
    }
    decision = {
      approved: signal.approved,
      notes: signal.reviewer_notes?.trim() || null,
      decidedAt: new Date().toISOString(),
      reviewer: signal.reviewer,
    };
    status = signal.approved ? 'approved' : 'rejected';
    record('decision', actor, {
      approved: decision.approved,
      notes: decision.notes,
      ...(signal.decided_at ? { claimed_decided_at: signal.decided_at } : {}),
    });
  });

  setHandler(withdrawRequestSignal, (raw: unknown) => {
    const parsed = withdrawalSchema.safeParse(raw);
    const ignore = (reason: DecisionRefusal, actor: AuditEvent['actor']) =>
      record('decision_ignored', actor, { reason, explanation: REFUSAL_TEXT[reason], withdrawal: true });
    if (!parsed.success) return ignore('malformed', 'system');
    const actor = parsed.data.by ?? 'operator';
    if (parsed.data.request_id !== input.requestId) return ignore('wrong_request', actor);
    if (status !== 'pending') return ignore('already_decided', actor);
    if (parsed.data.by && parsed.data.by.id !== input.requester.id) return ignore('not_requester', actor);
    status = 'cancelled';
    withdrawnBy = actor;
    record('cancelled', actor, { withdrawn: true });
  });

  record('approval_requested', 'policy', {
    tool: input.proposal.tool,
    arguments: input.proposal.arguments,
    risk: input.proposal.risk,
    requester: input.requester,
    eligibility: input.eligibility,
    allow_self_approval: input.allowSelfApproval,
    expires_at: new Date(expiresAtMs).toISOString(),
  });

  try {
    card = await slack.postApprovalCard({ ...view(), channel: input.channel });
    record('card_posted', 'system', { channel: card.channel, ts: card.ts });
    const decided = await condition(() => status !== 'pending', Math.max(0, expiresAtMs - Date.now()));
    if (!decided) {
      status = 'timed_out';
      record('timed_out', 'system', { after_ms: input.timeoutMs });
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    status = 'cancelled';
    record('cancelled', 'system', {});
  }

  const postedCard = card;
  if (postedCard) {
    // Runs even when this workflow is being cancelled: the card must not keep live buttons.
    await CancellationScope.nonCancellable(() => slack.updateApprovalCard(view(), postedCard));
  }
  record('approval_outcome', 'system', { status });
  return {
    requestId: input.requestId,
    status: status as ApprovalOutcome['status'],
    ...(decision ? { decision } : {}),
    ...(withdrawnBy ? { withdrawnBy } : {}),
    card,
    audit,
  };
}
