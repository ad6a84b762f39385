// What a tool is: a name, a description, a zod parameter schema, a risk, and execute(args).
import type { WebClient } from '@slack/web-api';
import type { z } from 'zod';
import type { Risk } from '../approval/schemas.js';

export interface ToolContext {
  slack: WebClient;
  /** URL prefixes the webhook tool may call (WEBHOOK_ALLOWLIST). */
  webhookAllowlist: string[];
  /** The person who asked, for tools that act on their behalf. */
  requesterId: string;
}

/** What a tool did, in a form both the model and a person can read. */
export interface ToolResult {
  summary: string;
  data?: Record<string, unknown>;
}

export interface Tool<Params extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  parameters: Params;
  /** Fixed, or computed from the arguments. */
  risk: Risk | ((args: z.infer<Params>) => Risk);
  /** A refusal before anything is proposed to a person (e.g. a URL not on the allowlist); undefined when fine. */
  refuse?: (args: z.infer<Params>, context: ToolContext) => string | undefined;
  execute(args: z.infer<Params>, context: ToolContext): Promise<ToolResult>;
}

/** Keeps each tool file's arguments typed by its own schema. */
export function defineTool<Params extends z.ZodObject>(tool: Tool<Params>): Tool {
  return tool as unknown as Tool;
}

export function riskOf(tool: Tool, args: Record<string, unknown>): Risk {
  return typeof tool.risk === 'function' ? tool.risk(args) : tool.risk;
}

/** A failure the model should hear about (bad channel, refused URL), as opposed to an outage to retry. */
export class ToolError extends Error {
  override name = 'ToolError';
}
