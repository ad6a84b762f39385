// The real entry point as a user runs it: built, started as a child process, talking to the fakes over HTTP.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SLACK_EVENTS_PATH } from '../../src/slack/app.js';
import { preferredPorts, USUAL_PORTS } from '../../src/temporal/dev-server.js';
import { type FakeOpenAI, functionCall, message } from '../fakes/openai.js';
import type { FakeSlackApi, SlackCall } from '../fakes/slack-api.js';
import { SlackSender } from '../fakes/slack-sender.js';
import { isApprovalCard, PEOPLE, proposal, scriptModel, waitForCard } from '../support/engine.js';
import {
  type ChildProcessHarness,
  freePort,
  logEntries,
  PROJECT_ROOT,
  processesMentioning,
  type RunningApp,
  startChildProcessHarness,
  startEntryPoint,
  waitForHealthy,
  waitForStatus,
} from '../support/entry-point.js';
import { buttonValue, notesValues, runIdFromAck } from '../support/slack-app.js';

const SIGNING_SECRET = 'entry-point-secret';
const BOT_TOKEN = 'xoxb-entry-point-token';
const OPENAI_KEY = 'sk-entry-point-key';
/** Shutdown must finish well inside the app's own 20 s grace period. */
const SHUTDOWN_BOUND_MS = 20_000;

let harness: ChildProcessHarness;
let slackApi: FakeSlackApi;
let openai: FakeOpenAI;
let running: RunningApp[];

beforeAll(async () => {
  harness = await startChildProcessHarness();
  ({ slackApi, openai, children: running } = harness);
}, 120_000);

afterAll(() => harness?.close());

async function start(stateFile: string, extra: Record<string, string> = {}) {
  const port = await freePort();
  const app = startEntryPoint('dist/main.js', {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApi.url,
    PORT: String(port),
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: openai.url,
    APPROVERS: PEOPLE.ana.id,
    TEMPORAL_STATE_FILE: stateFile,
    LOG_LEVEL: 'info',
    ...extra,
  });
  running.push(app);
  const baseUrl = `http://127.0.0.1:${port}`;
  const health = await waitForHealthy(`${baseUrl}/readyz`, app);
  return {
    app,
    baseUrl,
    health,
    sender: new SlackSender(`${baseUrl}${SLACK_EVENTS_PATH}`, SIGNING_SECRET, slackApi.hooksUrl),
  };
}

/** The app says where its embedded server is, on ports other than 7233, and the Web UI's address. */
function expectFreePortsPrinted(app: RunningApp) {
  const address = /^ {2}Temporal {2}127\.0\.0\.1:(\d+), embedded dev server/m.exec(app.output())?.[1];
  expect(address).toBeDefined();
  expect(Number(address)).not.toBe(USUAL_PORTS.frontend);
  expect(app.output()).toMatch(/^ {2}Temporal {2}.+ · Web UI http:\/\/localhost:\d+$/m);
}

async function stop(app: RunningApp) {
  const started = Date.now();
  app.child.kill('SIGTERM');
  const exit = await app.exited;
  return { ...exit, tookMs: Date.now() - started };
}

/** `/agent archive <#channel>` from the requester, the model proposing it and then saying `answer`: its card. */
async function askToArchive(sender: SlackSender, channel: string, answer: string) {
  const request = `archive <#${channel}|${channel.toLowerCase()}>`;
  scriptModel(openai, {
    [request]: [functionCall('archive_channel', proposal({ channel }, 'high')), message(answer)],
  });
  const ack = await sender.slashCommand({
    text: request,
    userId: PEOPLE.requester.id,
    channelId: 'C0GENERAL',
  });
  return waitForCard(slackApi, runIdFromAck(ack.json));
}

async function approveThroughSlack(
  sender: SlackSender,
  card: Awaited<ReturnType<typeof waitForCard>>,
  notes: string,
) {
  await sender.blockAction({
    actionId: 'approval_approve',
    value: buttonValue(card.call, 'approve'),
    userId: PEOPLE.ana.id,
    channelId: 'C0GENERAL',
    messageTs: card.ts,
  });
  const clickedAt = Date.now();
  // The decision modal opens at once, or — while a just-restarted worker warms up — replaces a placeholder.
  const isDecisionModal = (c: SlackCall) =>
    JSON.stringify(c.args.view).includes('approval_decision_modal') &&
    JSON.stringify(c.args).includes(card.requestId);
  const opened = await Promise.any([
    slackApi.waitForCall('views.open', isDecisionModal, 20_000),
    slackApi.waitForCall('views.update', isDecisionModal, 20_000),
  ]).catch(() => {
    // Say what the reviewer saw instead of a modal.
    const since = slackApi.calls
      .filter((c) => c.at >= clickedAt)
      .map((c) => `+${c.at - clickedAt}ms ${c.method} ${JSON.stringify(c.args).slice(0, 300)}`);
    throw new Error(`no decision modal within 20 s of the click; Slack calls since:\n${since.join('\n')}`);
  });
  const view = opened.args.view as { callback_id: string; private_metadata: string };
  const submitted = await sender.viewSubmission({
    callbackId: view.callback_id,
    privateMetadata: view.private_metadata,
    values: notesValues(notes),
    userId: PEOPLE.ana.id,
  });
  expect(submitted.status).toBe(200);
}

describe('npm start (node dist/main.js)', () => {
  it('becomes healthy, serves a slash command end to end, and exits 0 on SIGTERM leaving no server behind, MCP servers included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-entry-'));
    const stateFile = join(dir, 'temporal.sqlite');
    // An MCP server over stdio that outlives its stdin unless stopped; its command line names this test's directory.
    const mcpConfig = join(dir, 'mcp.json');
    const mcpServer = join(PROJECT_ROOT, 'test/fixtures/mcp-append-server.mjs');
    writeFileSync(
      mcpConfig,
      JSON.stringify({
        mcpServers: { ledger: { command: process.execPath, args: [mcpServer, '--linger', dir] } },
      }),
    );
    const { app, health, sender } = await start(stateFile, { MCP_CONFIG: mcpConfig });
    // Ready or not, and nothing more, on the public port; why, in the log.
    expect(health).toEqual({ ok: true });
    expect(logEntries(app)).toContainEqual(
      expect.objectContaining({ msg: 'ready', temporal: 'reachable', worker: 'RUNNING' }),
    );
    expect(app.output()).toMatch(/^ {2}Temporal {2}.+ · Web UI http:\/\/localhost:\d+$/m);
    // One embedded server, with the settings that shorten a person's wait.
    const [embedded] = await processesMentioning(stateFile);
    expect(await processesMentioning(stateFile)).toHaveLength(1);
    for (const setting of [
      'system.enableActivityEagerExecution=true',
      'history.transferProcessorMaxPollRPS=1000',
    ])
      expect(embedded).toContain(`--dynamic-config-value ${setting}`);
    expect(await processesMentioning(`${mcpServer} --linger ${dir}`)).toHaveLength(1);

    const card = await askToArchive(sender, 'C0ENTRY', 'Archived entry.');
    await approveThroughSlack(sender, card, 'go');
    const result = await slackApi.waitForCall('chat.postMessage', (c) => c.args.thread_ts === card.ts);
    expect(String(result.args.text)).toContain('Archived entry.');
    // The Slack app shares the worker's connection, so the run's first task came back with its start.
    const address = /^ {2}Temporal {2}(\S+), embedded/m.exec(app.output())?.[1];
    const connection = await Connection.connect({ address: address ?? 'missing' });
    try {
      const history = await new Client({ connection }).workflow
        .getHandle(card.workflowId.split('/')[0] ?? '')
        .fetchHistory();
      expect(history.events?.[0]?.workflowExecutionStartedEventAttributes?.eagerExecutionAccepted).toBe(true);
    } finally {
      await connection.close();
    }

    const exit = await stop(app);
    expect(exit.code).toBe(0);
    expect(exit.tookMs).toBeLessThan(SHUTDOWN_BOUND_MS);
    expect(await processesMentioning(stateFile)).toEqual([]);
    expect(await processesMentioning(`${mcpServer} --linger ${dir}`)).toEqual([]);
    // Structured logs, and no credential in them.
    expect(app.output()).toMatch(/^\{"time":"[^"]+","level":"info","msg":"Countersign is running"/m);
    // For the person who started it: ready, and what is on, in a few lines; no webpack statistics.
    expect(app.output()).toContain('Countersign is ready.');
    expect(app.output()).toMatch(/^ {2}Slack {5}HTTP on port \d+ \(POST \/slack\/events\)$/m);
    expect(app.output()).toMatch(/^ {2}Tools {5}\d+ built-in tools, 1 MCP server with 6 tools$/m);
    // Each MCP tool's risk as its calls will meet it, and how far its server's word is taken.
    const mcpLine = app
      .output()
      .split('\n')
      .find((line) => line.includes('"msg":"MCP tools"'));
    expect(JSON.parse(mcpLine ?? '{}')).toMatchObject({
      tools: expect.arrayContaining(['ledger__append (high)', 'ledger__count (high)']),
      annotations: {
        ledger: 'annotations not trusted: each tool medium risk or higher, attempted once, reaching outside',
      },
    });
    expect(app.output()).toContain('  Policy    calls of medium risk or higher wait for approval');
    expect(app.output()).not.toMatch(/webpack|modules by path/);
    for (const secret of [BOT_TOKEN, SIGNING_SECRET, OPENAI_KEY]) expect(app.output()).not.toContain(secret);
  });

  it('runs the embedded server on Temporal’s usual ports (7233, Web UI 8233) when they are free', async () => {
    const usual = await preferredPorts();
    const { app } = await start(join(mkdtempSync(join(tmpdir(), 'countersign-usual-')), 'temporal.sqlite'));
    // Another Temporal on this machine holds them: then the fallback below is what a person gets.
    if (usual.port === undefined) {
      expectFreePortsPrinted(app);
    } else {
      expect(app.output()).toMatch(/^ {2}Temporal {2}127\.0\.0\.1:7233, embedded dev server/m);
      expect(app.output()).toMatch(/^ {2}Temporal {2}.+ · Web UI http:\/\/localhost:8233$/m);
    }
    expect((await stop(app)).code).toBe(0);
  });

  it('prints only warnings and its ready lines unless LOG_LEVEL asks for more', async () => {
    const { app } = await start(join(mkdtempSync(join(tmpdir(), 'countersign-quiet-')), 'temporal.sqlite'), {
      LOG_LEVEL: '',
    });
    expect(app.output()).toContain('Countersign is ready.');
    expect(app.output()).not.toMatch(/"level":"(info|debug)"/);
    expect(app.output()).not.toMatch(/webpack|modules by path/);
    expect((await stop(app)).code).toBe(0);
  });

  it('falls back to free ports, and says which, when Temporal’s usual port is taken', async () => {
    const holder = createServer();
    // Someone may hold it already, which is the case under test too.
    await new Promise<void>((resolve) => {
      holder.once('error', () => resolve());
      holder.listen(USUAL_PORTS.frontend, '127.0.0.1', () => resolve());
    });
    try {
      const { app } = await start(join(mkdtempSync(join(tmpdir(), 'countersign-taken-')), 'temporal.sqlite'));
      expectFreePortsPrinted(app);
      expect((await stop(app)).code).toBe(0);
    } finally {
      holder.close();
    }
  });

  it('keeps a pending approval across a restart on the same state file', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'countersign-restart-')), 'temporal.sqlite');
    const first = await start(stateFile);
    const card = await askToArchive(first.sender, 'C0RESTART', 'Archived after restart.');
    expect((await stop(first.app)).code).toBe(0);

    const second = await start(stateFile);
    await approveThroughSlack(second.sender, card, 'approved after the restart');
    const result = await slackApi.waitForCall('chat.postMessage', (c) => c.args.thread_ts === card.ts);
    expect(String(result.args.text)).toContain('Archived after restart.');
    expect(
      slackApi.calls.filter((c) => isApprovalCard(c) && JSON.stringify(c.args).includes(card.requestId)),
    ).toHaveLength(1);
    expect(
      slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0RESTART'),
    ).toHaveLength(1);
    expect((await stop(second.app)).code).toBe(0);
  });
});

describe('bad configuration', () => {
  it.each([
    [
      { APPROVAL_TIMEOUT: 'soon' },
      /^countersign: Invalid configuration — APPROVAL_TIMEOUT: expected a duration/m,
    ],
    [{ SLACK_BOT_TOKEN: '' }, /^countersign: Missing Slack credentials — set SLACK_BOT_TOKEN .*README/m],
  ])('exits 1 with one clear line for %j', async (env, expected) => {
    const app = startEntryPoint('dist/main.js', {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slackApi.url,
      TEMPORAL_STATE_FILE: join(mkdtempSync(join(tmpdir(), 'countersign-bad-')), 'temporal.sqlite'),
      ...env,
    });
    running.push(app);
    const exit = await app.exited;
    expect(exit.code).toBe(1);
    expect(app.output()).toMatch(expected);
    expect(app.output().trim().split('\n')).toHaveLength(1);
  });

  it('refuses an invalid policy file at start-up, naming the line, column and field of each problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-bad-policy-'));
    const policyFile = join(dir, 'policy.jsonc');
    writeFileSync(
      policyFile,
      [
        '{',
        '  "tools": {',
        '    "archive_channel": { "approvers": ["U0ANA"], "required": 2 },',
        '    "archive": {}',
        '  }',
        '}',
      ].join('\n'),
    );
    const app = startEntryPoint('dist/main.js', {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slackApi.url,
      TEMPORAL_STATE_FILE: join(dir, 'temporal.sqlite'),
      POLICY_FILE: policyFile,
    });
    running.push(app);
    expect((await app.exited).code).toBe(1);
    const output = app.output();
    expect(output).toContain(`Invalid approval policy ${policyFile}`);
    expect(output).toMatch(/line 4, column 5, tools\.archive: unknown tool "archive"/);
    // Checked after the shape: the quorum that one listed approver could never meet is named once the tool is fixed.
    writeFileSync(
      policyFile,
      '{ "tools": { "archive_channel": { "approvers": ["U0ANA"], "required": 2 } } }',
    );
    const second = startEntryPoint('dist/main.js', {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slackApi.url,
      TEMPORAL_STATE_FILE: join(dir, 'temporal.sqlite'),
      POLICY_FILE: policyFile,
    });
    running.push(second);
    expect((await second.exited).code).toBe(1);
    expect(second.output()).toMatch(/line 1, column \d+, tools\.archive_channel\.required: /);
    expect(second.output()).not.toMatch(/Temporal dev server|listening/i);
  });

  it('refuses to run the worker alone without a shared TEMPORAL_ADDRESS', async () => {
    const app = startEntryPoint('dist/main-worker.js', { SLACK_BOT_TOKEN: BOT_TOKEN });
    running.push(app);
    expect((await app.exited).code).toBe(1);
    expect(app.output()).toMatch(
      /TEMPORAL_ADDRESS: required when the worker and the Slack app run as separate processes/,
    );
  });
});

describe('npm run check-policy', () => {
  it('prints the rules of a valid policy file as the app understands them, and exits 0', async () => {
    const app = startEntryPoint('dist/check-policy.js', {
      POLICY_FILE: join(PROJECT_ROOT, 'examples/policy.example.jsonc'),
    });
    running.push(app);
    expect((await app.exited).code).toBe(0);
    expect(app.output()).toContain('Approval policy OK');
    expect(app.output()).toMatch(/tool archive_channel: "Team lead": 1 of .*→ "Security"/);
  });

  it('lists every tool with its risk, an MCP server’s too, and an MCP server that does not start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-check-mcp-'));
    const mcpConfig = join(dir, 'mcp.json');
    const filesystemServer = join(
      PROJECT_ROOT,
      'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js',
    );
    writeFileSync(
      mcpConfig,
      JSON.stringify({
        mcpServers: {
          files: { command: process.execPath, args: [filesystemServer, dir] },
          trusted: { command: process.execPath, args: [filesystemServer, dir], trustAnnotations: true },
          broken: {
            command: process.execPath,
            args: ['-e', "console.error('no such database'); process.exit(2)"],
          },
        },
      }),
    );
    const app = startEntryPoint('dist/check-policy.js', { MCP_CONFIG: mcpConfig });
    running.push(app);
    expect((await app.exited).code).toBe(0);
    const output = app.output();
    expect(output).toContain('archive_channel: high risk');
    // What the server says is a hint until the operator trusts it: its reads are not low.
    expect(output).toContain(
      'files__read_text_file: medium risk (MCP server files says: read-only; annotations not trusted: each tool medium risk or higher, attempted once, reaching outside)',
    );
    expect(output).toContain(
      'trusted__read_text_file: low risk (MCP server trusted says: read-only; annotations trusted)',
    );
    expect(output).toMatch(
      /trusted__write_file: high risk \(MCP server trusted says: destructive, safe to repeat; annotations trusted\)/,
    );
    expect(output).toMatch(/MCP server broken: .*no such database/);
  });

  it('lists the problems of an invalid one, and exits 1', async () => {
    const policyFile = join(mkdtempSync(join(tmpdir(), 'countersign-check-')), 'policy.jsonc');
    writeFileSync(policyFile, '{ "threshold": "extreme" }');
    const app = startEntryPoint('dist/check-policy.js', { POLICY_FILE: policyFile });
    running.push(app);
    expect((await app.exited).code).toBe(1);
    expect(app.output()).toMatch(/line 1, column 16, threshold: must be "low", "medium" or "high"/);
  });
});

describe('scale-out: worker and Slack app as separate processes on a shared Temporal', () => {
  it('serves a request end to end across the two, and the Slack app reports whether a worker is polling', async () => {
    const address = inject('temporalAddress');
    const taskQueue = `split-${Date.now().toString(36)}`;
    const shared = {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: slackApi.url,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      APPROVERS: PEOPLE.ana.id,
    };
    const port = await freePort();
    const bot = startEntryPoint('dist/main-bot.js', {
      ...shared,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      PORT: String(port),
    });
    running.push(bot);
    const readyUrl = `http://127.0.0.1:${port}/readyz`;
    // Up, Temporal reachable, but no worker yet: alive, not ready — which is all the public port says.
    expect(await waitForStatus(readyUrl, 503, bot)).toEqual({ ok: false });
    expect(await waitForStatus(`http://127.0.0.1:${port}/healthz`, 200, bot)).toEqual({ ok: true });
    // Why goes to the log, once however often an orchestrator asks.
    for (let probe = 0; probe < 3; probe += 1) expect((await fetch(readyUrl)).status).toBe(503);
    const notReady = () => logEntries(bot).filter((entry) => entry.msg === 'not ready');
    expect(notReady()).toEqual([
      expect.objectContaining({ level: 'warn', ok: false, temporal: 'reachable', worker: 'none polling' }),
    ]);

    const worker = startEntryPoint('dist/main-worker.js', {
      ...shared,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: openai.url,
    });
    running.push(worker);
    expect(await waitForHealthy(readyUrl, bot)).toEqual({ ok: true });
    expect(logEntries(bot).filter((entry) => entry.msg === 'ready')).toEqual([
      expect.objectContaining({ level: 'info', temporal: 'reachable', worker: 'polling' }),
    ]);

    const sender = new SlackSender(
      `http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`,
      SIGNING_SECRET,
      slackApi.hooksUrl,
    );
    const card = await askToArchive(sender, 'C0SPLIT', 'Archived split.');
    await approveThroughSlack(sender, card, 'split ok');
    const result = await slackApi.waitForCall('chat.postMessage', (c) => c.args.thread_ts === card.ts);
    expect(String(result.args.text)).toContain('Archived split.');

    expect((await stop(bot)).code).toBe(0);
    expect((await stop(worker)).code).toBe(0);
  });
});
