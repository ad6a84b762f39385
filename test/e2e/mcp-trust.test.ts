// A server's word is not the operator's rule: what an MCP server declares about its tools (annotations) lowers a risk
// only when the operator trusts it in MCP_CONFIG, a rule the operator wrote for a server or a tool asks a person
// whatever the risk, and a server cannot loosen a tool while the app runs. End to end through signed Slack requests,
// a real worker on the dev server, and real MCP servers over stdio (test/fixtures/mcp-hints-server.mjs).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { agentStatusQuery, approvalStatusQuery } from '../../src/workflows/messages.js';
import { CURRENT_PATCH } from '../../src/workflows/patches.js';
import { functionCall, message } from '../fakes/openai.js';
import {
  approvalCardsOf,
  type Engine,
  expectRunsToReplay,
  PEOPLE,
  policyFile,
  proposal,
  runOutcome,
  scriptModel,
  startEngine,
  waitForCard,
} from '../support/engine.js';
import {
  askAgent,
  openDecisionForm,
  type SlackAppHarness,
  startSlackApp,
  submitDecisionForm,
} from '../support/slack-app.js';

const hintsServer = fileURLToPath(new URL('../fixtures/mcp-hints-server.mjs', import.meta.url));

let engine: Engine;
let slack: SlackAppHarness;
/** What the worker's MCP connections logged, as JSON lines. */
const logLines: string[] = [];

beforeAll(async () => {
  const server = (trusted: boolean) => ({
    command: process.execPath,
    args: [hintsServer],
    ...(trusted ? { trustAnnotations: true } : {}),
  });
  const configFile = join(mkdtempSync(join(tmpdir(), 'countersign-mcp-trust-')), 'mcp.jsonc');
  writeFileSync(
    configFile,
    JSON.stringify({
      // The same server four times: its word taken as hints, trusted, under a rule of its own, and changing its tools.
      mcpServers: { plain: server(false), sure: server(true), ruled: server(true), shifty: server(true) },
    }),
  );
  engine = await startEngine({
    prefix: 'mcp-trust',
    env: {
      MCP_CONFIG: configFile,
      APPROVERS: PEOPLE.ana.id,
      POLICY_FILE: policyFile({
        servers: { ruled: { approvers: [PEOPLE.security.id] } },
        tools: { channel_info: { approvers: [PEOPLE.bob.id] } },
      }),
    },
    mcpLogger: createLogger('warn', { service: 'mcp-trust-test' }, (line) => logLines.push(line)),
  });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

/** `/agent <request>` whose model makes `call` (rating it low), then answers. */
async function ask(request: string, call: ReturnType<typeof functionCall>) {
  scriptModel(engine.openai, { [request]: [call, message('Done.')] });
  return askAgent(slack.sender, request);
}

/** The patch ids whose markers a run's history holds, in order. */
async function patchMarkers(runId: string): Promise<string[]> {
  const history = await engine.client.workflow.getHandle(runId).fetchHistory();
  return (history.events ?? []).flatMap((event) =>
    (event.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? []).map(
      (payload) => (JSON.parse(Buffer.from(payload.data ?? []).toString()) as { id: string }).id,
    ),
  );
}

const cardsOf = (runId: string) => approvalCardsOf(engine.slackApi, runId);

async function decide(
  card: Awaited<ReturnType<typeof waitForCard>>,
  userId: string,
  which: 'approve' | 'reject',
) {
  const form = await openDecisionForm(slack, engine.slackApi, card, which, userId);
  expect((await submitDecisionForm(slack, form, userId, which === 'reject' ? 'no' : null)).text).toBe('');
}

describe('annotations are hints unless the operator trusts the server', () => {
  it('asks a person for an untrusted server’s read-only tool (medium, attempted once), and runs a trusted one’s at once', async () => {
    const untrusted = await ask(
      'look cats up in plain',
      functionCall('plain__lookup', proposal({ topic: 'cats' })),
    );
    const card = await waitForCard(engine.slackApi, untrusted);
    const cardText = JSON.stringify(card.call.args.blocks);
    expect(cardText).toContain(':large_orange_circle: medium');
    expect(cardText).toContain('attempted once, never repeated');
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(status.proposal).toMatchObject({ toolRisk: 'medium', risk: 'medium', repeat: 'once' });
    await decide(card, PEOPLE.ana.id, 'reject');
    expect((await runOutcome(engine.client, untrusted)).actions).toEqual([]);

    const trusted = await ask(
      'look cats up in sure',
      functionCall('sure__lookup', proposal({ topic: 'cats' })),
    );
    const outcome = await runOutcome(engine.client, trusted);
    expect(outcome.actions).toEqual([expect.objectContaining({ tool: 'sure__lookup', ok: true })]);
    expect(cardsOf(trusted)).toEqual([]);
    // Each run started on the current code: its one marker says so, and stands for every earlier change.
    for (const runId of [untrusted, trusted]) expect(await patchMarkers(runId)).toEqual([CURRENT_PATCH]);
  });
});

describe('a rule the operator wrote asks a person whatever the risk', () => {
  it('puts a trusted server’s read-only tool under its servers.<server> rule, decided by that rule’s approvers', async () => {
    const runId = await ask(
      'look dogs up in ruled',
      functionCall('ruled__lookup', proposal({ topic: 'dogs' })),
    );
    const card = await waitForCard(engine.slackApi, runId);
    expect(JSON.stringify(card.call.args.blocks)).toContain(':large_green_circle: low');
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(status.proposal).toMatchObject({ risk: 'low' });
    expect(status.eligibility).toMatchObject({ kind: 'listed', users: [PEOPLE.security.id] });
    const verdict = (await engine.client.workflow.getHandle(runId).query(agentStatusQuery)).audit.find(
      (e) => e.type === 'verdict',
    );
    expect(verdict?.details).toMatchObject({
      verdict: 'needs_approval',
      rule: 'server ruled',
      because: ['rule'],
    });
    await decide(card, PEOPLE.security.id, 'approve');
    const outcome = await runOutcome(engine.client, runId);
    expect(outcome.actions).toEqual([expect.objectContaining({ tool: 'ruled__lookup', ok: true })]);
    // Before issue 21, a low-risk call ran at once: this run took the new path, under the current code's one marker
    // (runs from before it ask for BOUNDS_PATCH), and replays on it.
    expect(await patchMarkers(runId)).toEqual([CURRENT_PATCH]);
    expect(await expectRunsToReplay(engine.client, [runId])).toBe(1);
  });

  it('puts every call of a low-risk built-in tool under its tools.<name> rule', async () => {
    const runId = await ask(
      'what is the topic of <#C0GENERAL|general>?',
      functionCall('channel_info', proposal({ channel: 'C0GENERAL' })),
    );
    const card = await waitForCard(engine.slackApi, runId);
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(status.proposal).toMatchObject({ tool: 'channel_info', risk: 'low' });
    expect(status.eligibility).toMatchObject({ kind: 'listed', users: [PEOPLE.bob.id] });
    await decide(card, PEOPLE.bob.id, 'reject');
    await runOutcome(engine.client, runId);
  });
});

describe('a server cannot loosen a tool while the app runs', () => {
  it('keeps a tool it listed as destructive high after the server re-lists it read-only, and logs that a restart is needed', async () => {
    const relabelled = await ask('relabel shifty', functionCall('shifty__relabel', proposal({})));
    expect((await runOutcome(engine.client, relabelled)).actions).toEqual([
      expect.objectContaining({ tool: 'shifty__relabel', ok: true }),
    ]);
    // The server announces tools/list_changed; the worker lists its tools again and keeps purge as strict as it was.
    await expect
      .poll(() => logLines.map((line) => JSON.parse(line) as Record<string, unknown>))
      .toContainEqual(
        expect.objectContaining({
          level: 'warn',
          msg: expect.stringContaining('until a restart'),
          server: 'shifty',
          tool: 'purge',
          loosened: expect.arrayContaining(['risk high → low']),
        }),
      );

    const runId = await ask('purge shifty', functionCall('shifty__purge', proposal({})));
    const card = await waitForCard(engine.slackApi, runId);
    const cardText = JSON.stringify(card.call.args.blocks);
    expect(cardText).toContain(':red_circle: high');
    // The card says what the server says now, beside the risk it keeps.
    expect(cardText).toContain('read-only');
    const status = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(status.proposal).toMatchObject({ toolRisk: 'high', risk: 'high', repeat: 'once' });
    await decide(card, PEOPLE.ana.id, 'reject');
    await runOutcome(engine.client, runId);
  });
});
