// Countersign as an MCP server: any MCP client (an IDE's agent, a desktop assistant, a CI bot) uses the configured tools
// through the same approvals as the agent. Streamable HTTP with the official SDK's server, stateless: each request
// stands alone, so any process serving the gateway can take any request, and what must outlive a connection lives in
// Temporal — each tools/call is a workflow (src/workflows/gateway-call.ts) that a client asking again attaches to.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { WebClient } from '@slack/web-api';
import {
  type Client,
  QueryNotRegisteredError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { checkProposal } from '../activities/llm.js';
import type { AgentToken, ApprovalPolicy, GatewayOutcome } from '../approval/schemas.js';
import type { Logger } from '../logger.js';
import { withoutLeadingEmoji } from '../slack/blocks/text.js';
import { REQUESTER_REFUSAL_TEXT, type RequesterCheck } from '../slack/requester-access.js';
import type { Tool } from '../tools/tool.js';
import { gatewayCallWorkflow } from '../workflows/gateway-call.js';
import { agentStatusQuery, agentTokenStatusQuery } from '../workflows/messages.js';
import { agentTokenWorkflowId, tokenHash } from './tokens.js';

/** Where MCP clients connect: `http://<host>:<port>/mcp`, as the MCP specification's examples have it. */
export const GATEWAY_PATH = '/mcp';
/**
 * How often a waiting call tells its client it is still waiting: well inside a client's request timeout (the SDK's is
 * 60 s, restarted by each progress notification when the client asks for that), rare enough to cost nothing.
 */
export const PROGRESS_EVERY_MS = 5_000;
/** Time to read a token's workflow before the gateway answers 503: a client will retry, nothing was started. */
const TOKEN_CHECK_TIMEOUT_MS = 5_000;

export interface GatewayDeps {
  temporal: Client;
  taskQueue: string;
  /** The worker's live list: the built-in tools and the MCP servers'. */
  tools: readonly Tool[];
  policy: ApprovalPolicy;
  webhookAllowlist: string[];
  /** Where a call's card goes when its rule names no channel (APPROVALS_CHANNEL: config requires one). */
  channel: string;
  slack: WebClient;
  /** Whether the token's owner may still ask the agent (src/slack/requester-access.ts), asked at every request. */
  requester: RequesterCheck;
  logger: Logger;
  /**
   * Hand a call's first workflow task straight back to this process's worker (eager workflow start): only when
   * `temporal` is built on that worker's own connection, as in the worker role.
   */
  eagerStart?: boolean;
}

export interface Gateway {
  port: number;
  close(): Promise<void>;
}

/** The id of a call's workflow: the caller (its token) and what it asks (the digest of tool and canonical arguments). */
export function gatewayCallId(tokenId: string, digest: string): string {
  return `gateway/${tokenId}/${digest.replace(/^sha256:/, '')}`;
}

type Caller = { token: AgentToken };

/** 401 with what the client should do; nothing was started. */
function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(status === 401 ? { 'www-authenticate': 'Bearer realm="countersign"' } : {}),
  });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message }, id: null }));
}

/** The token's owner and client, or why the request is refused. */
async function authenticate(
  deps: GatewayDeps,
  req: IncomingMessage,
): Promise<{ ok: true; caller: Caller } | { ok: false; status: number; message: string }> {
  const header = req.headers.authorization ?? '';
  const presented = /^Bearer (\S+)$/i.exec(header)?.[1];
  const hash = presented ? tokenHash(presented) : undefined;
  const unknown = {
    ok: false as const,
    status: 401,
    message: 'Unknown or revoked token: create one in Countersign’s App Home (“Connect an agent”).',
  };
  if (!hash) return unknown;
  let token: AgentToken;
  try {
    token = await deps.temporal.withDeadline(Date.now() + TOKEN_CHECK_TIMEOUT_MS, () =>
      deps.temporal.workflow.getHandle(agentTokenWorkflowId(hash)).query(agentTokenStatusQuery),
    );
  } catch (error) {
    if (error instanceof WorkflowNotFoundError || error instanceof QueryNotRegisteredError) return unknown;
    // A token's workflow lives until it is revoked. Once it has ended, its query needs a worker to replay it, where
    // the server alone says it has ended: a revoked token is refused even while no worker answers.
    if (await hasEnded(deps.temporal, agentTokenWorkflowId(hash))) return unknown;
    deps.logger.warn('MCP gateway could not check a token', { error: (error as Error).message });
    return { ok: false, status: 503, message: 'Countersign cannot reach Temporal just now; try again.' };
  }
  if (token.status !== 'active') return unknown;
  // The token carries its owner's power to ask, which they may have lost since (left the workspace, REQUESTERS).
  const verdict = await deps.requester(deps.slack, token.owner.id);
  if (!verdict.ok) {
    return {
      ok: false,
      status: verdict.reason === 'unverifiable' ? 503 : 403,
      message: withoutLeadingEmoji(REQUESTER_REFUSAL_TEXT[verdict.reason]),
    };
  }
  return { ok: true, caller: { token } };
}

/** How long the server is given to say whether a token's workflow has ended, once its query could not answer. */
const TOKEN_ENDED_TIMEOUT_MS = 2_000;

async function hasEnded(temporal: Client, workflowId: string): Promise<boolean> {
  try {
    const described = await temporal.withDeadline(Date.now() + TOKEN_ENDED_TIMEOUT_MS, () =>
      temporal.workflow.getHandle(workflowId).describe(),
    );
    return described.status.name !== 'RUNNING';
  } catch {
    return false;
  }
}

/** What the client is given: the tool's result, or an error result saying why nothing (or what) ran. */
export function callResult(outcome: GatewayOutcome): CallToolResult {
  const error = (text: string): CallToolResult => ({ isError: true, content: [{ type: 'text', text }] });
  const who = outcome.reviewer ? (outcome.reviewer.name ?? outcome.reviewer.id) : 'an approver';
  const notes = outcome.notes ? ` Their notes: ${outcome.notes}` : '';
  switch (outcome.status) {
    case 'rejected':
      return error(`Rejected by ${who} in Slack; nothing was run.${notes}`);
    case 'timed_out':
      return error(`Nobody approved this call in time; nothing was run.${notes}`);
    case 'cancelled':
      return error(`Not run: ${outcome.reason ?? 'the approval was cancelled'}.`);
    case 'ran':
      break;
  }
  const result = outcome.result;
  if (!result) return error('Not run.');
  const edited = outcome.edits?.length
    ? [
        {
          type: 'text' as const,
          text: `An approver changed this call before approving it: ${outcome.edits.join('; ')}`,
        },
      ]
    : [];
  if (!result.ok) {
    const text = result.unknown
      ? `The call may have run; its outcome is unknown (${result.error}). Check before retrying.`
      : result.error;
    return { isError: true, content: [{ type: 'text', text }, ...edited] };
  }
  const data = result.result.data;
  const text = typeof data?.text === 'string' ? data.text : JSON.stringify(result.result);
  const structured = data?.structured as Record<string, unknown> | undefined;
  return {
    content: [{ type: 'text', text }, ...edited],
    ...(structured ? { structuredContent: structured } : {}),
  };
}

/** Whether a finished call's outcome is still given to a client asking the same call again (else it is a new call). */
export function stillAnswers(outcome: Pick<GatewayOutcome, 'answer_until'>, nowMs: number): boolean {
  return outcome.answer_until !== undefined && Date.parse(outcome.answer_until) > nowMs;
}

/** A finished call's outcome, when a client asking the same again should be given it rather than a new call. */
async function earlierOutcome(deps: GatewayDeps, workflowId: string): Promise<GatewayOutcome | undefined> {
  const handle = deps.temporal.workflow.getHandle(workflowId);
  try {
    const described = await handle.describe();
    if (described.status.name === 'RUNNING') return undefined;
    const outcome = (await handle.result()) as GatewayOutcome;
    return stillAnswers(outcome, Date.now()) ? outcome : undefined;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError || error instanceof WorkflowFailedError) return undefined;
    throw error;
  }
}

function mcpServer(deps: GatewayDeps, caller: Caller, connection: AbortSignal): Server {
  const server = new Server(
    { name: 'countersign', version: '0.1.0' },
    {
      capabilities: { tools: {} },
      instructions:
        'Tools run under Countersign’s approval policy: a risky call waits until a person approves it in Slack, and the request stays open meanwhile (progress notifications while it waits). If the connection drops, make the same call again: it attaches to the one waiting, and is never run twice.',
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: deps.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      inputSchema: tool.inputSchema as { type: 'object' },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { token } = caller;
    const client = { name: token.client, token_id: token.token_id };
    const check = checkProposal(
      {
        callId: 'gateway',
        name: request.params.name,
        arguments: JSON.stringify({
          arguments: request.params.arguments ?? {},
          reasoning: `Called by the MCP client “${token.client}”, which gives no reasons.`,
          // The client says nothing of risk: the tool's (or the policy's pin) decides.
          risk: 'low',
        }),
      },
      deps.tools,
      {
        webhookAllowlist: deps.webhookAllowlist,
        ...(deps.policy.toolRisks ? { toolRisks: deps.policy.toolRisks } : {}),
        request: `A call from the MCP client “${token.client}”, made through Countersign’s MCP gateway`,
      },
    );
    if (!check.ok) return { isError: true, content: [{ type: 'text', text: `Not run: ${check.error}` }] };
    const workflowId = gatewayCallId(token.token_id, check.proposal.digest);
    const earlier = await earlierOutcome(deps, workflowId);
    if (earlier) return callResult(earlier);
    const handle = await deps.temporal.workflow.start(gatewayCallWorkflow, {
      taskQueue: deps.taskQueue,
      workflowId,
      // The same call from the same client while the first waits is the first: never a second run.
      workflowIdConflictPolicy: 'USE_EXISTING',
      ...(deps.eagerStart ? { requestEagerStart: true } : {}),
      args: [{ proposal: check.proposal, requester: token.owner, client, channel: deps.channel }],
    });
    const progressToken = request.params._meta?.progressToken;
    // The client gone, its wait for the outcome stops too (no long poll left open for a day): the call goes on in
    // Temporal, and the same call later is given its outcome.
    const result = deps.temporal.withAbortSignal(
      connection,
      () => handle.result() as Promise<GatewayOutcome>,
    );
    const gone = () => extra.signal.aborted || connection.aborted;
    const disconnected = { status: 'cancelled', reason: 'the client disconnected' } as const;
    let ticks = 0;
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>((resolve) => {
        timer = setTimeout(() => resolve('tick'), PROGRESS_EVERY_MS);
      });
      let first: GatewayOutcome | 'tick';
      try {
        first = await Promise.race([result, tick]);
      } catch (error) {
        if (gone()) return callResult(disconnected);
        throw error;
      } finally {
        clearTimeout(timer);
      }
      if (first !== 'tick') return callResult(first);
      if (gone()) {
        result.catch(() => undefined);
        return callResult(disconnected);
      }
      if (progressToken === undefined) continue;
      ticks += 1;
      const status = await handle.query(agentStatusQuery).catch(() => undefined);
      await extra
        .sendNotification({
          method: 'notifications/progress',
          params: {
            progressToken,
            progress: ticks,
            message:
              status?.status === 'waiting_for_approval'
                ? 'Waiting for a person to approve this call in Slack.'
                : 'Running.',
          },
        })
        .catch(() => undefined);
    }
  });
  return server;
}

async function handle(deps: GatewayDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://gateway').pathname;
  if (path !== GATEWAY_PATH) {
    res.writeHead(404).end();
    return;
  }
  const auth = await authenticate(deps, req);
  if (!auth.ok) {
    // Never the token: whoever reads the log must not be able to present it.
    deps.logger.warn('MCP gateway refused a request', { status: auth.status, reason: auth.message });
    refuse(res, auth.status, auth.message);
    return;
  }
  const connection = new AbortController();
  const server = mcpServer(deps, auth.caller, connection.signal);
  // Stateless (no session id): every request brings its token, and nothing of a session lives in this process.
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    connection.abort();
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

export async function startGateway(
  deps: GatewayDeps,
  listen: { port: number; host: string },
): Promise<Gateway> {
  const http = createServer((req, res) => {
    handle(deps, req, res).catch((error: Error) => {
      deps.logger.error('MCP gateway request failed', { error: error.message });
      if (!res.headersSent) refuse(res, 500, 'Countersign could not handle this request.');
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(listen.port, listen.host, () => resolve());
  });
  return {
    port: (http.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
