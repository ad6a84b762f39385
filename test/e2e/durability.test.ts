// "Nothing is lost": 50 approvals pending while the worker process is killed, and while the Temporal server
// itself is stopped and restarted on its state file. Real processes (the built entry points), real servers.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunOutcome } from '../../src/approval/run.js';
import type { AuditEvent } from '../../src/approval/schemas.js';
import { SLACK_EVENTS_PATH } from '../../src/slack/app.js';
import { chooseTemporalCli, type DevServer, startDevServer } from '../../src/temporal/dev-server.js';
import { agentWorkflow } from '../../src/workflows/agent.js';
import {
  agentStatusQuery,
  approvalDecisionSignal,
  approvalStatusQuery,
} from '../../src/workflows/messages.js';
import { delayed, type FakeOpenAI, functionCall, message, noAnswer } from '../fakes/openai.js';
import type { FakeSlackApi } from '../fakes/slack-api.js';
import { SlackSender } from '../fakes/slack-sender.js';
import { isApprovalCard, PEOPLE, proposal, scriptModel } from '../support/engine.js';
import {
  type ChildProcessHarness,
  freePort,
  logEntries,
  type RunningApp,
  startChildProcessHarness,
  startEntryPoint,
  waitForHealthy,
  waitForStatus,
} from '../support/entry-point.js';
import { notesValues } from '../support/slack-app.js';

const PENDING = 50;
const BOT_TOKEN = 'xoxb-durability';
const SIGNING_SECRET = 'durability-secret';

let harness: ChildProcessHarness;
let slackApi: FakeSlackApi;
let openai: FakeOpenAI;
let children: RunningApp[];

beforeAll(async () => {
  harness = await startChildProcessHarness();
  ({ slackApi, openai, children: children } = harness);
}, 120_000);

afterAll(() => harness?.close());

function env(address: string, taskQueue: string, namespace = 'default'): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApi.url,
    OPENAI_API_KEY: 'sk-durability',
    OPENAI_BASE_URL: openai.url,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    APPROVERS: PEOPLE.ana.id,
    APPROVAL_TIMEOUT: '1h',
  };
}

function startChild(script: string, vars: Record<string, string>): RunningApp {
  const child = startEntryPoint(script, vars);
  children.push(child);
  return child;
}

/** A task queue of the test's own on the shared test server, a client for it, and a way to start a worker on it. */
async function onSharedServer(prefix: string, body: (queue: SharedQueue) => Promise<void>): Promise<void> {
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = `${prefix}-${Date.now().toString(36)}`;
  const connection = await Connection.connect({ address });
  try {
    await body({
      taskQueue,
      client: new Client({ connection, namespace }),
      startWorker: () => startChild('dist/main-worker.js', env(address, taskQueue, namespace)),
    });
  } finally {
    await connection.close();
  }
}

interface SharedQueue {
  taskQueue: string;
  client: Client;
  startWorker: () => RunningApp;
}

/** Starts the agent on `request`, as the requester in #general. */
const startRun = (queue: SharedQueue, workflowId: string, request: string) =>
  queue.client.workflow.start(agentWorkflow, {
    taskQueue: queue.taskQueue,
    workflowId,
    args: [{ request, requester: PEOPLE.requester, channel: 'C0GENERAL' }],
  });

/** Until every run has its card recorded by its approval, which lives in it. */
async function waitForCards(client: Client, runIds: string[], timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(
      runIds.map((id) =>
        client.workflow
          .getHandle(id)
          .query(approvalStatusQuery)
          .catch(() => undefined),
      ),
    );
    if (statuses.every((s) => s?.card)) return statuses.map((s) => s as NonNullable<typeof s>);
    if (Date.now() > deadline) {
      throw new Error(`${statuses.filter((s) => s?.card).length} of ${runIds.length} cards recorded in time`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function scriptArchives(prefix: string, count: number): string[] {
  const requests = Array.from(
    { length: count },
    (_, i) => `archive <#C0${prefix}${i}|${prefix.toLowerCase()}-${i}>`,
  );
  scriptModel(
    openai,
    Object.fromEntries(
      requests.map((request, i) => [
        request,
        [
          functionCall('archive_channel', proposal({ channel: `C0${prefix}${i}` }, 'high')),
          message(`Archived ${i}.`),
        ],
      ]),
    ),
  );
  return requests;
}

/** The audit a person would expect, in order, for an approved or rejected archive request. */
function expectCompleteAudit(agent: AuditEvent[], approval: AuditEvent[], approved: boolean) {
  expect(agent.map((e) => e.type)).toEqual([
    'request',
    'proposal',
    'verdict',
    'approval_outcome',
    ...(approved ? ['execution', 'result'] : []),
    'final',
  ]);
  expect(approval.map((e) => e.type)).toEqual([
    'approval_requested',
    'stage_opened',
    'card_posted',
    'decision',
    'approval_outcome',
  ]);
}

/** Decides every run (even: approve, odd: reject), waits for all, and checks nothing was lost or doubled. */
async function decideAllAndCheck(
  client: Client,
  started: WorkflowHandle[],
  channelPrefix: string,
  skip = new Set<number>(),
) {
  // Handles through this client: the one that started the runs may be gone with a server restart.
  const runs = started.map((r) => client.workflow.getHandle(r.workflowId));
  const statuses = await waitForCards(
    client,
    runs.map((r) => r.workflowId),
  );
  await Promise.all(
    statuses.map((status, i) =>
      skip.has(i)
        ? undefined
        : client.workflow.getHandle(status.workflow_id).signal(approvalDecisionSignal, {
            request_id: status.request_id,
            approved: i % 2 === 0,
            reviewer: PEOPLE.ana,
            reviewer_notes: i % 2 === 0 ? null : 'not this one',
          }),
    ),
  );
  const outcomes = (await Promise.all(runs.map((r) => r.result()))) as RunOutcome[];
  expect(outcomes.every((o) => o.status === 'completed')).toBe(true);

  for (const [i, run] of runs.entries()) {
    const requestId = statuses[i]?.request_id;
    const cards = slackApi.calls.filter(
      (c) =>
        isApprovalCard(c) &&
        (c.args.metadata as { event_payload: { request_id: string } }).event_payload.request_id === requestId,
    );
    expect(cards, `cards of run ${i}`).toHaveLength(1);
    const archived = slackApi
      .callsTo('conversations.archive')
      .filter((c) => c.args.channel === `C0${channelPrefix}${i}`);
    expect(archived, `archives of run ${i}`).toHaveLength(i % 2 === 0 ? 1 : 0);
    const results = slackApi
      .callsTo('chat.postMessage')
      .filter(
        (c) =>
          (c.args.metadata as { event_payload?: { run_id?: string } } | undefined)?.event_payload?.run_id ===
          run.workflowId,
      );
    expect(results, `results of run ${i}`).toHaveLength(1);
    const agentAudit = (await run.query(agentStatusQuery)).audit;
    const approvalAudit = (await client.workflow.getHandle(run.workflowId).query(approvalStatusQuery)).audit;
    expectCompleteAudit(agentAudit, approvalAudit, i % 2 === 0);
  }
}

describe(`${PENDING} pending approvals`, () => {
  it('survive the worker process being killed with SIGKILL: a new worker finishes every one, once', async () => {
    await onSharedServer('kill', async (queue) => {
      const worker = queue.startWorker();
      const requests = scriptArchives('KILL', PENDING);
      const runs = await Promise.all(
        requests.map((request, i) => startRun(queue, `${queue.taskQueue}-run-${i}`, request)),
      );
      await waitForCards(
        queue.client,
        runs.map((r) => r.workflowId),
      );
      worker.child.kill('SIGKILL');
      expect((await worker.exited).signal).toBe('SIGKILL');

      queue.startWorker();
      await decideAllAndCheck(queue.client, runs, 'KILL');
    });
  }, 240_000);

  it('take up a model call held by a killed worker within seconds, not after its two-minute timeout', async () => {
    await onSharedServer('beat', async (queue) => {
      const worker = queue.startWorker();
      const [request] = scriptArchives('BEAT', 1);
      // The first model call is never answered: the worker is killed while it waits.
      openai.reply(noAnswer());
      const asked = openai.requests.length;
      const run = await startRun(queue, `${queue.taskQueue}-run`, request ?? '');
      await openai.waitForRequests(asked + 1);
      worker.child.kill('SIGKILL');
      await worker.exited;
      const killedAt = Date.now();

      queue.startWorker();
      const [status] = await waitForCards(queue.client, [run.workflowId], 60_000);
      // Its heartbeats stopped with it: the call is tried again after the 10 s heartbeat timeout, not after 2 minutes.
      expect(Date.now() - killedAt).toBeLessThan(45_000);
      expect(status?.proposal.arguments).toEqual({ channel: 'C0BEAT0' });
      await run.terminate('test done');
    });
  }, 120_000);

  it('wait for a slow model call that is alive, without trying it again', async () => {
    await onSharedServer('slow', async (queue) => {
      queue.startWorker();
      const [request] = scriptArchives('SLOW', 1);
      // Longer than the 10 s heartbeat timeout: the worker's heartbeats keep the call alive.
      openai.reply(
        delayed(15_000, functionCall('archive_channel', proposal({ channel: 'C0SLOW0' }, 'high'))),
      );
      const asked = openai.requests.length;
      const run = await startRun(queue, `${queue.taskQueue}-run`, request ?? '');
      await waitForCards(queue.client, [run.workflowId], 60_000);
      expect(openai.requests.length - asked).toBe(1);
      await run.terminate('test done');
    });
  }, 120_000);

  it('survive the Temporal server being stopped and restarted on its state file; a click during the outage is told and works after', async () => {
    const port = await freePort();
    const stateFile = join(mkdtempSync(join(tmpdir(), 'countersign-durable-')), 'temporal.sqlite');
    const cli = chooseTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, searchPath: process.env.PATH });
    const startServer = () => startDevServer({ cli, dbFilename: stateFile, port });
    let server: DevServer = await startServer();
    // The state file keeps a write-ahead log (SQLite's header says so in bytes 18–19), and restarts on it below.
    expect([...readFileSync(stateFile).subarray(18, 20)]).toEqual([2, 2]);
    const address = server.address;
    const taskQueue = 'countersign';
    const slackPort = await freePort();
    const vars = { ...env(address, taskQueue), PORT: String(slackPort) };
    startChild('dist/main-worker.js', vars);
    const bot = startChild('dist/main-bot.js', vars);
    const readyUrl = `http://127.0.0.1:${slackPort}/readyz`;
    await waitForHealthy(readyUrl, bot);
    const sender = new SlackSender(
      `http://127.0.0.1:${slackPort}${SLACK_EVENTS_PATH}`,
      SIGNING_SECRET,
      slackApi.hooksUrl,
    );

    let connection = await Connection.connect({ address });
    try {
      let client = new Client({ connection });
      const requests = scriptArchives('DOWN', PENDING);
      const runs = await Promise.all(
        requests.map((request, i) =>
          client.workflow.start(agentWorkflow, {
            taskQueue,
            workflowId: `durable-run-${i}`,
            args: [{ request, requester: PEOPLE.requester, channel: 'C0GENERAL' }],
          }),
        ),
      );
      const [first] = await waitForCards(
        client,
        runs.map((r) => r.workflowId),
      );
      if (!first?.card) throw new Error('no card for the first run');

      await server.stop();
      await connection.close();
      // Not ready, and nothing more on the public port; Temporal's own error text only in the log.
      expect(await waitForStatus(readyUrl, 503, bot)).toEqual({ ok: false });
      expect(logEntries(bot)).toContainEqual(
        expect.objectContaining({ msg: 'not ready', temporal: 'unreachable', error: expect.any(String) }),
      );
      // Not ready, but alive: an orchestrator must not restart it for an outage that is not its own.
      expect(await waitForStatus(`http://127.0.0.1:${slackPort}/healthz`, 200, bot)).toEqual({ ok: true });

      // Ana clicks Approve on the first card while Temporal is down: she is told, nothing is recorded.
      const click = {
        actionId: 'approval_approve',
        value: JSON.stringify({ workflowId: 'durable-run-0', requestId: first.request_id }),
        userId: PEOPLE.ana.id,
        channelId: first.card.channel,
        messageTs: first.card.ts,
      };
      const clickedAt = Date.now();
      await sender.blockAction(click);
      await Promise.any([
        slackApi.waitForCall(
          'chat.postEphemeral',
          (c) => c.at >= clickedAt && String(c.args.text).includes('could not reach'),
          20_000,
        ),
        slackApi.waitForCall(
          'views.update',
          (c) => c.at >= clickedAt && JSON.stringify(c.args.view).includes('could not reach'),
          20_000,
        ),
      ]);

      server = await startServer();
      await waitForHealthy(readyUrl, bot);
      connection = await Connection.connect({ address });
      client = new Client({ connection });

      // The same click, now that Temporal is back, opens the decision modal; submitting approves.
      const againAt = Date.now();
      await sender.blockAction(click);
      const modal = await Promise.any([
        slackApi.waitForCall(
          'views.open',
          (c) => c.at >= againAt && JSON.stringify(c.args.view).includes('approval_decision_modal'),
          20_000,
        ),
        slackApi.waitForCall(
          'views.update',
          (c) => c.at >= againAt && JSON.stringify(c.args.view).includes('approval_decision_modal'),
          20_000,
        ),
      ]);
      const view = modal.args.view as { callback_id: string; private_metadata: string };
      const submitted = await sender.viewSubmission({
        callbackId: view.callback_id,
        privateMetadata: view.private_metadata,
        values: notesValues('after the outage'),
        userId: PEOPLE.ana.id,
      });
      expect(submitted.text).toBe('');

      await decideAllAndCheck(client, runs, 'DOWN', new Set([0]));
    } finally {
      await connection.close().catch(() => {});
      for (const child of children.splice(0)) child.child.kill('SIGTERM');
      await server.stop();
    }
  }, 300_000);
});
