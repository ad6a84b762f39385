// Runs a tool the policy (and, if needed, a person) let through.
import { WebAPIPlatformError, WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import { type Tool, ToolError, type ToolResult } from '../tools/tool.js';
import { asTemporalFailure } from './slack.js';

export type ToolOutcome = { ok: true; result: ToolResult } | { ok: false; error: string };

export function createToolActivities(deps: {
  slack: WebClient;
  webhookAllowlist: string[];
  tools: readonly Tool[];
}) {
  const { tools } = deps;
  return {
    async runTool(call: {
      tool: string;
      arguments: Record<string, unknown>;
      requesterId: string;
    }): Promise<ToolOutcome> {
      const tool = tools.find((t) => t.name === call.tool);
      if (!tool) return { ok: false, error: `unknown tool "${call.tool}"` };
      // The arguments were validated when proposed; validate again so nothing unchecked ever runs.
      const args = tool.parameters.safeParse(call.arguments);
      if (!args.success) return { ok: false, error: `invalid arguments: ${args.error.message}` };
      try {
        const result = await tool.execute(args.data, {
          slack: deps.slack,
          webhookAllowlist: deps.webhookAllowlist,
          requesterId: call.requesterId,
        });
        return { ok: true, result };
      } catch (error) {
        // What the model should hear about comes back as a result; outages are retried by Temporal.
        if (error instanceof ToolError) return { ok: false, error: error.message };
        if (error instanceof WebAPIPlatformError)
          return { ok: false, error: `Slack said: ${error.data.error}` };
        if (error instanceof WebAPIRateLimitedError) asTemporalFailure(error, `running ${call.tool}`);
        throw error;
      }
    },
  };
}
