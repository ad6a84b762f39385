// Countersign as an MCP server: the official SDK's client over Streamable HTTP against the gateway, the pinned
// filesystem server as the upstream, the dev server and a real worker, tokens made in App Home and approvals given
// through signed Slack requests.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proposalDigest } from '../../src/approval/digest.js';
import { type Gateway, gatewayCallId, startGateway } from '../../src/gateway/server.js';
import { agentTokenWorkflowId } from '../../src/gateway/tokens.js';
import { createLogger } from '../../src/logger.js';
import {
  AGENT_TOKEN_REVOKE_ACTION_ID,
  CONNECT_AGENT_ACTION_ID,
  CONNECT_AGENT_CALLBACK_ID,
} from '../../src/slack/blocks/agent-tokens.js';
import { WITHDRAW_ACTION_ID } from '../../src/slack/blocks/run-status.js';
import { createMembershipCheck } from '../../src/slack/membership.js';
import { createRequesterCheck } from '../../src/slack/requester-access.js';
import {
  agentStatusQuery,
  agentTokenStatusQuery,
  approvalStatusQuery,
  revokeAgentTokenSignal,
  runApprovalsQuery,
} from '../../src/workflows/messages.js';
import {
  approvalCardsOf,
  type Engine,
  expectRunsToReplay,
  isApprovalCard,
  PEOPLE,
  startEngine,
  waitForCard,
} from '../support/engine.js';
import {
  openDecisionForm,
  type SlackAppHarness,
  startSlackApp,
  submitDecisionForm,
} from '../support/slack-app.js';

const require = createRequire(import.meta.url);
const serverEntry = join(
  dirname(require.resolve('@modelcontextprotocol/server-filesystem/package.json')),
  'dist',
  'index.js',
);

let engine: Engine;
let slack: SlackAppHarness;
let gateway: Gateway;
let files: string;
let url: URL;

beforeAll(async () => {
  files = mkdtempSync(join(tmpdir(), 'countersign-gateway-files-'));
  writeFileSync(join(files, 'notes.txt'), 'The launch is on Tuesday.\n');
  const configFile = join(mkdtempSync(join(tmpdir(), 'countersign-gateway-')), 'mcp.jsonc');
  writeFileSync(
    configFile,
    JSON.stringify({
      mcpServers: {
        files: { command: process.execPath, args: [serverEntry, files], trustAnnotations: true },
      },
    }),
  );
  engine = await startEngine({
    prefix: 'gateway',
    env: {
      MCP_CONFIG: configFile,
      APPROVERS: PEOPLE.ana.id,
      APPROVALS_CHANNEL: 'C0APPROVALS',
      MCP_GATEWAY_PORT: '0',
    },
  });
  slack = await startSlackApp(engine);
  const { config } = engine;
  gateway = await startGateway(
    {
      temporal: engine.client,
      taskQueue: engine.taskQueue,
      tools: engine.tools,
      policy: config.approval.policy,
      webhookAllowlist: config.tools.webhookAllowlist,
      channel: 'C0APPROVALS',
      slack: new WebClient('xoxb-engine-test', { slackApiUrl: engine.slackApi.url }),
      requester: createRequesterCheck(createMembershipCheck(), config.requesters),
      logger: createLogger('error', { service: 'gateway-test' }),
    },
    config.gateway ?? { port: 0, host: '127.0.0.1' },
  );
  url = new URL(`http://127.0.0.1:${gateway.port}/mcp`);
});

afterAll(async () => {
  await gateway?.close();
  await slack?.close();
  await engine?.close();
});

type SentBlock = {
  type: string;
  block_id?: string;
  elements?: Array<{ action_id?: string; value?: string }>;
  accessory?: { action_id?: string; value?: string };
};

/** Opens `userId`'s App Home and returns the view published for them. */
async function openHome(userId: string): Promise<{ id: string; blocks: SentBlock[] }> {
  const since = Date.now();
  expect((await slack.sender.appHomeOpened(userId)).status).toBe(200);
  const published = await engine.slackApi.waitForCall(
    'views.publish',
    (c) => c.args.user_id === userId && c.at >= since,
  );
  return (published.response as { view: { id: string; blocks: SentBlock[] } }).view;
}

/** "Connect an agent" in App Home as `userId`, naming the client: the token the form shows once. */
async function connectAgent(userId: string, client: string): Promise<string> {
  const home = await openHome(userId);
  const block = home.blocks.find((b) => b.elements?.some((e) => e.action_id === CONNECT_AGENT_ACTION_ID));
  const triggerId = slack.sender.nextTriggerId();
  const clicked = await slack.sender.homeAction({
    userId,
    view: home,
    actionId: CONNECT_AGENT_ACTION_ID,
    blockId: block?.block_id,
    value: 'connect',
    triggerId,
  });
  expect(clicked.status).toBe(200);
  const opened = await engine.slackApi.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
  const form = opened.args.view as { callback_id: string };
  expect(form.callback_id).toBe(CONNECT_AGENT_CALLBACK_ID);
  const submitted = await slack.sender.viewSubmission({
    callbackId: CONNECT_AGENT_CALLBACK_ID,
    privateMetadata: '',
    values: { client: { client_name: { type: 'plain_text_input', value: client } } },
    userId,
  });
  expect(submitted.status).toBe(200);
  const shown = JSON.stringify(submitted.json);
  const token = /csat_[A-Za-z0-9_-]{43}/.exec(shown)?.[0];
  if (!token) throw new Error(`no token in the form: ${shown}`);
  return token;
}

async function mcpClient(token: string): Promise<McpClient> {
  const client = new McpClient({ name: 'gateway-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

async function decide(workflowId: string, which: 'approve' | 'reject', notes: string) {
  const card = await waitForCard(engine.slackApi, workflowId);
  const form = await openDecisionForm(slack, engine.slackApi, card, which, PEOPLE.ana.id);
  expect((await submitDecisionForm(slack, form, PEOPLE.ana.id, notes)).text).toBe('');
  return card;
}

const writeCall = (path: string, content: string) => ({
  name: 'files__write_file',
  arguments: { path, content },
});
const callIdOf = async (token: string, call: ReturnType<typeof writeCall>) => {
  // The same id the gateway gives the call: the token's short id and the call's digest.
  const tokenId = createHash('sha256').update(token).digest('hex').slice(0, 16);
  return gatewayCallId(tokenId, proposalDigest({ tool: call.name, arguments: call.arguments }));
};

describe('the MCP gateway', () => {
  let rita: string;
  beforeAll(async () => {
    rita = await connectAgent(PEOPLE.requester.id, "Cursor on rita's laptop <!here>");
  });

  it('lists the tools under their Countersign names and answers a low-risk call at once, with no card', async () => {
    const client = await mcpClient(rita);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['files__read_text_file', 'files__write_file', 'channel_info']),
    );
    const cardsBefore = engine.slackApi.calls.filter(isApprovalCard).length;
    const result = (await client.callTool({
      name: 'files__read_text_file',
      arguments: { path: join(files, 'notes.txt') },
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain('The launch is on Tuesday.');
    expect(engine.slackApi.calls.filter(isApprovalCard).length).toBe(cardsBefore);
    // Checked as a model's proposal is: arguments its schema refuses run nothing.
    const refused = (await client.callTool({
      name: 'files__write_file',
      arguments: { path: join(files, 'bad.md') },
    })) as CallToolResult;
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^Not run: invalid arguments/);
    expect(existsSync(join(files, 'bad.md'))).toBe(false);
    await client.close();
  });

  it('holds a write until a person approves in Slack, with progress meanwhile; the file holds exactly what was approved', async () => {
    const target = join(files, 'plan.md');
    const call = writeCall(target, '# Plan\n\nship on Tuesday\n');
    const client = await mcpClient(rita);
    const progress: string[] = [];
    const pending = client.callTool(call, undefined, {
      onprogress: (p) => progress.push(p.message ?? ''),
      resetTimeoutOnProgress: true,
    });
    const callId = await callIdOf(rita, call);
    const card = await waitForCard(engine.slackApi, callId);
    // The card names the client as its owner did, escaped; the requester is its owner.
    const cardJson = JSON.stringify(card.call.args.blocks);
    expect(cardJson).toContain('Cursor on rita');
    expect(cardJson).not.toContain('<!here>');
    expect(cardJson).toContain(PEOPLE.requester.id);
    expect(existsSync(target)).toBe(false);
    await expect.poll(() => progress.length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(progress[0]).toContain('Waiting for a person to approve');
    await decide(callId, 'approve', 'fine');
    const result = (await pending) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(readFileSync(target, 'utf8')).toBe('# Plan\n\nship on Tuesday\n');
    const status = await engine.client.workflow.getHandle(callId).query(agentStatusQuery);
    expect(status.audit.filter((e) => e.type === 'execution')).toHaveLength(1);
    // Its approval lived in the call's own workflow, as a run's do: the card addressed it, and it replays there.
    expect(card.workflowId).toBe(callId);
    const [approval] = await engine.client.workflow.getHandle(callId).query(runApprovalsQuery);
    expect(approval).toMatchObject({ status: 'approved', request_id: card.requestId });
    expect(await expectRunsToReplay(engine.client, [callId])).toBe(1);
    await client.close();
  });

  it('answers a rejection with isError and the approver’s notes, and writes nothing', async () => {
    const target = join(files, 'secret.md');
    const call = writeCall(target, 'the secret');
    const client = await mcpClient(rita);
    const pending = client.callTool(call, undefined, { onprogress: () => {}, resetTimeoutOnProgress: true });
    await decide(await callIdOf(rita, call), 'reject', 'not in the shared folder');
    const result = (await pending) as CallToolResult;
    expect(result.isError).toBe(true);
    // The approver as Slack names them on the click.
    expect(textOf(result)).toMatch(/^Rejected by u0ana in Slack; nothing was run\./);
    expect(textOf(result)).toContain('not in the shared folder');
    expect(existsSync(target)).toBe(false);
    await client.close();
  });

  it('loses nothing when the client disconnects mid-wait: asked again after the approval, it gets the result, and the file is written once', async () => {
    const target = join(files, 'offline.md');
    const call = writeCall(target, 'written while you were away\n');
    const callId = await callIdOf(rita, call);
    const first = await mcpClient(rita);
    const gone = new AbortController();
    const abandoned = first.callTool(call, undefined, { signal: gone.signal }).catch((error: Error) => error);
    await waitForCard(engine.slackApi, callId);
    gone.abort();
    expect(await abandoned).toBeInstanceOf(Error);
    await first.close();
    // Asked again while it waits: the same call, not a second card.
    const again = await mcpClient(rita);
    const waiting = again.callTool(call, undefined, { onprogress: () => {}, resetTimeoutOnProgress: true });
    await decide(callId, 'approve', 'ok');
    expect(textOf((await waiting) as CallToolResult)).not.toContain('Not run');
    await again.close();
    // Back after the outcome: given it, not a new call.
    const back = await mcpClient(rita);
    const result = (await back.callTool(call)) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(readFileSync(target, 'utf8')).toBe('written while you were away\n');
    expect(approvalCardsOf(engine.slackApi, callId)).toHaveLength(1);
    const status = await engine.client.workflow.getHandle(callId).query(agentStatusQuery);
    expect(status.audit.filter((e) => e.type === 'execution')).toHaveLength(1);
    await back.close();
  });

  it('refuses an unknown, malformed or revoked token with 401, and starts nothing', async () => {
    const since = new Date().toISOString();
    // Gateway calls started during this test: none may be.
    const count = async () =>
      (await engine.client.workflow.count(`WorkflowType = 'gatewayCallWorkflow' AND StartTime >= '${since}'`))
        .count;
    const post = (authorization: string | undefined) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: writeCall(join(files, 'never.md'), 'x'),
        }),
      });
    expect((await post(undefined)).status).toBe(401);
    expect((await post('Bearer not-a-token')).status).toBe(401);
    expect((await post(`Bearer csat_${'A'.repeat(43)}`)).status).toBe(401);

    const token = await connectAgent(PEOPLE.requester.id, 'CI bot');
    const client = await mcpClient(token);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
    // Revoked in App Home by its owner. Home lists tokens from Temporal's visibility, which may lag a new one by a
    // moment: the owner opens it again until it is there.
    const rowIn = (home: { blocks: SentBlock[] }) =>
      home.blocks.find(
        (b) =>
          b.accessory?.action_id === AGENT_TOKEN_REVOKE_ACTION_ID && JSON.stringify(b).includes('CI bot'),
      );
    let home = await openHome(PEOPLE.requester.id);
    await expect
      .poll(async () => {
        if (!rowIn(home)) home = await openHome(PEOPLE.requester.id);
        return rowIn(home) !== undefined;
      })
      .toBe(true);
    const row = rowIn(home);
    const revokeTrigger = slack.sender.nextTriggerId();
    const revoked = await slack.sender.homeAction({
      userId: PEOPLE.requester.id,
      view: home,
      actionId: AGENT_TOKEN_REVOKE_ACTION_ID,
      blockId: row?.block_id,
      value: row?.accessory?.value ?? '',
      triggerId: revokeTrigger,
    });
    expect(revoked.status).toBe(200);
    // Revoked once the app answers the click: from the very next request on.
    const notice = await engine.slackApi.waitForCall(
      'views.open',
      (c) => c.args.trigger_id === revokeTrigger,
    );
    expect(JSON.stringify(notice.args.view)).toContain('Revoked');
    expect((await post(`Bearer ${token}`)).status).toBe(401);
    await expect(mcpClient(token)).rejects.toMatchObject({ code: 401 });
    expect(existsSync(join(files, 'never.md'))).toBe(false);
    expect(await count()).toBe(0);
    // Its workflow has ended: refused as revoked even while no worker could answer its query.
    await engine.stopWorker();
    try {
      expect((await post(`Bearer ${token}`)).status).toBe(401);
    } finally {
      await engine.startWorker();
    }
  });

  it('asks at each request whether the token’s owner may still ask the agent', async () => {
    const token = await connectAgent(PEOPLE.requester.id, 'nightly job');
    // Another revokes nothing: only the owner's own tokens are found.
    const bobHome = await openHome(PEOPLE.bob.id);
    const tokenId = createHash('sha256').update(token).digest('hex').slice(0, 16);
    expect(JSON.stringify(bobHome.blocks)).not.toContain(tokenId);
    const triggerId = slack.sender.nextTriggerId();
    await slack.sender.homeAction({
      userId: PEOPLE.bob.id,
      view: bobHome,
      actionId: AGENT_TOKEN_REVOKE_ACTION_ID,
      blockId: `agent_${tokenId}`,
      value: tokenId,
      triggerId,
    });
    const notice = await engine.slackApi.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
    expect(JSON.stringify(notice.args.view)).toContain('no such connected agent');
    // Nor does a signal straight to the token's workflow: audited, and ignored.
    const tokenWorkflow = engine.client.workflow.getHandle(
      agentTokenWorkflowId(createHash('sha256').update(token).digest('hex')),
    );
    await tokenWorkflow.signal(revokeAgentTokenSignal, { by: PEOPLE.bob });
    const state = await tokenWorkflow.query(agentTokenStatusQuery);
    expect(state.status).toBe('active');
    expect(state.audit.map((e) => [e.type, e.details.reason])).toEqual([
      ['token_created', undefined],
      ['decision_ignored', 'not_owner'],
    ]);
    const client = await mcpClient(token);
    await client.close();
    // The same token, where REQUESTERS has since been narrowed to someone else: refused, at the very next request.
    const narrowed = await startGateway(
      {
        temporal: engine.client,
        taskQueue: engine.taskQueue,
        tools: engine.tools,
        policy: engine.config.approval.policy,
        webhookAllowlist: [],
        channel: 'C0APPROVALS',
        slack: new WebClient('xoxb-engine-test', { slackApiUrl: engine.slackApi.url }),
        requester: createRequesterCheck(createMembershipCheck(), { users: [PEOPLE.ana.id], userGroups: [] }),
        logger: createLogger('error', { service: 'gateway-test' }),
      },
      { port: 0, host: '127.0.0.1' },
    );
    try {
      const elsewhere = new McpClient({ name: 'gateway-test', version: '1.0.0' });
      await expect(
        elsewhere.connect(
          new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${narrowed.port}/mcp`), {
            requestInit: { headers: { Authorization: `Bearer ${token}` } },
          }),
        ),
      ).rejects.toMatchObject({ code: 403 });
    } finally {
      await narrowed.close();
    }
  });

  it('makes each token’s owner the requester: two clients of two people each see only their own requests', async () => {
    const bob = await connectAgent(PEOPLE.bob.id, 'Claude Desktop on bob’s Mac');
    const ritaCall = writeCall(join(files, 'rita.md'), 'rita');
    const bobCall = writeCall(join(files, 'bob.md'), 'bob');
    const ritaClient = await mcpClient(rita);
    const bobClient = await mcpClient(bob);
    const opts = { onprogress: () => {}, resetTimeoutOnProgress: true };
    const ritaPending = ritaClient.callTool(ritaCall, undefined, opts);
    const bobPending = bobClient.callTool(bobCall, undefined, opts);
    const ritaId = await callIdOf(rita, ritaCall);
    const bobId = await callIdOf(bob, bobCall);
    const ritaCard = await waitForCard(engine.slackApi, ritaId);
    await waitForCard(engine.slackApi, bobId);
    const approval = await engine.client.workflow.getHandle(ritaCard.workflowId).query(approvalStatusQuery);
    expect(approval.requester.id).toBe(PEOPLE.requester.id);
    const mine = async (userId: string) => JSON.stringify((await openHome(userId)).blocks);
    await expect.poll(() => mine(PEOPLE.requester.id), { timeout: 10_000 }).toContain(`own_${ritaId}`);
    const ritaHome = await mine(PEOPLE.requester.id);
    const bobHome = await mine(PEOPLE.bob.id);
    expect(ritaHome).toContain(`own_${ritaId}`);
    expect(ritaHome).not.toContain(`own_${bobId}`);
    expect(bobHome).toContain(`own_${bobId}`);
    expect(bobHome).not.toContain(`own_${ritaId}`);
    await decide(ritaId, 'reject', 'no');
    expect((await ritaPending).isError).toBe(true);
    // Bob withdraws his own from his Home, as he would a request he made in Slack: his client is told, nothing ran.
    const home = await openHome(PEOPLE.bob.id);
    const withdrawn = await slack.sender.homeAction({
      userId: PEOPLE.bob.id,
      view: home,
      actionId: WITHDRAW_ACTION_ID,
      blockId: `inbox_own_${bobId}`,
      value: bobId,
    });
    expect(withdrawn.status).toBe(200);
    const bobResult = (await bobPending) as CallToolResult;
    expect(bobResult.isError).toBe(true);
    expect(textOf(bobResult)).toBe('Not run: withdrawn before anyone decided; nothing was run.');
    expect(existsSync(join(files, 'bob.md'))).toBe(false);
    await ritaClient.close();
    await bobClient.close();
  });
});
