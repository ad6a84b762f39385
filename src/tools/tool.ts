// What a tool is: a name, a description, a zod parameter schema, a risk, whether it may be repeated, and
// execute(args).
import type { WebClient } from '@slack/web-api';
import { toJSONSchema, type z } from 'zod';
import type { RepeatKind, Risk } from '../approval/schemas.js';

export interface ToolContext {
  slack: WebClient;
  /** URL prefixes the webhook tool may call (WEBHOOK_ALLOWLIST). */
  webhookAllowlist: string[];
  /** The person who asked, for tools that act on their behalf. */
  requesterId: string;
  /**
   * `<run id>/<call id>`: the same on every attempt of one approved call, different for every other call. Sent as
   * an idempotency key, or stored with what the call creates so that a retry can find it.
   */
  callKey: string;
  /** 1 on the first attempt; a later attempt follows one whose outcome is unknown. */
  attempt: number;
}

/** What a tool did, in a form both the model and a person can read. */
export interface ToolResult {
  summary: string;
  data?: Record<string, unknown>;
}

/**
 * What may happen after an attempt whose outcome is unknown (a timeout, a lost answer, a worker lost mid-call):
 * - `safe`: repeating changes nothing (reads); retried.
 * - `look_up_first`: a retry first looks for the earlier attempt's effect (`lookUp`) and repeats only if absent.
 * - `idempotency_key`: every attempt carries the same key (`callKey`), so the other side can drop a repeat.
 * - `once`: attempted once; an unknown outcome is reported as such, never repeated.
 */
export type Repeat<Params> = { kind: RepeatKind } & (
  | { kind: 'safe' }
  | {
      kind: 'look_up_first';
      /** What the earlier attempt did, when it is found to have done it; undefined: not done, run it. */
      lookUp(args: Params, context: ToolContext): Promise<ToolResult | undefined>;
    }
  | { kind: 'idempotency_key' }
  | { kind: 'once' }
);

export type { RepeatKind };

/** Arguments checked against a tool's input schema: the value to run with, or what is wrong with it. */
export type Validated =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; issues: Array<{ path: string; message: string }> };

/** "arguments.channel: expected …; …" — each problem with where it is, for a person or a model to act on. */
export function describeIssues(issues: Array<{ path: string; message: string }>, under?: string): string {
  return issues
    .map(({ path, message }) => `${[under, path].filter(Boolean).join('.') || '(root)'}: ${message}`)
    .join('; ');
}

/** zod's issues in the same form. */
export function zodIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/** Where a tool comes from when it is not built in: an MCP server, with what that server declares about it. */
export interface ToolOrigin {
  server: string;
  /** The tool's own name on its server. */
  tool: string;
  title?: string | undefined;
  /** The MCP annotations as given (hints, untrusted unless `annotationsTrusted`). */
  annotations?: Record<string, unknown> | undefined;
  /** The operator trusts this server's annotations (`trustAnnotations` in MCP_CONFIG): they set its risk and retries. */
  annotationsTrusted?: boolean;
}

/**
 * Where a tool reaches beyond the workspace. `reads`: what it returns can come from anyone out there (a web page, an
 * endpoint's answer), so a run that took it in may carry instructions planted for the model. `sends`: a call can carry
 * data out (a request's body, or only its URL). A run that has read from outside asks a person before any call that
 * sends (src/approval/policy.ts).
 */
export interface OutsideReach {
  reads: boolean;
  sends: boolean;
}

/** A tool as the agent uses it: built in (from a zod schema, see defineTool) or from an MCP server (a JSON Schema). */
export interface Tool {
  name: string;
  description: string;
  /** The arguments' JSON Schema, as offered to the model. */
  inputSchema: Record<string, unknown>;
  validate(args: unknown): Validated;
  /** Fixed, or computed from the arguments. */
  risk: Risk | ((args: Record<string, unknown>) => Risk);
  repeat: Repeat<Record<string, unknown>>;
  /** A refusal before anything is proposed to a person (e.g. a URL not on the allowlist); undefined when fine. */
  refuse?: (
    args: Record<string, unknown>,
    context: Pick<ToolContext, 'webhookAllowlist'>,
  ) => string | undefined;
  execute(args: Record<string, unknown>, context: ToolContext): Promise<ToolResult>;
  origin?: ToolOrigin;
  /** Absent: the tool stays within the workspace (Slack's own API). */
  outside?: OutsideReach;
}

/** A built-in tool as written: its arguments typed by a zod schema. */
export interface ZodTool<Params extends z.ZodObject> {
  name: string;
  description: string;
  parameters: Params;
  risk: Risk | ((args: z.infer<Params>) => Risk);
  repeat: Repeat<z.infer<Params>>;
  refuse?: (args: z.infer<Params>, context: Pick<ToolContext, 'webhookAllowlist'>) => string | undefined;
  execute(args: z.infer<Params>, context: ToolContext): Promise<ToolResult>;
  outside?: OutsideReach;
}

/** A built-in tool from its zod schema: the JSON Schema offered to the model and the check are both derived from it. */
export function defineTool<Params extends z.ZodObject>(tool: ZodTool<Params>): Tool {
  const { parameters, ...rest } = tool;
  return {
    ...(rest as unknown as Omit<Tool, 'inputSchema' | 'validate'>),
    inputSchema: toJSONSchema(parameters, { io: 'input' }) as Record<string, unknown>,
    validate(args) {
      const parsed = parameters.safeParse(args);
      return parsed.success
        ? { ok: true, value: parsed.data as Record<string, unknown> }
        : { ok: false, issues: zodIssues(parsed.error) };
    },
  };
}

export function riskOf(tool: Tool, args: Record<string, unknown>): Risk {
  return typeof tool.risk === 'function' ? tool.risk(args) : tool.risk;
}

/** A failure the model should hear about (bad channel, refused URL), as opposed to an outage to retry. */
export class ToolError extends Error {
  override name = 'ToolError';
}

/**
 * The call went out but what it did is unknown (a timeout, a 5xx after the request was sent): reported to the
 * model and the thread as "may have run", never repeated.
 */
export class OutcomeUnknownError extends Error {
  override name = 'OutcomeUnknownError';
}
