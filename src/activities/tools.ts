// Runs a tool the policy (and, if needed, a person) let through, attempting it only as often as the tool says is safe.

import { WebAPIPlatformError, WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import { Context } from '@temporalio/activity';
import { proposalDigest } from '../approval/digest.js';
import { toolRuns } from '../metrics.js';
import { describeIssues, OutcomeUnknownError, type Tool, ToolError, type ToolResult } from '../tools/tool.js';
import { inSpan, tracingToolArguments } from '../tracing.js';
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
}

export function createToolActivities(deps: {
  slack: WebClient;
  webhookAllowlist: string[];
  tools: readonly Tool[];
}) {
  const { tools } = deps;
  return {
    async runTool(call: ToolCall): Promise<ToolOutcome> {
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
    },
  };

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
