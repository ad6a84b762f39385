// A draft policy tried on the past (`npm run check-policy -- --replay <since> draft.jsonc`): the calls Countersign has
// already seen, each met again by the rules in force and by the draft, and what would change, in outcomes rather than
// JSON. Pure: the calls are read from Temporal elsewhere (src/temporal/recorded.ts); the rules are the workflows' own
// (personNeeded, planFor, standingMaxFor, demandsAtLeast), so the replay cannot drift from what a run does.
import { formatDuration } from '../duration.js';
import { demandsAtLeast } from './demands.js';
import { finalRisk, personNeeded, planFor } from './policy.js';
import { decidersLine } from './policy-summary.js';
import type { ApprovalPlan, ApprovalPolicy, Proposal, Risk } from './schemas.js';
import { standingMaxFor } from './standing.js';

/** A call as it was recorded: its proposal, what the run had read before it, and what became of it. */
export interface PastCall {
  /** The run (or gateway call) that proposed it. */
  workflowId: string;
  at: string;
  requesterId: string;
  proposal: Pick<Proposal, 'tool' | 'risk' | 'modelRisk' | 'origin' | 'outside'>;
  /** Whether the run had read outside content before the call was proposed (a gateway call: always, see personNeeded). */
  readOutside: boolean;
  /** What the policy of the time did with it. */
  verdict: 'run_now' | 'standing_approval' | 'needs_approval';
  /** For a call that ran under a standing approval: the rule the grant was given under. */
  standingRule?: string;
  /** A standing approval given with this call's approval: how long it was to last. */
  grantedForMs?: number;
}

/** How a policy meets a call: at once, or by asking under a rule, and how long a standing approval may then last. */
export type Treatment =
  | { asks: false; risk: Risk }
  | { asks: true; risk: Risk; plan: ApprovalPlan; standingMaxMs: number; standingMayCover: boolean };

export const CHANGE_KINDS = [
  'runs_without_asking',
  'needs_approval',
  'approvers',
  'standing_not_allowed',
  'standing_longer',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface CallChange {
  kind: ChangeKind;
  /** Whether the draft lets through what the policy in force would not (fewer or other people, no one, longer grants). */
  looser: boolean;
  call: PastCall;
  inForce: Treatment;
  draft: Treatment;
}

/**
 * The call's risk under a policy: a tool risk the policy pins, met with the model's own assessment as a run does; else
 * the risk recorded, since the tool's own risk (it may depend on the arguments) is known only where it ran.
 */
function riskUnder(call: PastCall, policy: ApprovalPolicy): Risk {
  const pinned = policy.toolRisks?.[call.proposal.tool];
  return pinned ? finalRisk(pinned, call.proposal.modelRisk) : call.proposal.risk;
}

/** How `policy` meets `call`: the workflows' own rules. */
export function treatmentOf(call: PastCall, policy: ApprovalPolicy): Treatment {
  const risk = riskUnder(call, policy);
  const proposal = { ...call.proposal, risk };
  const need = personNeeded(proposal, policy, { readOutside: call.readOutside });
  if (!need.person) return { asks: false, risk };
  const plan = planFor(proposal, policy);
  return {
    asks: true,
    risk,
    plan,
    standingMaxMs: standingMaxFor(plan, risk),
    standingMayCover: need.standingMayCover,
  };
}

/** What would change for one call under the draft, against the policy in force; none when nothing would. */
export function changesFor(call: PastCall, inForce: ApprovalPolicy, draft: ApprovalPolicy): CallChange[] {
  const now = treatmentOf(call, inForce);
  const then = treatmentOf(call, draft);
  const change = (kind: ChangeKind, looser: boolean): CallChange => ({
    kind,
    looser,
    call,
    inForce: now,
    draft: then,
  });
  if (now.asks && !then.asks) return [change('runs_without_asking', true)];
  if (!then.asks) return [];
  if (!now.asks) return [change('needs_approval', false)];
  const changes: CallChange[] = [];
  // Anyone the draft lets decide whom the rule in force would not, or fewer approvals, is looser.
  const draftDemandsAsMuch = demandsAtLeast(then.plan, now.plan);
  if (!draftDemandsAsMuch || !demandsAtLeast(now.plan, then.plan)) {
    changes.push(change('approvers', !draftDemandsAsMuch));
  }
  // A grant covers only calls under the rule it was given under (grantCovers): another rule is a grant refused too.
  const standingRefused =
    (call.verdict === 'standing_approval' &&
      (!then.standingMayCover || then.standingMaxMs === 0 || then.plan.rule !== call.standingRule)) ||
    (call.grantedForMs !== undefined && call.grantedForMs > then.standingMaxMs);
  if (standingRefused) changes.push(change('standing_not_allowed', false));
  else if (then.standingMayCover && then.standingMaxMs > (now.standingMayCover ? now.standingMaxMs : 0)) {
    changes.push(change('standing_longer', true));
  }
  return changes;
}

export interface PolicyReplay {
  calls: number;
  /** Every change, by kind, oldest call first. */
  changes: Record<ChangeKind, CallChange[]>;
  /** Whether any change lets through what the policy in force would not. */
  looser: boolean;
  stricter: boolean;
}

export function replayPolicy(
  calls: readonly PastCall[],
  inForce: ApprovalPolicy,
  draft: ApprovalPolicy,
): PolicyReplay {
  const changes = Object.fromEntries(CHANGE_KINDS.map((kind) => [kind, [] as CallChange[]])) as Record<
    ChangeKind,
    CallChange[]
  >;
  const ordered = calls.toSorted((a, b) => a.at.localeCompare(b.at));
  for (const call of ordered) for (const c of changesFor(call, inForce, draft)) changes[c.kind].push(c);
  const all = Object.values(changes).flat();
  return {
    calls: calls.length,
    changes,
    looser: all.some((c) => c.looser),
    stricter: all.some((c) => !c.looser),
  };
}

/** Examples shown per kind of change: enough to see the pattern; the count says how many there are. */
export const REPLAY_EXAMPLES_MAX = 3;

const HEADINGS: Record<ChangeKind, (n: number) => string> = {
  runs_without_asking: (n) => `${n} would have run without asking anyone (looser)`,
  needs_approval: (n) => `${n} would have needed approval (stricter)`,
  approvers: (n) => `${n} would have gone to different approvers or quorum`,
  standing_not_allowed: (n) =>
    `${n} standing approval${n === 1 ? '' : 's'} would not have been allowed (stricter)`,
  standing_longer: (n) => `${n} would have allowed a longer standing approval (looser)`,
};

function treatmentWords(t: Treatment): string {
  if (!t.asks) return 'runs at once';
  const standing = t.standingMayCover && t.standingMaxMs > 0 ? formatDuration(t.standingMaxMs) : 'none';
  return `${t.plan.rule}: ${decidersLine(t.plan)}${t.plan.allowSelfApproval ? ', the requester may decide' : ''}; standing approvals: ${standing}`;
}

/** One example, for a person: no arguments (they may hold what the report's readers should not see). */
function exampleLine(change: CallChange): string {
  const { call } = change;
  const what =
    change.kind === 'standing_not_allowed' && call.grantedForMs !== undefined
      ? `; a standing approval of ${formatDuration(call.grantedForMs)} was given`
      : change.kind === 'standing_not_allowed'
        ? `; it ran under a standing approval (rule ${call.standingRule ?? 'unknown'})`
        : '';
  const tag = change.kind === 'approvers' ? (change.looser ? ' (looser)' : ' (stricter)') : '';
  return (
    `${call.at} ${call.proposal.tool} (${change.draft.risk} risk) for ${call.requesterId} in ${call.workflowId}${what}${tag}\n` +
    `      in force: ${treatmentWords(change.inForce)}\n` +
    `      draft:    ${treatmentWords(change.draft)}`
  );
}

/** The replay in lines, for the terminal and a CI log. */
export function describeReplay(replay: PolicyReplay): string[] {
  const lines: string[] = [];
  const changed = new Set(Object.values(replay.changes).flatMap((cs) => cs.map((c) => c.call)));
  lines.push(
    `${replay.calls} past call${replay.calls === 1 ? '' : 's'} replayed; ${changed.size} would go otherwise under the draft.`,
  );
  for (const kind of CHANGE_KINDS) {
    const changes = replay.changes[kind];
    if (changes.length === 0) continue;
    lines.push(`${HEADINGS[kind](changes.length)}:`);
    for (const change of changes.slice(0, REPLAY_EXAMPLES_MAX)) lines.push(`  - ${exampleLine(change)}`);
    if (changes.length > REPLAY_EXAMPLES_MAX)
      lines.push(`  … and ${changes.length - REPLAY_EXAMPLES_MAX} more`);
  }
  lines.push(
    replay.looser
      ? 'The draft is looser than the policy in force for some of these calls.'
      : replay.stricter
        ? 'The draft is nowhere looser than the policy in force for these calls.'
        : 'The draft would have changed nothing for these calls.',
  );
  return lines;
}
