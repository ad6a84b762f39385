// A standing approval given with the approval that decided the request: its own workflow (../grant.ts), abandoned
// on purpose, since the grant outlives the approval it came with.
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { standingGrantWorkflow } from '../grant.js';
import type { ApprovalRequest } from './request.js';

/** Given only when the request is approved and the approval that asked for it decided it (see standingMaxFor). */
export async function giveStandingApproval(request: ApprovalRequest): Promise<void> {
  const { snapshot, plan } = request;
  const asked = snapshot.standing;
  if (snapshot.status !== 'approved' || !asked || snapshot.decision?.reviewer?.id !== asked.by.id) return;
  const givenAt = Date.now();
  const grantId = `${request.id}/standing`;
  const fixed = Object.fromEntries(
    Object.entries(snapshot.proposal.arguments).filter(([key]) => !asked.vary.includes(key)),
  );
  await startChild(standingGrantWorkflow, {
    workflowId: grantId,
    parentClosePolicy: ParentClosePolicy.ABANDON,
    args: [
      {
        grant_id: grantId,
        requester: snapshot.requester,
        tool: snapshot.proposal.tool,
        fixed,
        vary: asked.vary,
        grantor: asked.by,
        // What it may cover: calls under this rule at no higher risk (an edit's rule and risk, if edited).
        rule: plan.rule,
        risk: snapshot.proposal.risk,
        given_at: new Date(givenAt).toISOString(),
        expires_at: new Date(givenAt + asked.for_ms).toISOString(),
        request_id: snapshot.request_id,
        run_id: snapshot.run_id,
      },
    ],
  });
  snapshot.grant_id = grantId;
  request.record('grant_given', asked.by, {
    grant_id: grantId,
    for_ms: asked.for_ms,
    vary: asked.vary,
    rule: plan.rule,
    risk: snapshot.proposal.risk,
  });
}
