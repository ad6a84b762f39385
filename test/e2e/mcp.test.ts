// Tools of a real MCP server nobody here wrote — the official filesystem server, pinned, over stdio — behind
// Countersign's approvals, end to end through signed Slack requests, a real worker and the dev server.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalStatusQuery } from '../../src/workflows/messages.js';
import { functionCall, message } from '../fakes/openai.js';
import {
  type Engine,
  isApprovalCard,
  PEOPLE,
  proposal,
  runOutcome,
  scriptModel,
  startEngine,
  toolOutputs,
  userText,
  waitForCard,
} from '../support/engine.js';
import {
  askAgent,
  openDecisionForm,
  type SlackAppHarness,
  startSlackApp,
  submitDecisionForm,
} from '../support/slack-app.js';

const require = createRequire(import.meta.url);
const serverPackage = require.resolve('@modelcontextprotocol/server-filesystem/package.json');
const serverEntry = join(dirname(serverPackage), 'dist', 'index.js');

let engine: Engine;
let slack: SlackAppHarness;
let files: string;
let ledger: string;
/** A small SDK server of our tests whose `append_then_crash` writes, then dies before answering. */
const appendServer = fileURLToPath(new URL('../fixtures/mcp-append-server.mjs', import.meta.url));

beforeAll(async () => {
  files = mkdtempSync(join(tmpdir(), 'countersign-mcp-files-'));
  writeFileSync(join(files, 'notes.txt'), 'The launch is on Tuesday.\n');
  const configDir = mkdtempSync(join(tmpdir(), 'countersign-mcp-'));
  ledger = join(configDir, 'ledger.txt');
  const configFile = join(configDir, 'mcp.jsonc');
  writeFileSync(
    configFile,
    JSON.stringify({
      mcpServers: {
        // As the quick start does: the official server's annotations are trusted, so its reads run at once.
        files: { command: process.execPath, args: [serverEntry, files], trustAnnotations: true },
        ledger: { command: process.execPath, args: [appendServer], env: { MCP_TEST_FILE: ledger } },
      },
    }),
  );
  // A policy rule for one of the server's tools, by its <server>__<tool> name, and a risk pinned for another. (A rule
  // for the whole server would put its reads under approval too: test/e2e/mcp-trust.test.ts.)
  const policyFile = join(configDir, 'policy.jsonc');
  writeFileSync(
    policyFile,
    JSON.stringify({
      tools: { files__write_file: { timeout: '2h' }, files__list_directory: { risk: 'high' } },
      servers: { ledger: { timeout: '3h' } },
    }),
  );
  engine = await startEngine({
    prefix: 'mcp',
    env: { MCP_CONFIG: configFile, POLICY_FILE: policyFile, APPROVERS: PEOPLE.ana.id },
  });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

async function decide(
  card: Awaited<ReturnType<typeof waitForCard>>,
  which: 'approve' | 'reject',
  notes: string,
) {
  const form = await openDecisionForm(slack, engine.slackApi, card, which, PEOPLE.ana.id);
  expect((await submitDecisionForm(slack, form, PEOPLE.ana.id, notes)).text).toBe('');
  return form;
}

describe('an MCP server’s tools behind approvals', () => {
  it('runs a read-only tool at once, with no card, and gives the model what it read', async () => {
    const request = 'what does notes.txt say?';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('files__read_text_file', proposal({ path: join(files, 'notes.txt') })),
        message('It says the launch is on Tuesday.'),
      ],
    });
    const runId = await askAgent(slack.sender, request);
    const outcome = await runOutcome(engine.client, runId);
    expect(outcome.status).toBe('completed');
    const last = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
    expect(last && JSON.stringify(toolOutputs(last))).toContain('The launch is on Tuesday.');
    expect(
      engine.slackApi.calls.filter((c) => isApprovalCard(c) && JSON.stringify(c.args).includes(runId)),
    ).toEqual([]);
  });

  it('holds write_file for approval, shows the server and what it declares, and writes exactly what was approved, once', async () => {
    const target = join(files, 'plan.md');
    const content = '# Plan\n\n- ship <!channel> on Tuesday\n';
    const request = 'write the plan';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('files__write_file', proposal({ path: target, content }, 'low')),
        message('Written.'),
      ],
    });
    const card = await waitForCard(engine.slackApi, await askAgent(slack.sender, request));
    expect(existsSync(target)).toBe(false);
    const cardJson = JSON.stringify(card.call.args.blocks);
    expect(cardJson).toContain('From MCP server* `files`');
    expect(cardJson).toContain('destructive');
    expect(cardJson).toContain(':red_circle: high');
    expect(cardJson).not.toContain('<!channel>');
    const requested = (
      await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery)
    ).audit.find((e) => e.type === 'approval_requested');
    expect(requested?.details).toMatchObject({ rule: 'tool files__write_file' });
    const form = await decide(card, 'approve', 'ok');
    expect(JSON.stringify(form.blocks)).toContain('Write File');
    const outcome = await runOutcome(engine.client, card.workflowId.split('/')[0] ?? '');
    expect(outcome.status).toBe('completed');
    expect(readFileSync(target, 'utf8')).toBe(content);
    expect(outcome.actions).toEqual([expect.objectContaining({ tool: 'files__write_file', ok: true })]);
  });

  it('writes nothing when the write is rejected, and the model hears why', async () => {
    const target = join(files, 'secret.md');
    const request = 'write the secret';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('files__write_file', proposal({ path: target, content: 'secret' }, 'high')),
        message('Not written.'),
      ],
    });
    const card = await waitForCard(engine.slackApi, await askAgent(slack.sender, request));
    await decide(card, 'reject', 'not in this folder');
    await runOutcome(engine.client, card.workflowId.split('/')[0] ?? '');
    expect(existsSync(target)).toBe(false);
    const last = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
    expect(last && toolOutputs(last)[0]).toMatchObject({ reviewer_notes: 'not in this folder' });
  });

  it('applies the policy’s pinned risk: a read pinned high waits for a card', async () => {
    const request = 'list the folder';
    scriptModel(engine.openai, {
      [request]: [functionCall('files__list_directory', proposal({ path: files })), message('Listed.')],
    });
    const card = await waitForCard(engine.slackApi, await askAgent(slack.sender, request));
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(status.proposal).toMatchObject({ toolRisk: 'high', risk: 'high' });
    expect(status.audit.find((e) => e.type === 'approval_requested')?.details).toMatchObject({
      rule: 'default',
    });
    await decide(card, 'approve', 'fine');
    expect((await runOutcome(engine.client, card.workflowId.split('/')[0] ?? '')).status).toBe('completed');
  });

  it('reports an approved write whose server dies mid-call as "may have run", and never repeats it', async () => {
    const request = 'record the payment';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('ledger__append_then_crash', proposal({ line: 'paid 100' }, 'high')),
        message('It may have been recorded; please check the ledger.'),
      ],
    });
    const card = await waitForCard(engine.slackApi, await askAgent(slack.sender, request));
    await decide(card, 'approve', 'go');
    const runId = card.workflowId.split('/')[0] ?? '';
    const outcome = await runOutcome(engine.client, runId);
    expect(outcome.actions).toEqual([
      expect.objectContaining({ tool: 'ledger__append_then_crash', ok: false, unknown: true }),
    ]);
    expect(readFileSync(ledger, 'utf8')).toBe('paid 100\n');
    const last = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
    expect(last && toolOutputs(last)[0]).toMatchObject({ status: 'outcome_unknown' });
    const reply = await engine.slackApi.waitForCall('chat.postMessage', (c) => c.args.thread_ts === card.ts);
    expect(String(reply.args.text)).toContain('may have run; check before retrying');
  });

  it('refuses arguments that break the server’s own schema before anyone is asked', async () => {
    const request = 'write something odd';
    scriptModel(engine.openai, {
      [request]: [functionCall('files__write_file', proposal({ path: 42 }, 'high')), message('Could not.')],
    });
    const runId = await askAgent(slack.sender, request);
    await runOutcome(engine.client, runId);
    const last = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
    expect(last && JSON.stringify(toolOutputs(last))).toMatch(/invalid arguments: arguments/);
    expect(
      engine.slackApi.calls.filter((c) => isApprovalCard(c) && JSON.stringify(c.args).includes(runId)),
    ).toEqual([]);
  });
});
