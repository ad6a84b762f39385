// What approval rules demand, compared: an edit may move a call to another rule only where that rule asks at least
// as much as the one it was under — approvals, stages, who may approve — whatever the risk labels say. Pure: the
// approval workflow uses it, and it is tested without a server.
import type { ApprovalPlan, ApproverIds, StagePlan } from './schemas.js';

/**
 * Whether `within` lets no one decide whom `wider` does not: undefined is anyone in the workspace. A group's members
 * are known only once a stage opens, so a person listed in `within` counts as outside a `wider` that names them only
 * through a group.
 */
function approversWithin(within: ApproverIds | undefined, wider: ApproverIds | undefined): boolean {
  if (wider === undefined) return true;
  if (within === undefined) return false;
  return (
    within.users.every((id) => wider.users.includes(id)) &&
    within.userGroups.every((id) => wider.userGroups.includes(id))
  );
}

/** Who may decide in a stage once it has escalated: its approvers and the ones its escalation adds. */
function widest(stage: StagePlan): ApproverIds | undefined {
  const added = stage.escalateTo?.approvers;
  if (stage.approvers === undefined || added === undefined) return stage.approvers;
  return {
    users: [...new Set([...stage.approvers.users, ...added.users])],
    userGroups: [...new Set([...stage.approvers.userGroups, ...added.userGroups])],
  };
}

/**
 * Whether passing stage `a` takes at least what passing stage `b` does: as many approvals, from people `b` would
 * accept too, before and after escalation — and, where `a`'s escalation lets in people `b` would not have at first,
 * not sooner than `b` lets them in. Timeouts and reminders are not compared: they change when a request ends
 * unapproved, not who approves it.
 */
export function stageDemandsAtLeast(a: StagePlan, b: StagePlan): boolean {
  if (a.required < b.required) return false;
  if (!approversWithin(a.approvers, b.approvers) || !approversWithin(widest(a), widest(b))) return false;
  if (approversWithin(widest(a), b.approvers)) return true;
  return (a.escalateAfterMs ?? 0) >= (b.escalateAfterMs ?? 0);
}

/**
 * Whether whatever passes plan `a` would also pass plan `b`: each of `b`'s stages, in order, is matched by a later
 * stage of `a` that demands at least as much (each person counts once across a request's stages, so matched stages
 * bring distinct people, as `b` needs), and `a` does not let the requester approve where `b` does not.
 */
export function demandsAtLeast(a: ApprovalPlan, b: ApprovalPlan): boolean {
  if (a.allowSelfApproval && !b.allowSelfApproval) return false;
  let next = 0;
  for (const stage of b.stages) {
    while (next < a.stages.length && !stageDemandsAtLeast(a.stages[next] as StagePlan, stage)) next += 1;
    if (next === a.stages.length) return false;
    next += 1;
  }
  return true;
}

/** Both plans' demands: `first`'s stages, then `then`'s; self-approval and edits only where both allow them. */
function bothPlans(first: ApprovalPlan, then: ApprovalPlan): ApprovalPlan {
  return {
    rule: `${first.rule}, then ${then.rule}`,
    stages: [...first.stages, ...then.stages],
    allowSelfApproval: first.allowSelfApproval && then.allowSelfApproval,
    ...(first.allowEdit === false || then.allowEdit === false ? { allowEdit: false } : {}),
    // Cards already went where `first` sends them; what a timeout means was said when the request was made.
    onTimeout: first.onTimeout,
    channel: first.channel,
  };
}

/**
 * The plan an edited call continues under, given the plan it was under and the rule the policy has for the call as
 * edited: the one that demands at least what the other does (the current one when both demand the same), or, when
 * neither does (other approvers, say), both of them in turn — so an edit never lowers what the call must pass, and
 * the edited call still passes what its own rule asks.
 */
export function planAfterEdit(current: ApprovalPlan, own: ApprovalPlan): ApprovalPlan {
  if (demandsAtLeast(current, own)) return current;
  if (demandsAtLeast(own, current)) return own;
  return bothPlans(current, own);
}
