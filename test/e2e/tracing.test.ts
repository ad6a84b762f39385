// Traces, as an operator's collector receives them: the built app (`npm start`'s dist/main.js, worker and Slack app in
// one process) exporting OTLP/HTTP to a small receiver in this test, while a request is asked through the signed Slack
// sender, approved in the form and run. One connected trace for the run, with the spans the README promises, and
// nothing secret in any byte sent.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SLACK_EVENTS_PATH } from '../../src/slack/app.js';
import { functionCall, message } from '../fakes/openai.js';
import { SlackSender } from '../fakes/slack-sender.js';
import { PEOPLE, proposal, scriptModel, waitForCard } from '../support/engine.js';
import {
  type ChildProcessHarness,
  freePort,
  startChildProcessHarness,
  startEntryPoint,
  stopAll,
  waitForHealthy,
} from '../support/entry-point.js';
import { buttonValue, notesValues, runIdFromAck } from '../support/slack-app.js';
import { uniqueTaskQueue } from '../support/temporal.js';

const SIGNING_SECRET = 'tracing-signing-secret';
const BOT_TOKEN = 'xoxb-tracing-bot-token';
const OPENAI_KEY = 'sk-tracing-openai-key';
const COLLECTOR_TOKEN = 'collector-token-secret';
/** What the requester wrote and what the tool is called with: a person's words and a call's arguments. */
const REQUEST = 'note in the ledger: the secret-project-name launches';
const ARGUMENT_LINE = 'ledger-line-argument';
/** A credential the MCP server is given in its environment. */
const MCP_SECRET = 'mcp-env-secret-value';
const LEDGER_SERVER = fileURLToPath(new URL('../fixtures/mcp-append-server.mjs', import.meta.url));
const NOTES = 'reviewer notes are private';
const POLL = { timeout: 30_000, interval: 250 };

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: Array<{ key: string; value: OtlpValue }>;
}

/** An OTLP/HTTP receiver (JSON encoding): every body as sent, and the spans in them. */
async function startReceiver() {
  const bodies: string[] = [];
  const authorizations: Array<string | undefined> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      authorizations.push(request.headers.authorization);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    authorizations,
    spans(): ExportedSpan[] {
      return bodies.flatMap((body) => {
        const parsed = JSON.parse(body) as {
          resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: ExportedSpan[] }> }>;
        };
        return (parsed.resourceSpans ?? []).flatMap((r) =>
          (r.scopeSpans ?? []).flatMap((s) => s.spans ?? []),
        );
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: ExportedSpan, key: string) => {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.boolValue ?? value?.intValue;
};

let harness: ChildProcessHarness;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  harness = await startChildProcessHarness();
});

afterAll(async () => {
  await harness?.close();
  await receiver?.close();
});

/**
 * `npm start`'s build with traces on (and `env`), exporting to a fresh receiver: one request asked, approved in the
 * form and run through an MCP server; the spans of its trace once every span expected is there, and the app's output.
 */
async function approvedRequest(env: Record<string, string> = {}) {
  await receiver?.close();
  receiver = await startReceiver();
  const { slackApi, openai } = harness;
  const slackPort = await freePort();
  // An MCP server whose tool (no annotations: destructive, so high risk) is the call approved.
  const dir = mkdtempSync(join(tmpdir(), 'countersign-tracing-'));
  const mcpConfig = join(dir, 'mcp.json');
  writeFileSync(
    mcpConfig,
    JSON.stringify({
      mcpServers: {
        ledger: {
          command: process.execPath,
          args: [LEDGER_SERVER],
          env: { MCP_TEST_FILE: join(dir, 'ledger.txt'), LEDGER_TOKEN: MCP_SECRET },
        },
      },
    }),
  );
  const app = startEntryPoint('dist/main.js', {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApi.url,
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: openai.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('tracing'),
    APPROVERS: PEOPLE.ana.id,
    MCP_CONFIG: mcpConfig,
    PORT: String(slackPort),
    LOG_LEVEL: 'info',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    ...env,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${COLLECTOR_TOKEN}`,
    OTEL_SERVICE_NAME: 'countersign-tracing-test',
    // The SDK's own variable: spans leave within a fifth of a second instead of five.
    OTEL_BSP_SCHEDULE_DELAY: '200',
  });
  harness.children.push(app);
  await waitForHealthy(`http://127.0.0.1:${slackPort}/readyz`, app);

  scriptModel(openai, {
    [REQUEST]: [functionCall('ledger__append', proposal({ line: ARGUMENT_LINE }, 'high')), message('Noted.')],
  });
  const sender = new SlackSender(
    `http://127.0.0.1:${slackPort}${SLACK_EVENTS_PATH}`,
    SIGNING_SECRET,
    slackApi.hooksUrl,
  );
  const ack = await sender.slashCommand({
    text: REQUEST,
    userId: PEOPLE.requester.id,
    channelId: 'C0GENERAL',
  });
  const card = await waitForCard(slackApi, runIdFromAck(ack.json), 30_000);
  const triggerId = sender.nextTriggerId();
  await sender.blockAction({
    actionId: 'approval_approve',
    value: buttonValue(card.call, 'approve'),
    userId: PEOPLE.ana.id,
    channelId: 'C0GENERAL',
    messageTs: card.ts,
    triggerId,
  });
  const opened = await slackApi.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
  const view = opened.args.view as { callback_id: string; private_metadata: string };
  await sender.viewSubmission({
    callbackId: view.callback_id,
    privateMetadata: view.private_metadata,
    values: notesValues(NOTES),
    userId: PEOPLE.ana.id,
  });
  await slackApi.waitForCall('chat.postMessage', (c) => c.args.thread_ts === card.ts, 30_000);

  // The run's trace begins at the slash command's request.
  const traceOfRun = () => {
    const spans = receiver.spans();
    const root = spans.find((s) => s.name === 'slack request slash_command');
    return root ? spans.filter((s) => s.traceId === root.traceId) : [];
  };
  const names = () => traceOfRun().map((s) => s.name);
  const expected = [
    'slack request slash_command',
    'StartWorkflow:agentWorkflow',
    'RunWorkflow:agentWorkflow',
    'model call',
    // The approval lives in the run's workflow: its card's post and its Update are the run's.
    'slack chat.postMessage',
    'StartWorkflowUpdate:submit_decision',
    'HandleUpdate:submit_decision',
    'approval wait',
    'tool ledger__append',
    'mcp tools/call',
  ];
  await expect.poll(names, POLL).toEqual(expect.arrayContaining(expected));
  expect(names().some((name) => name.startsWith('RunActivity:'))).toBe(true);
  const spans = traceOfRun();
  await stopAll([app]);
  return { spans, output: app.output() };
}

describe('traces (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('one approved request is one connected trace, from the Slack request to the tool, with the wait and who decided; no secret in any byte', async () => {
    const { spans, output } = await approvedRequest();
    // Connected: one root, and every other span's parent is in the same trace.
    const ids = new Set(spans.map((s) => s.spanId));
    expect(spans.filter((s) => !s.parentSpanId).map((s) => s.name)).toEqual(['slack request slash_command']);
    expect(spans.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual([]);
    // One trace per run: the model was asked twice, in this trace both times.
    expect(spans.filter((s) => s.name === 'model call')).toHaveLength(2);
    const wait = spans.find((s) => s.name === 'approval wait') as ExportedSpan;
    expect(attribute(wait, 'approval.decided_by')).toBe(PEOPLE.ana.id);
    expect(attribute(wait, 'approval.status')).toBe('approved');
    const tool = spans.find((s) => s.name === 'tool ledger__append') as ExportedSpan;
    expect(attribute(tool, 'tool.outcome')).toBe('ok');
    const mcp = spans.find((s) => s.name === 'mcp tools/call') as ExportedSpan;
    expect([attribute(mcp, 'mcp.server'), attribute(mcp, 'mcp.tool')]).toEqual(['ledger', 'append']);
    expect(mcp.parentSpanId).toBe(tool.spanId);
    // The decision's Update and its handling are in the run's trace, though the form was another Slack request.
    const update = spans.find((s) => s.name === 'StartWorkflowUpdate:submit_decision') as ExportedSpan;
    expect(spans.find((s) => s.name === 'HandleUpdate:submit_decision')?.parentSpanId).toBe(update.spanId);

    // The collector's credential went as a header, and nowhere else.
    expect(receiver.authorizations.every((a) => a === `Bearer ${COLLECTOR_TOKEN}`)).toBe(true);
    const sent = receiver.bodies.join('\n');
    for (const secret of [
      BOT_TOKEN,
      SIGNING_SECRET,
      OPENAI_KEY,
      COLLECTOR_TOKEN,
      MCP_SECRET,
      'secret-project-name',
      ARGUMENT_LINE,
      NOTES,
      'Noted.',
    ])
      expect(sent, secret).not.toContain(secret);
    expect(output).not.toContain(COLLECTOR_TOKEN);
  });

  it("carry a tool call's arguments only when TRACE_TOOL_ARGUMENTS says so", async () => {
    const { spans } = await approvedRequest({ TRACE_TOOL_ARGUMENTS: 'true' });
    const tool = spans.find((s) => s.name === 'tool ledger__append') as ExportedSpan;
    expect(attribute(tool, 'tool.arguments')).toBe(JSON.stringify({ line: ARGUMENT_LINE }));
  });
});
