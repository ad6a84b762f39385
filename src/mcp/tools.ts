// Tools from MCP servers, behind Countersign's policies and approvals. One client per server (the official SDK), each
// server's tools offered to the model as `<server>__<tool>` with the server's own JSON Schema (checked with ajv), a
// risk from the tool's annotations (safe by default, as the MCP specification reads them, and only hints unless the
// operator trusts the server), attempted once unless a trusted server says repeating it is harmless, and never
// loosened while the app runs.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { Ajv } from 'ajv';
import { RISK_RANK } from '../approval/policy.js';
import type { Risk } from '../approval/schemas.js';
import { type Logger, redactText } from '../logger.js';
import {
  OutcomeUnknownError,
  type OutsideReach,
  type Repeat,
  type Tool,
  ToolError,
  type ToolResult,
} from '../tools/tool.js';
import { inSpan } from '../tracing.js';
import type { McpServerConfig } from './config.js';

/** OpenAI's limit on a function's name, and the characters it allows. */
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** What of a server's stderr is kept to explain a failed start. */
export const STDERR_TAIL_MAX = 2_000;
/** How long one tool call may take before its outcome counts as unknown. */
const CALL_TIMEOUT_MS = 50_000;
/** What of a result's text goes into the thread's summary line. */
const SUMMARY_MAX = 200;
/** What of a result goes back to the model. */
const RESULT_TEXT_MAX = 20_000;
/**
 * What of a tool's description the model is offered. What a tool does fits in a paragraph; a server's longer text is
 * room for instructions aimed at the model, offered again on every turn of every run.
 */
export const TOOL_DESCRIPTION_MAX = 1_000;
/** The lowest risk an untrusted server's annotations can give a tool: hints may not let a call run unasked. */
const UNTRUSTED_RISK_FLOOR: Risk = 'medium';

/**
 * The MCP specification's defaults: a tool is a destructive write reaching outside unless it says otherwise. Its
 * annotations are hints: unless the operator trusts the server, they never bring a tool below medium.
 */
export function riskFromAnnotations(annotations: McpTool['annotations'], trusted: boolean): Risk {
  const declared: Risk =
    annotations?.readOnlyHint === true ? 'low' : annotations?.destructiveHint === false ? 'medium' : 'high';
  return trusted || RISK_RANK[declared] >= RISK_RANK[UNTRUSTED_RISK_FLOOR] ? declared : UNTRUSTED_RISK_FLOOR;
}

/**
 * Reads are safe to repeat, and a write when repeating it changes nothing more — on a trusted server's word only: an
 * untrusted server's tool is attempted once.
 */
export function repeatFromAnnotations(
  annotations: McpTool['annotations'],
  trusted: boolean,
): Repeat<Record<string, unknown>> {
  return trusted && (annotations?.readOnlyHint === true || annotations?.idempotentHint === true)
    ? { kind: 'safe' }
    : { kind: 'once' };
}

/** A tool reaches outside unless a trusted server says it does not (`openWorldHint: false`). */
export function reachFromAnnotations(annotations: McpTool['annotations'], trusted: boolean): OutsideReach {
  const open = !trusted || annotations?.openWorldHint !== false;
  return { reads: open, sends: open };
}

/** The annotations as words for an approver: what the server says the tool does. */
export function annotationWords(annotations: Record<string, unknown> | undefined): string[] {
  const words: string[] = [];
  if (annotations?.readOnlyHint === true) words.push('read-only');
  else {
    words.push(annotations?.destructiveHint === false ? 'changes things, not destructive' : 'destructive');
    if (annotations?.idempotentHint === true) words.push('safe to repeat');
  }
  if (annotations?.openWorldHint !== false) words.push('reaches outside');
  return words;
}

/** What of a tool may only get stricter while the app runs: its risk, whether it is retried, where it reaches. */
export interface ToolBounds {
  risk: Risk;
  repeat: 'safe' | 'once';
  outside: OutsideReach;
}

/** A tool's bounds from what its server declares, trusted or not. */
export function boundsFromAnnotations(annotations: McpTool['annotations'], trusted: boolean): ToolBounds {
  return {
    risk: riskFromAnnotations(annotations, trusted),
    repeat: repeatFromAnnotations(annotations, trusted).kind === 'safe' ? 'safe' : 'once',
    outside: reachFromAnnotations(annotations, trusted),
  };
}

/**
 * The stricter of a tool's bounds so far and what its server declares now, and what the server tried to loosen. A
 * server that listed a tool as destructive cannot make it read-only by changing its list: lowering takes a restart,
 * which an operator does knowingly.
 */
export function stricterBounds(
  before: ToolBounds,
  now: ToolBounds,
): { bounds: ToolBounds; loosened: string[] } {
  const loosened: string[] = [];
  const riskLowered = RISK_RANK[now.risk] < RISK_RANK[before.risk];
  if (riskLowered) loosened.push(`risk ${before.risk} → ${now.risk}`);
  if (before.repeat === 'once' && now.repeat === 'safe') loosened.push('attempted once → retried');
  if (before.outside.reads && !now.outside.reads) loosened.push('no longer reads from outside');
  if (before.outside.sends && !now.outside.sends) loosened.push('no longer sends outside');
  return {
    bounds: {
      risk: riskLowered ? before.risk : now.risk,
      repeat: before.repeat === 'once' ? 'once' : now.repeat,
      outside: {
        reads: before.outside.reads || now.outside.reads,
        sends: before.outside.sends || now.outside.sends,
      },
    },
    loosened,
  };
}

/** A tool's risk as calls will meet it: the policy's pin (`tools.<name>.risk`) over what the tool declares. */
export function appliedRisk(
  tool: Pick<Tool, 'name' | 'risk'>,
  toolRisks?: Readonly<Record<string, Risk>>,
): string {
  const pinned = toolRisks?.[tool.name];
  if (pinned) return `${pinned} (pinned by the policy)`;
  return typeof tool.risk === 'string' ? tool.risk : 'depends on the arguments';
}

/** How a server's annotations are taken, in words for the operator. */
export function annotationTrustWords(trusted: boolean): string {
  return trusted
    ? 'annotations trusted'
    : 'annotations not trusted: each tool medium risk or higher, attempted once, reaching outside';
}

/** One MCP server's tools as calls will meet them, for the operator: `lookup low, purge high (pinned by the policy)`. */
export function serverToolsText(
  server: string,
  tools: readonly Tool[],
  toolRisks?: Readonly<Record<string, Risk>>,
): string {
  return tools
    .filter((tool) => tool.origin?.server === server)
    .map((tool) => `${tool.origin?.tool} ${appliedRisk(tool, toolRisks)}`)
    .join(', ');
}

interface Connection {
  config: McpServerConfig;
  client: Client | undefined;
  /** The end of a stdio server's stderr, as it came: read through `stderrTail`. */
  stderr: string;
  /** Whether the start of its stderr was dropped to keep it within STDERR_TAIL_MAX. */
  stderrCut: boolean;
  /** A stdio server's own empty working directory, when its entry names none; kept across restarts, removed at close. */
  workdir?: string;
}

/**
 * What of a server's stderr may be shown (by the doctor) or logged: a server that prints its environment must not put
 * the credentials its entry gave it in front of anyone. Every configured credential is known by value to
 * `redactText` (config.ts registers the header, env and `${VAR}` values); a line the tail's cut went through may hold
 * the second half of one, which nothing would recognise, so that line goes whole.
 */
function stderrTail(connection: Connection): string {
  const { stderr, stderrCut } = connection;
  const newline = stderr.indexOf('\n');
  const whole = !stderrCut ? stderr : newline === -1 ? '' : stderr.slice(newline + 1);
  return redactText(whole.trim());
}

/**
 * Where a stdio server runs when its entry names no `cwd`: an empty directory of its own under the OS's temporary
 * directory, never the app's, where `.env` and the embedded Temporal server's state are a relative path away (and a
 * filesystem-like server given "." would be handed them). Not a sandbox: see "Security model" in the README.
 */
function workdirOf(connection: Connection): string {
  connection.workdir ??= mkdtempSync(join(tmpdir(), `countersign-mcp-${connection.config.name}-`));
  return connection.workdir;
}

export interface McpTools {
  tools: Tool[];
  /** Servers that could not be started or listed, each with why (its stderr tail for a stdio server). */
  problems: Array<{ server: string; error: string }>;
  close(): Promise<void>;
}

function transportFor(config: McpServerConfig, connection: Connection): Transport {
  if (config.transport === 'http') {
    return new StreamableHTTPClientTransport(new URL(config.url), {
      requestInit: { headers: config.headers },
      // The headers are this server's credentials: a redirect is followed only within its origin (the SDK also takes
      // one from http up to https on the same host), so they reach no other server, and never plain http off this
      // machine (start-up refuses http:// with headers anywhere else; https → http changes the origin). Any other
      // redirect fails the request, and the server's problem names where it pointed. Said here, not left to the
      // SDK's default: earlier versions followed every redirect, custom headers and all.
      redirectPolicy: 'same-origin',
    });
  }
  const transport = new StdioClientTransport({
    command: config.command,
    args: config.args,
    // A server gets the minimal environment the SDK gives every server (PATH, HOME, …) and what its entry names:
    // never the worker's own secrets.
    env: { ...getDefaultEnvironment(), ...config.env },
    cwd: config.cwd ?? workdirOf(connection),
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => {
    const stderr = connection.stderr + chunk.toString();
    connection.stderrCut ||= stderr.length > STDERR_TAIL_MAX;
    connection.stderr = stderr.slice(-STDERR_TAIL_MAX);
  });
  return transport;
}

async function connect(
  connection: Connection,
  logger: Logger,
  onToolsChanged: (tools: McpTool[]) => void,
): Promise<Client> {
  const client = new Client(
    { name: 'countersign', version: '0.1.0' },
    {
      // A server that adds or removes tools while running says so; its tools are listed again and replaced.
      listChanged: {
        tools: {
          onChanged: (error, tools) => {
            if (error)
              logger.warn('could not list an MCP server’s changed tools', {
                server: connection.config.name,
                error: error.message,
              });
            else if (tools) onToolsChanged(tools);
          },
        },
      },
    },
  );
  client.onclose = () => {
    // A crashed server is started again at its next call.
    if (connection.client === client) connection.client = undefined;
    logger.warn('MCP server connection closed', { server: connection.config.name });
  };
  await client.connect(transportFor(connection.config, connection));
  connection.client = client;
  return client;
}

function textOf(result: CallToolResult): string {
  return (result.content ?? [])
    .map((item) => (item.type === 'text' ? item.text : `[${item.type}]`))
    .join('\n')
    .slice(0, RESULT_TEXT_MAX);
}

function asTool(
  connection: Connection,
  mcp: McpTool,
  bounds: ToolBounds,
  ajv: Ajv,
  reconnect: () => Promise<Client>,
): Tool {
  const server = connection.config.name;
  const validate = ajv.compile(mcp.inputSchema);
  const annotations = mcp.annotations as Record<string, unknown> | undefined;
  const description = mcp.description ?? mcp.title ?? mcp.name;
  return {
    name: `${server}__${mcp.name}`,
    description:
      description.length > TOOL_DESCRIPTION_MAX
        ? `${description.slice(0, TOOL_DESCRIPTION_MAX)}… (cut: ${description.length - TOOL_DESCRIPTION_MAX} more characters)`
        : description,
    inputSchema: mcp.inputSchema as Record<string, unknown>,
    validate(args) {
      if (validate(args)) return { ok: true, value: args as Record<string, unknown> };
      return {
        ok: false,
        issues: (validate.errors ?? []).map((e) => ({
          path: e.instancePath.replace(/^\//, '').replaceAll('/', '.'),
          message: e.message ?? 'is invalid',
        })),
      };
    },
    risk: bounds.risk,
    repeat: { kind: bounds.repeat },
    outside: bounds.outside,
    origin: {
      server,
      tool: mcp.name,
      title: mcp.title ?? mcp.annotations?.title,
      annotations,
      annotationsTrusted: connection.config.trustAnnotations === true,
    },
    async execute(args): Promise<ToolResult> {
      let client = connection.client;
      if (!client) {
        try {
          client = await reconnect();
        } catch (error) {
          // Nothing was sent: the server is not there to receive it.
          throw new ToolError(`the MCP server "${server}" is not running: ${(error as Error).message}`);
        }
      }
      let result: CallToolResult;
      try {
        const open = client;
        result = await inSpan(
          'mcp tools/call',
          { 'mcp.server': server, 'mcp.tool': mcp.name },
          async () =>
            (await open.callTool({ name: mcp.name, arguments: args }, undefined, {
              timeout: CALL_TIMEOUT_MS,
            })) as CallToolResult,
        );
      } catch (error) {
        // The request went out; whether the server acted before failing or going silent is unknown.
        throw new OutcomeUnknownError(
          `the MCP server "${server}" did not answer ${mcp.name} (${(error as Error).message}); it may have run`,
        );
      }
      const text = textOf(result);
      if (result.isError) throw new ToolError(`${mcp.name} failed: ${text || 'no details given'}`);
      return {
        summary: `${server} · ${mcp.name}: ${text.split('\n')[0]?.slice(0, SUMMARY_MAX) ?? 'done'}`,
        data: {
          text,
          ...(result.structuredContent ? { structured: result.structuredContent } : {}),
        },
      };
    },
  };
}

/**
 * Starts every configured server and adds its tools to `tools` (which holds the built-in ones), in place: the same array
 * the worker's activities read, so a server's `tools/list_changed` reaches them without a restart. A server that fails
 * to start is reported with its stderr tail, and the others still work; a tool name clash, or a name the model cannot
 * take, is refused.
 */
export async function connectMcpTools(
  servers: readonly McpServerConfig[],
  logger: Logger,
  tools: Tool[] = [],
): Promise<McpTools> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const connections: Connection[] = [];
  const problems: McpTools['problems'] = [];
  /** Every tool's strictest bounds since start, by name: kept when a tool is relisted, or removed and listed again. */
  const strictest = new Map<string, ToolBounds>();

  /** A listed tool's bounds: what its server declares, never looser than before; a loosening is logged. */
  const boundsOf = (connection: Connection, mcp: McpTool): ToolBounds => {
    const name = `${connection.config.name}__${mcp.name}`;
    const declared = boundsFromAnnotations(mcp.annotations, connection.config.trustAnnotations === true);
    const before = strictest.get(name);
    const { bounds, loosened } = before
      ? stricterBounds(before, declared)
      : { bounds: declared, loosened: [] };
    if (loosened.length > 0) {
      logger.warn(
        'an MCP server loosened a tool while running: it stays as strict as it was until a restart',
        {
          server: connection.config.name,
          tool: mcp.name,
          loosened,
          kept: bounds,
        },
      );
    }
    strictest.set(name, bounds);
    return bounds;
  };

  /** Replaces one server's tools in the list with what it lists now. */
  const install = (connection: Connection, listed: McpTool[], reconnect: () => Promise<Client>) => {
    const server = connection.config.name;
    for (let i = tools.length - 1; i >= 0; i -= 1)
      if (tools[i]?.origin?.server === server) tools.splice(i, 1);
    for (const mcp of listed) {
      const tool = asTool(connection, mcp, boundsOf(connection, mcp), ajv, reconnect);
      if (!TOOL_NAME.test(tool.name)) {
        problems.push({ server, error: `tool "${mcp.name}": its name cannot be offered to a model` });
      } else if (tools.some((t) => t.name === tool.name)) {
        problems.push({ server, error: `tool "${mcp.name}": ${tool.name} is already a tool` });
      } else {
        tools.push(tool);
      }
    }
  };

  for (const config of servers) {
    const connection: Connection = { config, client: undefined, stderr: '', stderrCut: false };
    connections.push(connection);
    const reconnect = (): Promise<Client> =>
      connect(connection, logger, (listed) => {
        install(connection, listed, reconnect);
        logger.info('MCP server changed its tools', {
          server: config.name,
          tools: listed.map((t) => t.name),
        });
      });
    try {
      const client = await reconnect();
      install(connection, (await client.listTools()).tools, reconnect);
    } catch (error) {
      const stderr = stderrTail(connection);
      problems.push({
        server: config.name,
        error: `${(error as Error).message}${stderr ? ` — stderr: ${stderr}` : ''}`,
      });
      await connection.client?.close().catch(() => {});
      connection.client = undefined;
    }
  }
  return {
    tools,
    problems,
    async close() {
      await Promise.all(connections.map((c) => c.client?.close().catch(() => {})));
      for (const { workdir } of connections) if (workdir) rmSync(workdir, { recursive: true, force: true });
    },
  };
}
