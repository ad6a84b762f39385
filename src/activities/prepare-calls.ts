// What a run would otherwise ask in activities of their own after the model's answer, asked with it instead, in the
// same activity: for each proposed call that will wait for a person (the policy's rule, src/approval/policy.ts), the
// standing approval that covers it, if any; and, when none does, what its approval needs of Slack before its card (the
// team, the names of the IDs, the first approvers). Each answer saves a workflow task and an activity per call.
//
// Only reads, and only a head start: the workflow decides by its own rules whether a call waits and where it goes, and
// uses an answer only for the rule it was asked under. What cannot be read now is left out, and the workflow (or the
// approval) asks it as before, where its failure is handled as before; a failure here never fails the model's answer.
import { log } from '@temporalio/activity';
import { personNeeded, planFor } from '../approval/policy.js';
import type { ApprovalPolicy, ApprovalPreparation, ApproverIds, Proposal } from '../approval/schemas.js';
import {
  type CoveringGrant,
  type StandingCall,
  standingCallFor,
  standingMaxFor,
} from '../approval/standing.js';

/** What the run knows when it asks: who asked, what outside content it has read, and the rules it goes by. */
export interface CallContext {
  requesterId: string;
  /** Tools whose outside content the run had read before this turn (a call that sends data out then waits). */
  readOutside: string[];
  /** The run's rules, fixed at its first step; absent at that step, when they come with the answer. */
  policy?: ApprovalPolicy;
}

/** Asked for one call, under its rule: only for that rule may the workflow use it. */
export interface PreparedCall {
  rule: string;
  /** The standing approval that covers the call now (null: none does); absent when not looked for. */
  standing?: CoveringGrant | null;
  /** Absent when a standing approval covers the call, or Slack could not say. */
  approval?: ApprovalPreparation;
}

export interface CallReads {
  findStandingGrant(call: StandingCall): Promise<CoveringGrant | null>;
  prepareApproval(ask: {
    arguments: Record<string, unknown>;
    approvers: ApproverIds | undefined;
    requesterId: string;
  }): Promise<ApprovalPreparation>;
}

/** Each call that will wait for a person, by call id, with what was read for it. */
export async function prepareCalls(
  reads: CallReads,
  proposals: readonly Proposal[],
  policy: ApprovalPolicy,
  context: CallContext,
): Promise<Record<string, PreparedCall>> {
  const prepared: Record<string, PreparedCall> = {};
  await Promise.all(
    proposals.map(async (proposal) => {
      const need = personNeeded(proposal, policy, { readOutside: context.readOutside.length > 0 });
      if (!need.person) return;
      const plan = planFor(proposal, policy);
      const call: PreparedCall = { rule: plan.rule };
      if (need.standingMayCover && standingMaxFor(plan, proposal.risk) > 0) {
        const standing = await readOrSkip('a standing approval', proposal, () =>
          reads.findStandingGrant(standingCallFor(proposal, plan, context.requesterId)),
        );
        if (standing !== undefined) call.standing = standing;
        if (standing) {
          prepared[proposal.callId] = call;
          return;
        }
      }
      const approval = await readOrSkip('what its approval needs of Slack', proposal, () =>
        reads.prepareApproval({
          arguments: proposal.arguments,
          approvers: plan.stages[0]?.approvers,
          requesterId: context.requesterId,
        }),
      );
      if (approval) call.approval = approval;
      prepared[proposal.callId] = call;
    }),
  );
  return prepared;
}

/**
 * How long the model's answer waits for a read: well inside the activity's timeout, so that a Slack or Temporal that
 * hangs never makes the model be asked again. The read is then left to the run.
 */
export const READ_BUDGET_MS = 5_000;

async function readOrSkip<T>(
  what: string,
  proposal: Proposal,
  read: () => Promise<T>,
): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${READ_BUDGET_MS} ms`)), READ_BUDGET_MS);
  });
  try {
    return await Promise.race([read(), late]);
  } catch (error) {
    log.info(`could not read ${what} with the model's answer; the run asks on its own`, {
      call_id: proposal.callId,
      tool: proposal.tool,
      error: (error as Error).message,
    });
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
