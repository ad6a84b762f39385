// Production shape, proven: two worker processes and two Slack app processes (HTTP mode, requests spread across
// both) on one Temporal, 200 requests, half of them needing approval. While they run, one worker is killed with
// SIGKILL, the Temporal server is restarted, and both Slack apps are restarted one after the other. Then every
// card is decided through Slack, and every request must end exactly as decided: no card or result posted twice,
// no approved action run twice, no rejected one run at all, every audit complete.
//
// The same suite runs on the official Temporal server on PostgreSQL (`postgres`) and on the dev server with
// its SQLite file (`dev`), so that the two can be compared. `CLUSTER_TARGETS=postgres` runs one of them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../src/approval/run.js';
import type { AuditEvent } from '../../src/approval/schemas.js';
import { SLACK_EVENTS_PATH } from '../../src/slack/app.js';
import { chooseTemporalCli, startDevServer } from '../../src/temporal/dev-server.js';
import { agentWorkflow } from '../../src/workflows/agent.js';
import { agentStatusQuery, runApprovalsQuery } from '../../src/workflows/messages.js';
import { ANY_MEMBER, APPROVAL_STATUS_KEY, DECIDERS_KEY } from '../../src/workflows/search-attributes.js';
import { functionCall, message } from '../fakes/openai.js';
import type { FakeSlackApi, SlackCall } from '../fakes/slack-api.js';
import { SlackSender } from '../fakes/slack-sender.js';
import { isApprovalCard, PEOPLE, proposal, scriptModel, waitForCard } from '../support/engine.js';
import {
  type ChildProcessHarness,
  freePort,
  type RunningApp,
  startChildProcessHarness,
  startEntryPoint,
  waitForStatus,
} from '../support/entry-point.js';
import { pool } from '../support/pool.js';
import { buttonValue, notesValues, runIdFromAck } from '../support/slack-app.js';
import { startTemporalCluster } from '../support/temporal-cluster.js';

const REQUESTS = 200;
/** Slash commands and decisions in flight at once, as a busy workspace would send them. */
const CONCURRENCY = 8;
const BOT_TOKEN = 'xoxb-cluster';
const SIGNING_SECRET = 'cluster-signing-secret';
const TASK_QUEUE = 'countersign';
/** A worker killed mid-task leaves that task to time out before another worker retries it (a model call: 2 min). */
const CARDS_WITHIN_MS = 5 * 60_000;
/** Visibility is written after the workflow's own state, and may lag it a little. */
const INBOX_WITHIN = { timeout: 30_000, interval: 500 };

/** What the suite needs from a Temporal service: where it is, and how to restart it on the same state. */
interface Target {
  address: string;
  namespace: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const TARGETS: Record<string, () => Promise<Target>> = {
  async postgres() {
    return startTemporalCluster();
  },
  async dev() {
    const cli = chooseTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, searchPath: process.env.PATH });
    const dbFilename = join(mkdtempSync(join(tmpdir(), 'countersign-cluster-dev-')), 'temporal.sqlite');
    const port = await freePort();
    let server = await startDevServer({ cli, dbFilename, port });
    return {
      address: server.address,
      namespace: server.namespace,
      async restart() {
        await server.stop();
        server = await startDevServer({ cli, dbFilename, port });
      },
      stop: () => server.stop(),
    };
  },
};

const chosen = (process.env.CLUSTER_TARGETS ?? 'postgres,dev').split(',').filter(Boolean);
for (const name of chosen) if (!TARGETS[name]) throw new Error(`CLUSTER_TARGETS: unknown target ${name}`);

/** One request of the run: even ones ask to archive a channel (needs approval), odd ones only look one up. */
interface Request {
  i: number;
  text: string;
  channel: string;
  risky: boolean;
  /** For a risky request: what the reviewer will decide. */
  approve: boolean;
}

function planRequests(prefix: string): Request[] {
  return Array.from({ length: REQUESTS }, (_, i) => {
    const risky = i % 2 === 0;
    const channel = `C0${prefix}${i}`;
    const verb = risky ? 'archive' : 'look up';
    return {
      i,
      text: `${verb} <#${channel}|${prefix.toLowerCase()}-${i}>`,
      channel,
      risky,
      approve: i % 4 === 0,
    };
  });
}

/** For a failure message: which runs have no card, and what Temporal says of the first few. */
async function runsWithoutCards(client: Client, slackApi: FakeSlackApi, runIds: string[]): Promise<string[]> {
  const carded = (runId: string) =>
    slackApi.calls.some((c) => isApprovalCard(c) && JSON.stringify(c.args.metadata).includes(`${runId}/`));
  const missing = runIds.filter((runId) => !carded(runId));
  const states = await Promise.all(
    missing.slice(0, 5).map((runId) =>
      client.workflow
        .getHandle(runId)
        .describe()
        .then(
          (run) => `${runId}: ${run.status.name}`,
          (error: Error) => `${runId}: ${error.message}`,
        ),
    ),
  );
  return [`${missing.length} runs without a card; the first of them:`, ...states];
}

const AUDIT = {
  lowRisk: ['request', 'proposal', 'verdict', 'execution', 'result', 'final'],
  approved: ['request', 'proposal', 'verdict', 'approval_outcome', 'execution', 'result', 'final'],
  rejected: ['request', 'proposal', 'verdict', 'approval_outcome', 'final'],
  approval: ['approval_requested', 'stage_opened', 'card_posted', 'decision', 'approval_outcome'],
};

describe.each(chosen)('a scaled-out deployment on %s', (targetName) => {
  let harness: ChildProcessHarness;
  let target: Target;
  let client: Client;
  let connection: Connection;

  beforeAll(async () => {
    harness = await startChildProcessHarness();
    target = await (TARGETS[targetName] as () => Promise<Target>)();
  }, 300_000);

  afterAll(async () => {
    await connection?.close();
    await harness?.close();
    await target?.stop();
  }, 120_000);

  it(
    `ends ${REQUESTS} requests exactly as decided through a worker killed, a server restart and both apps restarted`,
    async () => {
      const { slackApi, openai, children } = harness;
      const env = {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slackApi.url,
        OPENAI_API_KEY: 'sk-cluster',
        OPENAI_BASE_URL: openai.url,
        TEMPORAL_ADDRESS: target.address,
        TEMPORAL_NAMESPACE: target.namespace,
        TEMPORAL_TASK_QUEUE: TASK_QUEUE,
        APPROVERS: PEOPLE.ana.id,
        APPROVAL_TIMEOUT: '1h',
        LOG_LEVEL: 'warn',
      };
      const started = (script: string, extra: Record<string, string> = {}) => {
        const child = startEntryPoint(script, { ...env, ...extra });
        children.push(child);
        return child;
      };
      const timeline: string[] = [];
      const t0 = Date.now();
      const mark = (what: string) => timeline.push(`+${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);

      // Two workers, two Slack apps behind a "load balancer": request i goes to app i % 2.
      // Each worker serves its metrics: the decisions they count must add up to the decisions made.
      const workerMetricsPorts = [await freePort(), await freePort()];
      const startWorker = (i: number) =>
        started('dist/main-worker.js', { METRICS_PORT: String(workerMetricsPorts[i]) });
      const workers = [startWorker(0), startWorker(1)];
      const ports = [await freePort(), await freePort()];
      const apps: RunningApp[] = ports.map((port) => started('dist/main-bot.js', { PORT: String(port) }));
      const ready = (i: number) =>
        waitForStatus(`http://127.0.0.1:${ports[i]}/readyz`, 200, apps[i] as RunningApp, 120_000);
      await Promise.all([ready(0), ready(1)]);
      const senders = ports.map(
        (port) =>
          new SlackSender(`http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`, SIGNING_SECRET, slackApi.hooksUrl),
      );
      const senderFor = (i: number) => senders[i % 2] as SlackSender;
      let triggers = 0;
      const triggerId = (what: string) => {
        triggers += 1;
        return `${targetName}.${what}.${triggers}.trigger`;
      };
      mark('2 workers and 2 Slack apps ready');

      const requests = planRequests(targetName === 'dev' ? 'DEV' : 'PG');
      scriptModel(
        openai,
        Object.fromEntries(
          requests.map((r) => [
            r.text,
            r.risky
              ? [
                  functionCall('archive_channel', proposal({ channel: r.channel }, 'high')),
                  message(r.approve ? `Archived ${r.i}.` : `Left ${r.i} alone.`),
                ]
              : [
                  functionCall('channel_info', proposal({ channel: r.channel })),
                  message(`Looked up ${r.i}.`),
                ],
          ]),
        ),
      );
      const ask = async (r: Request) => {
        const ack = await senderFor(r.i).slashCommand({
          text: r.text,
          userId: PEOPLE.requester.id,
          channelId: 'C0GENERAL',
          triggerId: triggerId('ask'),
        });
        expect(ack.status, `request ${r.i}: ${ack.text}`).toBe(200);
        return runIdFromAck(ack.json);
      };

      // The first half arrives; one worker dies without a chance to say so.
      const runIds = await pool(requests.slice(0, REQUESTS / 2), CONCURRENCY, ask);
      workers[0]?.child.kill('SIGKILL');
      await workers[0]?.exited;
      mark(`${REQUESTS / 2} requests in; worker 1 killed with SIGKILL`);
      runIds.push(...(await pool(requests.slice(REQUESTS / 2), CONCURRENCY, ask)));
      mark(`${REQUESTS} requests in`);

      // The Temporal server goes down and comes back on the same state.
      await target.restart();
      mark('Temporal server restarted');

      // A rolling restart of the Slack apps, one after the other, each back before the next goes.
      for (const i of [0, 1]) {
        const app = apps[i] as RunningApp;
        app.child.kill('SIGTERM');
        expect((await app.exited).code, `Slack app ${i + 1} on SIGTERM`).toBe(0);
        apps[i] = started('dist/main-bot.js', { PORT: String(ports[i]) });
        await ready(i);
      }
      mark('both Slack apps restarted');
      // The killed worker's replacement, as a Deployment would start one.
      workers[0] = startWorker(0);

      connection = await Connection.connect({ address: target.address });
      client = new Client({ connection, namespace: target.namespace });

      // Every card, once; then every decision through Slack, spread across both apps.
      const risky = requests.filter((r) => r.risky);
      const cards = await Promise.all(
        risky.map((r) => waitForCard(slackApi, runIds[r.i] as string, CARDS_WITHIN_MS)),
      ).catch(async (error) => {
        const errors = children.flatMap((c) =>
          c
            .output()
            .split('\n')
            .filter((l) => l.includes('"level":"error"')),
        );
        throw new Error(
          [
            (error as Error).message.slice(0, 300),
            ...timeline,
            ...(await runsWithoutCards(
              client,
              slackApi,
              risky.map((r) => runIds[r.i] as string),
            )),
            ...errors.slice(0, 20),
          ].join('\n'),
        );
      });
      mark(`${cards.length} cards posted`);

      // The approver's inbox (App Home, `/agent pending`) is a visibility query on our search attributes: on
      // this service's visibility store it must list every waiting card, and none once they are decided.
      const waitingOnAna =
        `WorkflowType = '${agentWorkflow.name}' AND ${APPROVAL_STATUS_KEY.name} = 'pending' AND ` +
        `${DECIDERS_KEY.name} IN ('${PEOPLE.ana.id}', '${ANY_MEMBER}')`;
      await expect
        .poll(async () => (await client.workflow.count(waitingOnAna)).count, INBOX_WITHIN)
        .toBe(risky.length);
      await pool(risky, CONCURRENCY, async (r, k) => {
        const card = cards[k] as Awaited<ReturnType<typeof waitForCard>>;
        const sender = senderFor(k);
        const which = r.approve ? 'approve' : 'reject';
        const clickId = triggerId('click');
        const clicked = await sender.blockAction({
          actionId: `approval_${which}`,
          value: buttonValue(card.call, which),
          userId: PEOPLE.ana.id,
          channelId: String(card.call.args.channel),
          messageTs: card.ts,
          triggerId: clickId,
        });
        expect(clicked.status).toBe(200);
        const opened = await slackApi.waitForCall('views.open', (c) => c.args.trigger_id === clickId, 60_000);
        const view = opened.args.view as { callback_id: string; private_metadata: string };
        const submitted = await sender.viewSubmission({
          callbackId: view.callback_id,
          privateMetadata: view.private_metadata,
          values: notesValues(r.approve ? 'fine' : 'keep it'),
          userId: PEOPLE.ana.id,
        });
        expect(submitted.status, `decision on request ${r.i}: ${submitted.text}`).toBe(200);
      });
      mark(`${risky.length} decisions submitted`);

      const outcomes = (await Promise.all(
        runIds.map((id) => client.workflow.getHandle(id).result()),
      )) as RunOutcome[];
      mark('every run finished');
      // The live workers (the second, and the first one's replacement) counted every decision, by outcome.
      const decided = async (outcome: string) => {
        let total = 0;
        for (const port of workerMetricsPorts) {
          const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          const line = new RegExp(`^countersign_decisions_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(
            text,
          );
          total += Number(line?.[1] ?? 0);
        }
        return total;
      };
      await expect.poll(() => decided('approved'), INBOX_WITHIN).toBe(risky.filter((r) => r.approve).length);
      await expect.poll(() => decided('rejected'), INBOX_WITHIN).toBe(risky.filter((r) => !r.approve).length);
      await expect.poll(async () => (await client.workflow.count(waitingOnAna)).count, INBOX_WITHIN).toBe(0);
      console.log(`[cluster ${targetName}]\n  ${timeline.join('\n  ')}`);

      const metadataOf = (c: SlackCall) =>
        (c.args.metadata as { event_payload?: { run_id?: string; workflow_id?: string } } | undefined)
          ?.event_payload;
      for (const r of requests) {
        const runId = runIds[r.i] as string;
        const outcome = outcomes[r.i] as RunOutcome;
        const about = `request ${r.i} (${r.text})`;
        expect(outcome.status, about).toBe('completed');
        const cardsOfRun = slackApi.calls.filter(
          // Its approval lives in the run.
          (c) => isApprovalCard(c) && metadataOf(c)?.workflow_id === runId,
        );
        expect(cardsOfRun, `cards of ${about}`).toHaveLength(r.risky ? 1 : 0);
        const results = slackApi
          .callsTo('chat.postMessage')
          .filter((c) => !isApprovalCard(c) && metadataOf(c)?.run_id === runId);
        expect(results, `results of ${about}`).toHaveLength(1);
        const archived = slackApi
          .callsTo('conversations.archive')
          .filter((c) => c.args.channel === r.channel);
        expect(archived, `archives of ${about}`).toHaveLength(r.risky && r.approve ? 1 : 0);
        if (r.risky) {
          expect(outcome.approvals.map((a) => a.status)).toEqual([r.approve ? 'approved' : 'rejected']);
          expect(outcome.answer).toBe(r.approve ? `Archived ${r.i}.` : `Left ${r.i} alone.`);
        } else {
          expect(outcome.approvals).toEqual([]);
          expect(outcome.answer).toBe(`Looked up ${r.i}.`);
          const lookups = slackApi.callsTo('conversations.info').filter((c) => c.args.channel === r.channel);
          expect(lookups.length, `look-ups of ${about}`).toBeGreaterThanOrEqual(1);
        }

        const audit = (await client.workflow.getHandle(runId).query(agentStatusQuery)).audit;
        const kinds = (events: AuditEvent[]) => events.map((e) => e.type);
        expect(kinds(audit), `audit of ${about}`).toEqual(
          r.risky ? (r.approve ? AUDIT.approved : AUDIT.rejected) : AUDIT.lowRisk,
        );
        if (r.risky) {
          // The approval lives in its run, which answers for it.
          const [approval] = await client.workflow.getHandle(runId).query(runApprovalsQuery);
          const approvalAudit = approval?.audit ?? [];
          expect(kinds(approvalAudit), `approval audit of ${about}`).toEqual(AUDIT.approval);
        }
      }
    },
    15 * 60_000,
  );
});
