// An approval's card shown as the approval stands: by the workflow's activity while it waits or where it ends on its
// own (expiry, withdrawal, an operator's signal), and by the Slack app where a person's decision through the form ended
// it (src/slack/decision-form/answer.ts). One function, so both show the same card and draw the same span.
import type { WebClient } from '@slack/web-api';
import type { ApprovalStatus, SlackMessageRef } from '../approval/schemas.js';
import { recordSpan } from '../tracing.js';
import { approvalCard, approvalCardText } from './blocks/approval-card.js';

export async function updateApprovalCard(
  slack: WebClient,
  snapshot: ApprovalStatus,
  card: SlackMessageRef,
): Promise<void> {
  if (snapshot.status !== 'pending' && card.ts === snapshot.card?.ts) approvalWaitSpan(snapshot);
  await slack.chat.update({
    channel: card.channel,
    ts: card.ts,
    text: approvalCardText(snapshot),
    blocks: approvalCard(snapshot),
  });
}

/**
 * The approval's wait as a span of the run's trace, from the request to its end, with who decided (a Slack user ID, or
 * `operator` for a decision made through Temporal itself). Drawn when the first card shows the end: the workflow knows
 * the times, and stays as it is.
 */
function approvalWaitSpan(snapshot: ApprovalStatus): void {
  const { decision } = snapshot;
  const ended = decision ? new Date(decision.decidedAt) : new Date();
  recordSpan('approval wait', new Date(snapshot.requested_at), ended, {
    'approval.request_id': snapshot.request_id,
    'approval.tool': snapshot.proposal.tool,
    'approval.status': snapshot.status,
    ...(decision ? { 'approval.decided_by': decision.reviewer?.id ?? 'operator' } : {}),
  });
}
