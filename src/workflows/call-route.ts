// How one proposed call goes, for every workflow that runs calls (the agent's run, a call through the MCP gateway): at
// once, under a standing approval, or to a person; and running it, attempted only as often as its tool allows. One
// function each, so that a call from an MCP client meets exactly the rules a model's proposal meets.
import { ActivityFailure, ChildWorkflowFailure, getExternalWorkflowHandle } from '@temporalio/workflow';
import type { NextStep } from '../activities/llm.js';
import type { ThenAskModel, ToolOutcome } from '../activities/tools.js';
import { type PersonNeed, planFor } from '../approval/policy.js';
import type { ApprovalPlan, ApprovalPolicy, Proposal } from '../approval/schemas.js';
import {
  type CoveringGrant,
  type StandingCall,
  standingCallFor,
  standingMaxFor,
} from '../approval/standing.js';
import { run, toolsOnce, toolsOnceThenModel, toolsRetried, toolsRetriedThenModel } from './activities.js';
import { grantUsedSignal } from './messages.js';

export type CallRoute =
  | { route: 'run_now' }
  /** A standing approval lets it through: `until`, when the grant stops counting under the rule now. */
  | { route: 'standing'; plan: ApprovalPlan; grant: CoveringGrant; until: string }
  | { route: 'ask'; plan: ApprovalPlan };

/**
 * Where a call goes, given whether it needs a person (`need`, from personNeeded in src/approval/policy.ts). A standing
 * approval of this very call stands in for the person where the need allows one and the call's rule gives one
 * (`byRule`: false only for agent runs from before that rule, which looked for every call; `looks`: false for agent runs
 * from before standing approvals); a grant that covers it is told it was used, for its audit.
 */
export async function routeCall(
  proposal: Proposal,
  policy: ApprovalPolicy,
  need: PersonNeed,
  who: { requesterId: string; runId: string },
  since: { byRule: boolean; looks: () => boolean } = { byRule: true, looks: () => true },
  /** Where the grant is looked for: an activity of its own, unless it was read with the model's answer. */
  lookUp: (call: StandingCall) => Promise<CoveringGrant | null> = run.findStandingGrant,
): Promise<CallRoute> {
  if (!need.person) return { route: 'run_now' };
  const plan = planFor(proposal, policy);
  const grantAllowed = !since.byRule || standingMaxFor(plan, proposal.risk) > 0;
  if (need.standingMayCover && since.looks() && grantAllowed) {
    // Only a grant given under this call's rule, at its risk or higher, covers it.
    const grant = await lookUp(standingCallFor(proposal, plan, who.requesterId));
    if (grant) {
      // A grant that just ended cannot refuse the signal in a way that matters here.
      await getExternalWorkflowHandle(grant.grant_id)
        .signal(grantUsedSignal, { run_id: who.runId, digest: proposal.digest })
        .catch(() => undefined);
      // A result recorded before look-ups said so has only the expiry.
      return { route: 'standing', plan, grant, until: grant.counts_until ?? grant.expires_at };
    }
  }
  return { route: 'ask', plan };
}

/** What a failed activity or child says, under Temporal's wrapping. */
export function failureMessage(error: unknown): string {
  let cause: unknown = error;
  while (cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Runs a call the policy (or a person) let through: retried when its tool allows, attempted once when not. `callKey`:
 * the same on every attempt of this call, different for every other.
 */
export async function runCall(
  proposal: Proposal,
  requesterId: string,
  callKey: string,
  /** The model's next step, to be taken once the call has run (an agent run's last call of a turn). */
  then?: ThenAskModel,
): Promise<ToolOutcome & { next?: NextStep }> {
  const once = proposal.repeat === 'once';
  const tools = then ? (once ? toolsOnceThenModel : toolsRetriedThenModel) : once ? toolsOnce : toolsRetried;
  try {
    return await tools.runTool({
      tool: proposal.tool,
      arguments: proposal.arguments,
      digest: proposal.digest,
      requesterId,
      callKey,
      ...(then ? { then } : {}),
    });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // A read that kept failing did nothing; anything else may have acted before its answer was lost.
    return proposal.repeat === 'safe'
      ? { ok: false, error: failureMessage(error) }
      : { ok: false, unknown: true, error: failureMessage(error) };
  }
}
