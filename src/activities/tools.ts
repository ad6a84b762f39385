// Runs a tool the policy (and, if needed, a person) let through, attempting it only as often as the tool says is safe.

import { WebAPIPlatformError, WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import { Context, log } from '@temporalio/activity';
import { actionOf, toolOutput } from '../approval/call-result.js';
import { proposalDigest } from '../approval/digest.js';
import type { ActionRecord } from '../approval/run.js';
import type { ProposalEdit } from '../approval/schemas.js';
import { toolRuns } from '../metrics.js';
import { describeIssues, OutcomeUnknownError, type Tool, ToolError, type ToolResult } from '../tools/tool.js';
import { inSpan, tracingToolArguments } from '../tracing.js';
import type { ConversationItem, NextStep, NextStepFn, TurnContext } from './llm.js';
import { asTemporalFailure } from './slack.js';

export type ToolOutcome =
  | { ok: true; result: ToolResult }
  | { ok: false; error: string }
  /** The call went out and what it did is unknown: it may have run. Never repeated. */
  | { ok: false; unknown: true; error: string };

export interface ToolCall {
  tool: string;
  arguments: Record<string, unknown>;
  /** The digest of the call that was proposed (and approved): what runs must be exactly that. */
  digest: string;
  requesterId: string;
  /** `<run id>/<call id>`, the same on every attempt. */
  callKey: string;
  /** The run's last call of a model turn: once it has run, the model's next step is taken in the same activity. */
  then?: ThenAskModel;
}

/**
 * The model's next step, taken once the call has run, where the run would take it next
 * (src/workflows/agent/tool-call.ts): an activity, a workflow task and six history events fewer per call.
 */
export interface ThenAskModel {
  callId: string;
  /** The run's conversation before this call's output, which is added here as the workflow would add it. */
  conversation: ConversationItem[];
  /** As the run would ask: its rules, its reads, and where a final answer goes (its result lacks this call's line). */
  context: TurnContext;
  /** How approvers changed the call, which the model is told with its result. */
  edits: ProposalEdit[];
  /** The standing approval it ran under, for the result's line. */
  standing?: ActionRecord['standing'];
}

/**
 * Time kept back from the activity's timeout, past the model's answer: the reads made with it (./prepare-calls.ts, 5 s
 * at most) and the activity's answer on its way to Temporal. The call's outcome is never lost to the model's time.
 */
const ANSWER_MARGIN_MS = 10_000;
/** Less than this left for the model, and the run asks it in an activity of its own, as it would anyway. */
const MODEL_TIME_MIN_MS = 10_000;

export function createToolActivities(deps: {
  slack: WebClient;
  webhookAllowlist: string[];
  tools: readonly Tool[];
  /** The model's step (./llm.ts, createModelSteps), for calls that go on to it. */
  nextStep?: NextStepFn;
}) {
  const { tools } = deps;

  /**
   * The model's next step, within what is left of the activity's time. Whatever goes wrong here (the model fails,
   * answers too slowly, refuses) leaves the step to the run, which takes it as it would have: the call's outcome is
   * already known and must reach the workflow, so nothing here may fail the activity.
   */
  async function goOn(call: ToolCall, then: ThenAskModel, outcome: ToolOutcome, startedMs: number) {
    if (!deps.nextStep) return undefined;
    const left = Context.current().info.startToCloseTimeoutMs - (Date.now() - startedMs) - ANSWER_MARGIN_MS;
    if (left < MODEL_TIME_MIN_MS) return undefined;
    const ran = { tool: call.tool, arguments: call.arguments };
    const conversation: ConversationItem[] = [
      ...then.conversation,
      { type: 'output', callId: then.callId, output: toolOutput(ran, outcome, then.edits) },
    ];
    const { reply } = then.context;
    const context: TurnContext = {
      ...then.context,
      ...(reply
        ? {
            reply: {
              ...reply,
              outcome: {
                ...reply.outcome,
                actions: [...reply.outcome.actions, actionOf(ran, outcome, then.standing)],
              },
            },
          }
        : {}),
    };
    const budget = AbortSignal.timeout(left);
    try {
      return await deps.nextStep(conversation, context, budget);
    } catch (error) {
      log.info("the model's next step was left to the run", {
        call_key: call.callKey,
        error: (error as Error).message,
      });
      return undefined;
    }
  }

  return {
    async runTool(call: ToolCall): Promise<ToolOutcome & { next?: NextStep }> {
      const startedMs = Date.now();
      const outcome = await runCounted(call);
      const next = call.then ? await goOn(call, call.then, outcome, startedMs) : undefined;
      return next ? { ...outcome, next } : outcome;
    },
  };

  /** Runs the call once, counted and traced. */
  async function runCounted(call: ToolCall): Promise<ToolOutcome> {
    try {
      // The tool's name and how it ended; its arguments only when TRACE_TOOL_ARGUMENTS allows them.
      const attributes = {
        'tool.name': call.tool,
        ...(tracingToolArguments() ? { 'tool.arguments': JSON.stringify(call.arguments) } : {}),
      };
      const outcome = await inSpan(`tool ${call.tool}`, attributes, async (span) => {
        const ended = await runOne(call);
        span.setAttribute('tool.outcome', ended.ok ? 'ok' : 'unknown' in ended ? 'unknown' : 'error');
        return ended;
      });
      toolRuns.inc({
        tool: call.tool,
        outcome: outcome.ok ? 'ok' : 'unknown' in outcome ? 'unknown' : 'error',
      });
      return outcome;
    } catch (error) {
      toolRuns.inc({ tool: call.tool, outcome: 'failed' });
      throw error;
    }
  }

  async function runOne(call: ToolCall): Promise<ToolOutcome> {
    const tool = tools.find((t) => t.name === call.tool);
    if (!tool) return { ok: false, error: `unknown tool "${call.tool}"` };
    // The arguments were validated when proposed; validate again so nothing unchecked ever runs.
    const args = tool.validate(call.arguments);
    if (!args.ok) return { ok: false, error: `invalid arguments: ${describeIssues(args.issues)}` };
    if (proposalDigest({ tool: call.tool, arguments: call.arguments }) !== call.digest) {
      return { ok: false, error: 'not run: the call differs from the one that was proposed and approved' };
    }
    const context = {
      slack: deps.slack,
      webhookAllowlist: deps.webhookAllowlist,
      requesterId: call.requesterId,
      callKey: call.callKey,
      attempt: Context.current().info.attempt,
    };
    try {
      if (context.attempt > 1 && tool.repeat.kind === 'look_up_first') {
        const earlier = await tool.repeat.lookUp(args.value, context);
        if (earlier) return { ok: true, result: earlier };
      }
      return { ok: true, result: await tool.execute(args.value, context) };
    } catch (error) {
      // What the model should hear about comes back as a result; outages are retried by Temporal when the tool
      // allows it, and reported as "may have run" when it does not.
      if (error instanceof ToolError) return { ok: false, error: error.message };
      if (error instanceof OutcomeUnknownError) return { ok: false, unknown: true, error: error.message };
      if (error instanceof WebAPIPlatformError)
        return { ok: false, error: `Slack said: ${error.data.error}` };
      if (error instanceof WebAPIRateLimitedError) asTemporalFailure(error, `running ${call.tool}`);
      throw error;
    }
  }
}
