// The agent loop: request → model → tool calls → policy → (approval) → run → results back to the model,
// until a final answer, a stop, or the step limit. The outcome goes to Slack where the requester asked. Its state is an
// AgentRun (./agent/run.ts); the model's steps are ./agent/model.ts; each call is taken as the policy routes it
// (./agent/take.ts), and the calls that need a person are asked, one or a turn's together (./agent/ask.ts).

import { setHandler } from '@temporalio/workflow';
import type { ProposalCheck } from '../activities/llm.js';
import { type AgentInput, BATCH_MAX, type RunOutcome } from '../approval/run.js';
import type { Proposal } from '../approval/schemas.js';
import { askAndRun } from './agent/ask.js';
import { ModelSteps } from './agent/model.js';
import { AgentRun } from './agent/run.js';
import { personNeedFor, type Turn, takeCall } from './agent/take.js';
import { agentStatusQuery, stopRunSignal } from './messages.js';
import { BATCH_PATCH, FEWER_ACTIONS_PATCH } from './patches.js';

/** Model turns per run: enough for look-up → act → report, small enough that a confused model stops. */
export const MAX_MODEL_STEPS = 8;
/** Consecutive turns with nothing valid proposed before the run gives up on the model. */
export const MAX_INVALID_TURNS = 2;

export async function agentWorkflow(input: AgentInput): Promise<RunOutcome> {
  const run = new AgentRun(input);
  setHandler(stopRunSignal, (raw) => run.stop(raw));
  setHandler(agentStatusQuery, () => run.snapshot);

  run.recordRequested();
  await run.session?.show('processing');
  const model = await ModelSteps.begin(run.code);
  let invalidTurns = 0;
  try {
    while (run.steps < MAX_MODEL_STEPS) {
      // Taken with the last call's activity: a final answer given then stands, even if a stop came meanwhile.
      const taken = run.continued;
      run.continued = undefined;
      if (taken?.kind !== 'final') run.unlessStopped();
      run.steps += 1;
      const { policy, next } = taken ? model.took(taken) : await model.next(run.conversation, run.asking);
      if (next.kind === 'final') {
        return await run.finish({ status: 'completed', answer: next.text }, next);
      }
      run.conversation.push(...next.modelItems);
      const valid = next.checks.filter((c): c is Extract<ProposalCheck, { ok: true }> => c.ok);
      await run.showProposed(valid.map((c) => c.proposal));
      invalidTurns = valid.length === 0 ? invalidTurns + 1 : 0;
      const turn: Turn = {
        policy,
        readBefore: [...run.readOutside],
        byRule: model.fewerSteps,
        code: run.code,
        prepared: next.prepared ?? {},
        goesOn:
          next.checks.length === 1 &&
          run.code.since(FEWER_ACTIONS_PATCH) &&
          !run.session &&
          run.steps < MAX_MODEL_STEPS,
      };

      // Several calls of one turn that need a person are asked together: one card lists them, and one form can
      // decide them all (runs from before this asked one after another).
      const needing = valid.filter((c) => personNeedFor(c.proposal, turn).person).length;
      const together = needing >= 2 && needing <= BATCH_MAX && run.code.has(BATCH_PATCH);
      const asks: Proposal[] = [];
      for (const check of next.checks) {
        const ask = await takeCall(run, check, turn);
        if (!ask) continue;
        if (together) {
          asks.push(ask);
          continue;
        }
        const ended = await askAndRun(run, [ask], turn);
        if (ended) return ended;
      }
      if (asks.length > 0) {
        const ended = await askAndRun(run, asks, turn);
        if (ended) return ended;
      }

      if (invalidTurns >= MAX_INVALID_TURNS) {
        return await run.finish({
          status: 'failed',
          reason: `the model proposed nothing valid ${MAX_INVALID_TURNS} times in a row; nothing was run for those proposals`,
        });
      }
    }
    return await run.finish({
      status: 'failed',
      reason: `stopped after ${MAX_MODEL_STEPS} model steps without a final answer`,
    });
  } catch (error) {
    return await run.ended(error);
  } finally {
    await run.close();
  }
}
