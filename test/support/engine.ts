// The engine on real parts: the run's dev server, a real worker with Countersign's workflows and
// activities, and the Slack and OpenAI fakes over HTTP. Nothing of ours is mocked.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { fromToolData } from '../../src/activities/llm.js';
import type { AgentInput, RunOutcome } from '../../src/approval/run.js';
import type { ApprovalStatus } from '../../src/approval/schemas.js';
import { type Config, parseConfig } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { connectMcpTools } from '../../src/mcp/tools.js';
import { createWorker, workflowSinks, workflowsPath } from '../../src/temporal/worker.js';
import { TOOLS } from '../../src/tools/index.js';
import type { Tool } from '../../src/tools/tool.js';
import { agentWorkflow } from '../../src/workflows/agent.js';
import { runApprovalsQuery } from '../../src/workflows/messages.js';
import {
  chatToolTexts,
  type FakeOpenAI,
  type FakeOpenAIReply,
  type RecordedOpenAIRequest,
  startFakeOpenAI,
} from '../fakes/openai.js';
import {
  type FakeSlackApi,
  type FakeSlackChannel,
  type FakeSlackUser,
  type SlackCall,
  startFakeSlackApi,
} from '../fakes/slack-api.js';
import { connectToTestServer, type TemporalTestContext, uniqueTaskQueue } from './temporal.js';

export const PEOPLE = {
  requester: { id: 'U0REQUESTER', name: 'rita' },
  ana: { id: 'U0ANA', name: 'ana' },
  bob: { id: 'U0BOB', name: 'bob' },
  security: { id: 'U0SECURITY', name: 'sam' },
  mallory: { id: 'U0MALLORY', name: 'mallory' },
} as const;

export const SECURITY_GROUP = 'S0SECURITY';

/** The fake workspace's members: everyone in PEOPLE. */
export const WORKSPACE_USERS = Object.values(PEOPLE).map((p) => ({ id: p.id, name: p.name }));

export interface Engine {
  config: Config;
  temporal: TemporalTestContext;
  client: Client;
  slackApi: FakeSlackApi;
  openai: FakeOpenAI;
  taskQueue: string;
  /** The worker's tools: the built-in ones and the MCP servers', as the worker process has them (the gateway's list). */
  tools: readonly Tool[];
  worker: Worker;
  /**
   * Stops the current worker (waiting for it to drain) and starts a fresh one on the same task queue; `env`: variables
   * changed from the engine's own for the new worker (a new POLICY_FILE, say), as a restart with a new configuration.
   */
  restartWorker(env?: Record<string, string>): Promise<void>;
  stopWorker(): Promise<void>;
  startWorker(env?: Record<string, string>): Promise<void>;
  startRun(request: string, overrides?: Partial<AgentInput>): Promise<RunHandle>;
  close(): Promise<void>;
}

export type RunHandle = Awaited<ReturnType<Client['workflow']['start']>>;

export async function startEngine(options: {
  env?: Record<string, string>;
  worker?: Partial<WorkerOptions>;
  prefix: string;
  /** Channels the fake workspace has up front (e.g. private ones with members); others appear on first use. */
  channels?: FakeSlackChannel[];
  /** People beyond PEOPLE in the fake workspace (guests, people of another organisation). */
  users?: FakeSlackUser[];
  /** Where the MCP servers' connections log (a server changing its tools, say); by default errors only, on stdout. */
  mcpLogger?: Logger;
}): Promise<Engine> {
  const temporal = await connectToTestServer();
  const slackApi = await startFakeSlackApi({
    users: [...WORKSPACE_USERS, ...(options.users ?? [])],
    userGroups: { [SECURITY_GROUP]: [PEOPLE.security.id] },
    ...(options.channels ? { channels: options.channels } : {}),
  });
  const openai = await startFakeOpenAI();
  const taskQueue = uniqueTaskQueue(options.prefix);
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-engine-test',
    SLACK_API_URL: slackApi.url,
    OPENAI_API_KEY: 'sk-engine-test',
    OPENAI_BASE_URL: openai.url,
    TEMPORAL_TASK_QUEUE: taskQueue,
    TEMPORAL_NAMESPACE: temporal.namespace,
    ...options.env,
  };
  let config = parseConfig(env);
  // The configured MCP servers, started as the worker process starts them (one client per server).
  const mcp = await connectMcpTools(
    config.mcp.servers,
    options.mcpLogger ?? createLogger('error', { service: 'engine-test' }),
    [...TOOLS],
  );
  if (mcp.problems.length > 0) throw new Error(`MCP servers failed: ${JSON.stringify(mcp.problems)}`);
  const newWorker = () => createWorker(config, temporal.nativeConnection, options.worker ?? {}, mcp.tools);
  let worker = await newWorker();
  let running = worker.run();
  let runs = 0;
  const engine: Engine = {
    get config() {
      return config;
    },
    temporal,
    client: temporal.client,
    slackApi,
    openai,
    taskQueue,
    tools: mcp.tools,
    get worker() {
      return worker;
    },
    async stopWorker() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
    async startWorker(changed = {}) {
      config = parseConfig({ ...env, ...changed });
      worker = await newWorker();
      running = worker.run();
    },
    async restartWorker(changed) {
      await engine.stopWorker();
      await engine.startWorker(changed);
    },
    startRun(request, overrides = {}) {
      runs += 1;
      return temporal.client.workflow.start(agentWorkflow, {
        taskQueue,
        workflowId: `${options.prefix}-${Date.now().toString(36)}-${runs}`,
        args: [
          { request, requester: PEOPLE.requester, channel: 'C0GENERAL', teamId: 'T0TEST', ...overrides },
        ],
      });
    },
    async close() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await mcp.close();
      await slackApi.close();
      await openai.close();
      await temporal.close();
    },
  };
  return engine;
}

/**
 * The run's outcome. `/agent` is acknowledged before its run starts, so a test that has only the acknowledgement may
 * ask before the run exists: wait for it to appear first.
 */
export async function runOutcome(
  client: Client,
  runId: string,
  appearWithinMs = 10_000,
): Promise<RunOutcome> {
  const deadline = Date.now() + appearWithinMs;
  for (;;) {
    try {
      return (await client.workflow.getHandle(runId).result()) as RunOutcome;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A tool call as the model sends it: the tool's arguments in the envelope with reasoning and risk. */
export function proposal(
  args: Record<string, unknown>,
  risk: 'low' | 'medium' | 'high' = 'low',
  reasoning = 'Because the request asks for it.',
) {
  return { arguments: args, reasoning, risk };
}

/** The request text the model was given (the first user message). */
export function userText(request: RecordedOpenAIRequest): string {
  const input = (request.body?.input ?? []) as Array<Record<string, unknown>>;
  const first = input.find((item) => item.role === 'user');
  return typeof first?.content === 'string' ? first.content : '';
}

/** One tool output as the model was given it, parsed inside its tool-data marks; one cut short is no whole JSON. */
function parsedToolData(text: string): Record<string, unknown> {
  const inside = fromToolData(text);
  try {
    return JSON.parse(inside) as Record<string, unknown>;
  } catch {
    return { cut_short: inside };
  }
}

/** The tool outputs the model has been given so far, parsed. */
export function toolOutputs(request: RecordedOpenAIRequest): Array<Record<string, unknown>> {
  const input = (request.body?.input ?? []) as Array<Record<string, unknown>>;
  return input
    .filter((item) => item.type === 'function_call_output')
    .map((item) => parsedToolData(String(item.output)));
}

/** The same over Chat Completions: the tool messages a chat request gives the model so far, parsed. */
export function chatToolData(request: RecordedOpenAIRequest): Array<Record<string, unknown>> {
  return chatToolTexts(request).map(parsedToolData);
}

/**
 * A model that answers by script, keyed by the request text and by how many tool outputs it has seen, so
 * that concurrent runs and retries each get the right next answer.
 */
export function scriptModel(openai: FakeOpenAI, scripts: Record<string, FakeOpenAIReply[]>): void {
  openai.otherwise((request) => {
    const script = scripts[userText(request)];
    const step = toolOutputs(request).length;
    const reply = script?.[Math.min(step, script.length - 1)];
    if (!reply) throw new Error(`no script for request "${userText(request)}"`);
    return typeof reply === 'function' ? reply(request) : reply;
  });
}

export function isApprovalCard(call: SlackCall): boolean {
  const metadata = call.args.metadata as { event_type?: string } | undefined;
  return call.method === 'chat.postMessage' && metadata?.event_type === 'countersign_approval';
}

/** Changes a user group's members through Slack's own method (`usergroups.users.update`), as an admin would. */
export async function setUserGroupMembers(slackApi: FakeSlackApi, group: string, members: string[]) {
  const response = await fetch(`${slackApi.url}usergroups.users.update`, {
    method: 'POST',
    headers: { authorization: 'Bearer xoxb-admin', 'content-type': 'application/json' },
    body: JSON.stringify({ usergroup: group, users: members.join(',') }),
  });
  const answer = (await response.json()) as { ok?: boolean; error?: string };
  if (!answer.ok) throw new Error(`usergroups.users.update failed: ${answer.error}`);
}

/** Whether a Slack call posts or updates an approval card of this run, whichever workflow its approval lives in. */
function isCardOfRun(call: SlackCall, runId: string): boolean {
  const payload = (call.args.metadata as { event_payload?: { workflow_id?: string } } | undefined)
    ?.event_payload;
  const workflowId = String(payload?.workflow_id ?? '');
  return isApprovalCard(call) && (workflowId === runId || workflowId.startsWith(`${runId}/`));
}

/** The approval cards posted for a run so far. */
export function approvalCardsOf(slackApi: FakeSlackApi, runId: string): SlackCall[] {
  return slackApi.calls.filter((c) => isCardOfRun(c, runId));
}

/** Waits for the run's approval card and returns it with the ids a click would carry. */
export async function waitForCard(slackApi: FakeSlackApi, runId: string, timeoutMs?: number) {
  const call = await slackApi.waitForCall('chat.postMessage', (c) => isCardOfRun(c, runId), timeoutMs);
  const payload = (call.args.metadata as { event_payload: { request_id: string; workflow_id: string } })
    .event_payload;
  const ts = String((call.response as { ts?: string } | undefined)?.ts);
  return { call, requestId: payload.request_id, workflowId: payload.workflow_id, ts };
}

/** The run's `n`th approval (from 1) as it stands, asked of the run it lives in. */
export async function nthApproval(client: Client, runId: string, n = 1): Promise<ApprovalStatus> {
  const approvals = await client.workflow.getHandle(runId).query(runApprovalsQuery);
  const approval = approvals[n - 1];
  if (!approval) throw new Error(`run ${runId} has ${approvals.length} approvals, not ${n}`);
  return approval;
}

/** The activities a workflow has scheduled, in order, as its history holds them. */
export async function scheduledActivities(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

/**
 * Guards determinism: each run's history, its approvals in it, replays on the current workflow code. Returns how many
 * histories were replayed.
 */
export async function expectRunsToReplay(client: Client, runIds: string[]): Promise<number> {
  const histories = [];
  for (const runId of runIds) {
    histories.push({ workflowId: runId, history: await client.workflow.getHandle(runId).fetchHistory() });
  }
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowsPath: workflowsPath(), sinks: workflowSinks },
    histories,
  )) {
    if (result.error) throw new Error(`replay of ${result.workflowId} failed: ${result.error.message}`);
    replayed += 1;
  }
  if (replayed !== histories.length) throw new Error(`replayed ${replayed} of ${histories.length} histories`);
  return replayed;
}

/** A policy file (POLICY_FILE) in a fresh temporary directory, holding `policy` as JSON; its path. */
export function policyFile(policy: object): string {
  const path = join(mkdtempSync(join(tmpdir(), 'countersign-policy-')), 'policy.jsonc');
  writeFileSync(path, JSON.stringify(policy));
  return path;
}
