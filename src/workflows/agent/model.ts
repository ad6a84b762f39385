// The model's steps of a run, and the rules the run goes by, which come with the model's first answer.
import type { ConversationItem, NextStep, TurnContext } from '../../activities/llm.js';
import type { ApprovalPolicy } from '../../approval/schemas.js';
import { llm, run } from '../activities.js';
import { type CodeVersion, FEWER_STEPS_PATCH } from '../patches.js';

export class ModelSteps {
  private constructor(
    /** Whether the run started with FEWER_STEPS_PATCH. */
    readonly fewerSteps: boolean,
    private rules: ApprovalPolicy | undefined,
  ) {}

  /** Runs from before fewer-steps asked for the rules first, on their own. */
  static async begin(code: CodeVersion): Promise<ModelSteps> {
    const fewerSteps = code.has(FEWER_STEPS_PATCH);
    return new ModelSteps(fewerSteps, fewerSteps ? undefined : await run.runPolicy());
  }

  /** A step the model took in a call's activity (src/activities/tools.ts, `then`), under the run's rules. */
  took(next: NextStep): { policy: ApprovalPolicy; next: NextStep } {
    if (!this.rules) throw new Error('a step was taken with a call before the run had its rules');
    return { policy: this.rules, next };
  }

  /**
   * The model's next step on the conversation so far, with the rules in force; each call that will wait for a person
   * comes with what the run would read next for it (src/activities/prepare-calls.ts), read under those rules.
   */
  async next(
    conversation: ConversationItem[],
    asker: Omit<TurnContext, 'policy'>,
  ): Promise<{ policy: ApprovalPolicy; next: NextStep }> {
    const step = this.rules
      ? { policy: this.rules, next: await llm.planNextStep(conversation, { ...asker, policy: this.rules }) }
      : await llm.beginRun(conversation, asker);
    this.rules = step.policy;
    return step;
  }
}
