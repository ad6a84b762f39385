// The model's steps of a run, and the rules the run goes by, which come with the model's first answer.
import { patched } from '@temporalio/workflow';
import type { ConversationItem, NextStep } from '../../activities/llm.js';
import type { ApprovalPolicy } from '../../approval/schemas.js';
import { llm, run } from '../activities.js';

/**
 * Patch id of two changes deployed together, under one id because each id costs every new run a marker and an upsert
 * of TemporalChangeVersion: the run's rules come with the model's first answer, in one activity; and a standing
 * approval is looked for only where the call's rule allows one now, so that a policy that stops allowing them (or never
 * did, as for high risk by default) is not worked around by grants given before, and such a call costs no look-up.
 */
export const FEWER_STEPS_PATCH = 'fewer-steps-per-run';

export class ModelSteps {
  private constructor(
    /** Whether the run started with FEWER_STEPS_PATCH. */
    readonly fewerSteps: boolean,
    private rules: ApprovalPolicy | undefined,
  ) {}

  /** Runs from before fewer-steps asked for the rules first, on their own. */
  static async begin(): Promise<ModelSteps> {
    const fewerSteps = patched(FEWER_STEPS_PATCH);
    return new ModelSteps(fewerSteps, fewerSteps ? undefined : await run.runPolicy());
  }

  /** The model's next step on the conversation so far, with the rules in force. */
  async next(conversation: ConversationItem[]): Promise<{ policy: ApprovalPolicy; next: NextStep }> {
    const step = this.rules
      ? { policy: this.rules, next: await llm.planNextStep(conversation) }
      : await llm.beginRun(conversation);
    this.rules = step.policy;
    return step;
  }
}
