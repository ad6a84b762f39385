// Taking one proposed call, as the policy routes it (../call-route.ts): an invalid one is answered to the model, one
// that needs nobody runs now, one a standing approval covers runs under it; one that needs a person is returned, to be
// asked (./ask.ts).
import type { ProposalCheck } from '../../activities/llm.js';
import type { PreparedCall } from '../../activities/prepare-calls.js';
import { needsApproval, type PersonNeed, personNeeded } from '../../approval/policy.js';
import type { ApprovalPolicy, Proposal } from '../../approval/schemas.js';
import { run as runActivities } from '../activities.js';
import { routeCall } from '../call-route.js';
import { BOUNDS_PATCH, type CodeVersion, FEWER_ACTIONS_PATCH, STANDING_PATCH } from '../patches.js';
import type { AgentRun } from './run.js';
import { runProposal } from './tool-call.js';

/** One model turn's calls as the run takes them. */
export interface Turn {
  /** The rules in force for the run. */
  policy: ApprovalPolicy;
  /** What of the outside the model had read when it proposed this turn's calls: their own outputs reach it next turn. */
  readBefore: readonly string[];
  /** False only for runs from before fewer-steps, which looked for a standing approval for every call. */
  byRule: boolean;
  /** The code the run started on. */
  code: CodeVersion;
  /** What was read for the turn's calls with the model's answer, by call id (src/activities/prepare-calls.ts). */
  prepared: Record<string, PreparedCall>;
  /**
   * Whether the model's next step is taken in the activity of the turn's call (src/activities/tools.ts, `then`): a
   * turn of one call, on the current code, outside an agent session (whose stream shows each step as it happens), with
   * a model step left.
   */
  goesOn: boolean;
}

/**
 * What was read with the model's answer for this call under its rule `rule`, where the run uses it: runs from before
 * the current code read it in activities of their own.
 */
export function preparedFor(
  turn: Turn,
  proposal: Proposal,
  rule: string | undefined,
): PreparedCall | undefined {
  const prepared = turn.prepared[proposal.callId];
  return turn.code.since(FEWER_ACTIONS_PATCH) && prepared !== undefined && prepared.rule === rule
    ? prepared
    : undefined;
}

/**
 * Whether a call waits for a person (src/approval/policy.ts). Runs from before issue 21 went by the risk alone and a
 * standing approval could cover any call; where the answer now differs, the new one holds for runs that start with it.
 */
export function personNeedFor(proposal: Proposal, turn: Turn): PersonNeed {
  const { policy, readBefore } = turn;
  const now = personNeeded(proposal, policy, { readOutside: readBefore.length > 0 });
  const before: PersonNeed = needsApproval(proposal.risk, policy.threshold)
    ? { person: true, because: ['risk'], standingMayCover: true }
    : { person: false };
  // The same commands either way: nothing to mark.
  if (now.person === before.person && (!now.person || now.standingMayCover)) return now;
  return turn.code.has(BOUNDS_PATCH) ? now : before;
}

/** Takes one proposed call: the proposal, if it needs a person; undefined once it is answered to the model. */
export async function takeCall(
  run: AgentRun,
  check: ProposalCheck,
  turn: Turn,
): Promise<Proposal | undefined> {
  const { record } = run;
  if (!check.ok) {
    record('invalid_proposal', 'model', {
      call_id: check.callId,
      tool: check.name,
      error: check.error,
      raw: check.rawArguments,
    });
    run.tell(check.callId, JSON.stringify({ status: 'not_run', error: check.error }));
    return undefined;
  }
  const { proposal } = check;
  record('proposal', 'model', { ...proposal });
  const route = await routeCall(
    proposal,
    turn.policy,
    personNeedFor(proposal, turn),
    { requesterId: run.input.requester.id, runId: run.runId },
    // Runs from before standing approvals never look; runs from before fewer-steps look for every call.
    { byRule: turn.byRule, looks: () => turn.code.has(STANDING_PATCH) },
    (call) => {
      const read = preparedFor(turn, proposal, call.rule)?.standing;
      return read !== undefined ? Promise.resolve(read) : runActivities.findStandingGrant(call);
    },
  );
  if (route.route === 'ask') return proposal;
  if (route.route === 'run_now') {
    record('verdict', 'policy', { call_id: proposal.callId, verdict: 'run_now', risk: proposal.risk });
    run.tell(proposal.callId, await runProposal(run, turn, proposal));
    return undefined;
  }
  const { grant, until, plan } = route;
  record('verdict', 'policy', {
    call_id: proposal.callId,
    verdict: 'standing_approval',
    risk: proposal.risk,
    rule: plan.rule,
    grant_id: grant.grant_id,
    grantor: grant.grantor,
    expires_at: until,
  });
  const output = await runProposal(run, turn, proposal, [], {
    grantor: grant.grantor,
    rule: plan.rule,
    expires_at: until,
  });
  run.tell(proposal.callId, output);
  return undefined;
}
