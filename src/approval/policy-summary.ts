// The approval policy in force, in plain lines: printed by `npm run check-policy` and logged when a worker starts,
// so that what the file says and what the app understood can be compared at a glance.
import { formatDuration } from '../duration.js';
import { needsApproval } from './policy.js';
import {
  type ApprovalPlan,
  type ApprovalPolicy,
  type ApproverIds,
  RISKS,
  type Risk,
  type StagePlan,
} from './schemas.js';
import { DEFAULT_STANDING_MAX_MS } from './standing.js';

function approvers(ids: ApproverIds | undefined): string {
  if (!ids) return 'anyone';
  return [...ids.userGroups, ...ids.users].join(', ');
}

/** Who decides under a plan, stage by stage: `"Team lead": 1 of U0ANA → "Security": 1 of S0SEC`. */
export function decidersLine(plan: ApprovalPlan): string {
  return plan.stages
    .map((stage) => `"${stage.name}": ${stage.required} of ${approvers(stage.approvers)}`)
    .join(' → ');
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

/** How long standing approvals may last under a rule that says so, or is capped by the one it refines. */
function standingWords(plan: ApprovalPlan): string[] {
  const { standingMaxMs: max, standingCapMs: cap } = plan;
  if (max !== undefined) {
    return [max === 0 ? 'no standing approvals' : `standing approvals up to ${formatDuration(max)}`];
  }
  if (cap === undefined) return [];
  if (cap === 0) return ['no standing approvals'];
  // By risk, each no longer than the cap: "up to 30m for low and medium risk, none for high".
  const byLength = new Map<number, Risk[]>();
  for (const risk of RISKS) {
    const ms = Math.min(DEFAULT_STANDING_MAX_MS[risk], cap);
    byLength.set(ms, [...(byLength.get(ms) ?? []), risk]);
  }
  const parts = [...byLength].map(([ms, risks]) =>
    ms === 0
      ? `none for ${risks.join(' and ')}`
      : `up to ${formatDuration(ms)} for ${risks.join(' and ')} risk`,
  );
  return [`standing approvals ${parts.join(', ')}`];
}

function planLine(plan: ApprovalPlan): string {
  const stages = plan.stages.map(stageLine).join(' → ');
  const rules = [
    `on timeout ${plan.onTimeout}`,
    plan.allowSelfApproval ? 'the requester may decide' : 'the requester may not decide',
    `cards in ${plan.channel ?? 'the request’s channel'}`,
    ...(plan.allowEdit === false ? ['no edits before approving'] : []),
    ...standingWords(plan),
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
    ...Object.values(policy.servers ?? {}).map(planLine),
    ...Object.entries(policy.toolRisks ?? {}).map(
      ([tool, risk]) => `tool ${tool}: its risk is pinned to ${risk}`,
    ),
  ];
}

/** What the warnings need of a tool: a risk fixed by the tool, or one that depends on the call's arguments. */
export interface ToolRisk {
  name: string;
  risk: Risk | ((args: never) => Risk);
}

/** The rules a call can meet, each with the field that names it in the policy file. */
function applicableRules(policy: ApprovalPolicy): { field: string; plan: ApprovalPlan }[] {
  const gated = RISKS.filter((risk) => needsApproval(risk, policy.threshold));
  const byRisk = gated.flatMap((risk) => {
    const plan = policy.risks[risk];
    return plan ? [{ field: `risks.${risk}`, plan }] : [];
  });
  // A rule for a tool or a server covers every call of it, whatever its risk.
  const byTool = Object.entries(policy.tools).map(([tool, plan]) => ({ field: `tools.${tool}`, plan }));
  const byServer = Object.entries(policy.servers ?? {}).map(([server, plan]) => ({
    field: `servers.${server}`,
    plan,
  }));
  const defaultApplies = gated.some((risk) => policy.risks[risk] === undefined);
  return [
    ...(defaultApplies ? [{ field: 'default', plan: policy.default }] : []),
    ...byRisk,
    ...byTool,
    ...byServer,
  ];
}

const listsApprovers = (ids: ApproverIds | undefined) =>
  ids !== undefined && ids.users.length + ids.userGroups.length > 0;

/**
 * What the policy allows that its author may not mean: rules that can never apply or rarely will, and approvals
 * anyone in the workspace may give. Said by `npm run check-policy` and logged as warnings when a worker starts.
 */
export function policyWarnings(policy: ApprovalPolicy, tools: readonly ToolRisk[]): string[] {
  const warnings: string[] = [];
  for (const risk of RISKS) {
    if (policy.risks[risk] && !needsApproval(risk, policy.threshold)) {
      warnings.push(
        `risks.${risk} never applies: calls of ${risk} risk run without approval (threshold ${policy.threshold})`,
      );
    }
  }
  for (const name of Object.keys(policy.tools)) {
    const risk = tools.find((tool) => tool.name === name)?.risk;
    // A risk computed from the arguments may reach the threshold anyway; only a fixed one is known to stay below.
    if (typeof risk !== 'string' || needsApproval(risk, policy.threshold)) continue;
    warnings.push(
      `tools.${name} puts every call of ${name} under approval, though ${name} itself is ${risk} risk, ` +
        `below the threshold (${policy.threshold}): without this rule its calls would run at once`,
    );
  }

  const rules = applicableRules(policy);
  const named = rules.some(({ plan }) =>
    plan.stages.some(
      (stage) => listsApprovers(stage.approvers) || listsApprovers(stage.escalateTo?.approvers),
    ),
  );
  if (!named && rules.length > 0) {
    warnings.push(
      'No approvers configured (APPROVERS is unset and no policy rule lists approvers): any full member of this ' +
        'workspace may approve; set APPROVERS, or approvers in the policy file',
    );
    return warnings;
  }
  for (const { field, plan } of rules) {
    const open = plan.stages.filter((stage) => !listsApprovers(stage.approvers));
    if (open.length === 0) continue;
    const stages = open.map((stage) => `"${stage.name}"`).join(', ');
    warnings.push(
      `${field}: any full member of this workspace may approve (no approvers for ${open.length === 1 ? 'stage' : 'stages'} ` +
        `${stages}); set APPROVERS, or approvers in this rule`,
    );
  }
  return warnings;
}
