// The approval policy in force, in plain lines: printed by `npm run check-policy` and logged when a worker starts,
// so that what the file says and what the app understood can be compared at a glance.
import { formatDuration } from '../duration.js';
import type { ApprovalPlan, ApprovalPolicy, ApproverIds, StagePlan } from './schemas.js';

function approvers(ids: ApproverIds | undefined): string {
  if (!ids) return 'anyone';
  return [...ids.userGroups, ...ids.users].join(', ');
}

function stageLine(stage: StagePlan): string {
  const parts = [
    `"${stage.name}": ${stage.required} of ${approvers(stage.approvers)}`,
    `timeout ${formatDuration(stage.timeoutMs)}`,
  ];
  if (stage.remindAfterMs !== undefined) parts.push(`remind after ${formatDuration(stage.remindAfterMs)}`);
  if (stage.escalateAfterMs !== undefined && stage.escalateTo) {
    const to = [
      ...(stage.escalateTo.approvers ? [`add ${approvers(stage.escalateTo.approvers)}`] : []),
      ...(stage.escalateTo.channel ? [`post in ${stage.escalateTo.channel}`] : []),
    ];
    parts.push(`after ${formatDuration(stage.escalateAfterMs)} escalate: ${to.join(' and ')}`);
  }
  return parts.join(', ');
}

function planLine(plan: ApprovalPlan): string {
  const stages = plan.stages.map(stageLine).join(' → ');
  const rules = [
    `on timeout ${plan.onTimeout}`,
    plan.allowSelfApproval ? 'the requester may decide' : 'the requester may not decide',
    `cards in ${plan.channel ?? 'the request’s channel'}`,
  ];
  return `${plan.rule}: ${stages}; ${rules.join('; ')}`;
}

/** One line for the threshold, then one per rule: default, then by risk, then by tool. */
export function describePolicy(policy: ApprovalPolicy): string[] {
  return [
    `calls of ${policy.threshold} risk or higher wait for approval`,
    planLine(policy.default),
    ...Object.values(policy.risks).map(planLine),
    ...Object.values(policy.tools).map(planLine),
  ];
}
