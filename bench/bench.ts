// `npm run bench`: Countersign's speed and memory, measured on real parts — the built worker and Slack app
// as separate processes, a real Temporal dev server — with the Slack and OpenAI fakes in this process.
// Writes bench/results.json and prints a table. Not part of the test run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { GATEWAY_PATH } from '../src/gateway/server.js';
import { issueToken } from '../src/gateway/tokens.js';
import { SLACK_EVENTS_PATH } from '../src/slack/app.js';
import { chooseTemporalCli, startDevServer } from '../src/temporal/dev-server.js';
import { agentWorkflow } from '../src/workflows/agent.js';
import { agentTokenWorkflow } from '../src/workflows/agent-token.js';
import { functionCall, message, startFakeOpenAI } from '../test/fakes/openai.js';
import { startFakeSlackApi } from '../test/fakes/slack-api.js';
import { SlackSender } from '../test/fakes/slack-sender.js';
import { type TemporalCost, temporalCost } from '../test/support/cost.js';
import { PEOPLE, proposal, userText, WORKSPACE_USERS } from '../test/support/engine.js';
import {
  freePort,
  processesMentioning,
  startEntryPoint,
  waitForHealthy,
} from '../test/support/entry-point.js';
import { pool } from '../test/support/pool.js';
import { notesValues } from '../test/support/slack-app.js';

const CONCURRENT_SENDERS = 50;
const ACK_REQUESTS = 1_000;
/** Reviewer-path cycles: one reviewer at a time, then 50 at once. */
const REVIEWER_PATH_CYCLES_ALONE = 30;
const REVIEWER_PATH_CYCLES_CROWD = 200;
const PENDING_HELD = Number(process.env.BENCH_PENDING ?? 5_000);
const QUICK = process.env.BENCH_QUICK === '1';
const THROUGHPUT_CYCLES = 300;
const IDLE_WINDOW_MS = 10_000;
const SIGNING_SECRET = 'bench-secret';
const CLOCK_TICKS_PER_SECOND = 100;
/** Low-risk calls through the MCP gateway, and straight to the upstream server, per measurement. */
const GATEWAY_CALLS = 200;
/** Calls in flight at once when measuring calls per second: an IDE's agent fanning out reads. */
const GATEWAY_CONCURRENCY = 10;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
  };
}

/** CPU seconds and resident memory of a process, from /proc. */
async function processStats(pid: number): Promise<{ cpuSeconds: number; rssMiB: number }> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  const cpuSeconds = (Number(stat[11]) + Number(stat[12])) / CLOCK_TICKS_PER_SECOND;
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds, rssMiB: Math.round((rssKiB / 1024) * 10) / 10 };
}

/** Average CPU use (% of one core) and final memory of a process over a window in which nothing is asked of it. */
async function idle(pid: number) {
  const before = await processStats(pid);
  await new Promise((r) => setTimeout(r, IDLE_WINDOW_MS));
  const after = await processStats(pid);
  return {
    rssMiB: after.rssMiB,
    cpuPercent: Math.round(((after.cpuSeconds - before.cpuSeconds) / (IDLE_WINDOW_MS / 1000)) * 1000) / 10,
  };
}

function pidOf(commandLines: string[]): number {
  const pid = Number(commandLines[0]?.split(':')[0]);
  if (!pid) throw new Error('process not found');
  return pid;
}

function versionOf(pkg: string): string {
  return (
    JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
}

/**
 * The Temporal server's own request counters, by service and operation: its API requests (`service_requests`), its
 * store's (`persistence_requests`), and its count of billable actions (`action`, as Temporal Cloud meters them). Read from its Prometheus text; a counter is one line per label set, summed here.
 */
async function requestCounts(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const sample = /^(service_requests|persistence_requests|action)\{([^}]*)\} ([0-9.e+]+)$/.exec(line);
    if (!sample) continue;
    const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(sample[2] ?? '')?.[1] ?? '';
    const key =
      sample[1] === 'action'
        ? `actions ${label('action_type') || label('operation') || sample[2]}`
        : `${sample[1] === 'service_requests' ? label('service_name') : 'persistence'} ${label('operation')}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(sample[3]));
  }
  return counts;
}

/** Requests per cycle between two readings, the most frequent first (those at 0.1 or more per cycle). */
function perCycle(before: Map<string, number>, after: Map<string, number>, cycles: number) {
  return Object.fromEntries(
    [...after]
      .map(([key, n]) => [key, Math.round(((n - (before.get(key) ?? 0)) / cycles) * 10) / 10] as const)
      .filter(([, n]) => n >= 0.1)
      .sort((a, b) => b[1] - a[1]),
  );
}

async function main() {
  const started = Date.now();
  const slackApi = await startFakeSlackApi({
    users: WORKSPACE_USERS,
  });
  const openai = await startFakeOpenAI();
  const cli = chooseTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, searchPath: process.env.PATH });
  const temporalPort = await freePort();
  const stateFile = join(mkdtempSync(join(tmpdir(), 'countersign-bench-')), 'temporal.sqlite');
  // BENCH_STATE=memory: the dev server's default, as `temporal server start-dev` runs without --db-filename.
  const inMemory = process.env.BENCH_STATE === 'memory';
  const serverMetricsPort = await freePort();
  const server = await startDevServer({
    cli,
    port: temporalPort,
    metricsPort: serverMetricsPort,
    ...(inMemory ? {} : { dbFilename: stateFile }),
  });
  const serverRequests = () => requestCounts(`http://127.0.0.1:${serverMetricsPort}/metrics`);
  const cliVersion = execFileSync((cli.executable as { path?: string }).path ?? 'temporal', ['--version'])
    .toString()
    .trim();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const slackPort = await freePort();
  const gatewayPort = await freePort();
  // The pinned filesystem server as the MCP server behind the gateway, its reads trusted as read-only (low risk).
  const files = mkdtempSync(join(tmpdir(), 'countersign-bench-files-'));
  writeFileSync(join(files, 'notes.txt'), 'The launch is on Tuesday.\n');
  const filesServer = [
    join(
      dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/server-filesystem/package.json')),
      'dist',
      'index.js',
    ),
    files,
  ];
  const mcpConfig = join(mkdtempSync(join(tmpdir(), 'countersign-bench-mcp-')), 'mcp.json');
  writeFileSync(
    mcpConfig,
    JSON.stringify({
      mcpServers: { files: { command: process.execPath, args: filesServer, trustAnnotations: true } },
    }),
  );
  const vars = {
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApi.url,
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: openai.url,
    TEMPORAL_ADDRESS: server.address,
    APPROVERS: PEOPLE.ana.id,
    APPROVAL_TIMEOUT: '7d',
    LOG_LEVEL: 'warn',
    PORT: String(slackPort),
    MCP_CONFIG: mcpConfig,
    MCP_GATEWAY_PORT: String(gatewayPort),
    APPROVALS_CHANNEL: 'C0BENCH',
  };
  let worker = startEntryPoint('dist/main-worker.js', vars);
  const bot = startEntryPoint('dist/main-bot.js', vars);
  const stop = async () => {
    worker.child.kill('SIGTERM');
    bot.child.kill('SIGTERM');
    await Promise.all([worker.exited, bot.exited]);
    await connection.close();
    await server.stop();
    await slackApi.close();
    await openai.close();
  };
  try {
    await waitForHealthy(`http://127.0.0.1:${slackPort}/healthz`, bot);
    const sender = new SlackSender(
      `http://127.0.0.1:${slackPort}${SLACK_EVENTS_PATH}`,
      SIGNING_SECRET,
      slackApi.hooksUrl,
    );
    const serverPid = pidOf(await processesMentioning(inMemory ? `--port ${temporalPort}` : stateFile));
    const workerPid = worker.child.pid as number;
    const botPid = bot.child.pid as number;

    // The model: low-risk questions answer at once; "archive C…" proposes a high-risk call, then reports.
    openai.otherwise((request) => {
      const text = userText(request);
      const channel = /archive <#(C[A-Z0-9]+)/.exec(text)?.[1];
      const outputs = ((request.body?.input ?? []) as Array<{ type?: string }>).filter(
        (i) => i.type === 'function_call_output',
      );
      if (!channel || outputs.length > 0) return message('Done.');
      return functionCall('archive_channel', proposal({ channel }, 'high'));
    });

    const botIdle = await idle(botPid);

    // Cards to click and decide on.
    /** Starts `count` risky runs and waits for their cards — watching Slack, not querying, to add no load. */
    const cardsFor = async (count: number, prefix: string) => {
      await pool(
        Array.from({ length: count }, (_, i) => i),
        CONCURRENT_SENDERS,
        (i) =>
          client.workflow.start(agentWorkflow, {
            taskQueue: 'countersign',
            workflowId: `${prefix}-${i}`,
            args: [
              {
                request: `archive <#C0${prefix.toUpperCase()}${i}|x>`,
                requester: PEOPLE.requester,
                channel: 'C0BENCH',
              },
            ],
          }),
      );
      const cards = new Map<
        number,
        { workflow_id: string; request_id: string; card: { channel: string; ts: string } }
      >();
      // Its approval lives in the run: the card names the run's workflow.
      const cardOf = new RegExp(`^${prefix}-(\\d+)$`);
      for (let seen = 0; cards.size < count; await new Promise((r) => setTimeout(r, 250))) {
        for (; seen < slackApi.calls.length; seen += 1) {
          const call = slackApi.calls[seen];
          const payload = (
            call?.args.metadata as { event_payload?: { workflow_id?: string; request_id?: string } }
          )?.event_payload;
          const index = cardOf.exec(payload?.workflow_id ?? '')?.[1];
          const ts = (call?.response as { ts?: string } | undefined)?.ts;
          if (index !== undefined && payload?.request_id && ts) {
            cards.set(Number(index), {
              workflow_id: payload.workflow_id as string,
              request_id: payload.request_id,
              card: { channel: 'C0BENCH', ts },
            });
          }
        }
      }
      return Array.from(
        { length: count },
        (_, i) =>
          cards.get(i) as { workflow_id: string; request_id: string; card: { channel: string; ts: string } },
      );
    };

    // 3. The reviewer's path through the real Slack app, at 1 and at 50 reviewers at once: click → the form on screen
    // (views.open), submit → the card updated (chat.update), submit → the threaded result (instant tool).
    const reviewerPath = async (
      count: number,
      concurrency: number,
      prefix: string,
    ): Promise<ReviewerPath> => {
      const cards = await cardsFor(count, prefix);
      const clickToForm: number[] = [];
      const submitToCard: number[] = [];
      const submitToResult: number[] = [];
      const submittedAtOf: number[] = [];
      let lateAnswers = 0;
      let clickNotices = 0;
      const resultMsOf: number[] = [];
      await pool(cards, concurrency, async (status, i) => {
        if (!status.card) throw new Error('no card');
        const card = status.card;
        const triggerId = `${prefix}-${i}.trigger`;
        const clickedAt = Date.now();
        const click = await sender.blockAction({
          actionId: 'approval_approve',
          value: JSON.stringify({ workflowId: status.workflow_id, requestId: status.request_id }),
          userId: PEOPLE.ana.id,
          channelId: card.channel,
          messageTs: card.ts,
          triggerId,
        });
        if (click.status !== 200) throw new Error(`click answered ${click.status}`);
        // The form opens at once, or — when Temporal is slow to answer — replaces a "checking" placeholder.
        const placeholder = await slackApi.waitForCall(
          'views.open',
          (c) => c.args.trigger_id === triggerId,
          30_000,
        );
        const isForm = (c: { args: Record<string, unknown> }) =>
          (c.args.view as { callback_id?: string } | undefined)?.callback_id === 'approval_decision_modal';
        const placeholderId = (placeholder.response as { view?: { id?: string } } | undefined)?.view?.id;
        const opened = isForm(placeholder)
          ? placeholder
          : await slackApi.waitForCall('views.update', (c) => c.args.view_id === placeholderId, 30_000);
        if (!isForm(opened)) {
          // Temporal did not answer even the slow path's budget: the reviewer was told so. Counted, not timed.
          clickNotices += 1;
          return;
        }
        clickToForm.push(opened.at - clickedAt);
        const form = opened.args.view as { callback_id: string; private_metadata: string };
        const submittedAt = Date.now();
        submittedAtOf[i] = submittedAt;
        const submitted = await sender.viewSubmission({
          callbackId: form.callback_id,
          privateMetadata: form.private_metadata,
          values: notesValues(null),
          userId: PEOPLE.ana.id,
        });
        // Past Slack's window the form says, truthfully, that the decision is still being recorded: counted, not fatal.
        const late = submitted.status === 200 && submitted.text.includes('is being recorded');
        if (late) lateAnswers += 1;
        else if (submitted.status !== 200 || submitted.text !== '')
          throw new Error(`submit answered ${submitted.text}`);
        const updated = await slackApi.waitForCall(
          'chat.update',
          (c) =>
            c.args.ts === card.ts &&
            c.at >= submittedAt &&
            JSON.stringify(c.args.blocks).includes('Approved'),
          30_000,
        );
        submitToCard.push(updated.at - submittedAt);
        const result = await slackApi.waitForCall(
          'chat.postMessage',
          (c) => c.args.thread_ts === card.ts && c.at >= submittedAt,
          30_000,
        );
        submitToResult.push(result.at - submittedAt);
        resultMsOf[i] = result.at - submittedAt;
      });
      return {
        reviewers: concurrency,
        median: medianCycle(submittedAtOf, resultMsOf),
        /** Submissions answered "still being recorded" because the workflow's answer missed Slack's window. */
        lateAnswers,
        /** Clicks answered "could not check in time" instead of the form. */
        clickNotices,
        clickToFormMs: summary(clickToForm),
        submitToCardUpdatedMs: summary(submitToCard),
        submitToThreadedResultMs: summary(submitToResult),
      };
    };
    // What one approved request costs the Temporal cluster, from its histories (test/support/cost.ts): events,
    // workflow tasks, and billable actions as Temporal Cloud counts them, with the query the click makes.
    // A request's history is its run's: its approval lives in it.
    const historyOf = (runId: string) => client.workflow.getHandle(runId).fetchHistory();
    const costOf = async (runId: string) => temporalCost(new Map([[runId, await historyOf(runId)]]), 1);

    /** Where the time between submit and result goes: the request's events, in ms from the submission. */
    const timelineOf = async (runId: string, submittedAt: number) => {
      const events: Array<{ ms: number; workflow: string; event: string }> = [];
      for (const event of (await historyOf(runId)).events ?? []) {
        const at =
          Number(event.eventTime?.seconds ?? 0) * 1000 + Math.round((event.eventTime?.nanos ?? 0) / 1e6);
        if (at < submittedAt) continue;
        const kind = proto.temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? 'unknown';
        const activity = event.activityTaskScheduledEventAttributes?.activityType?.name;
        events.push({
          ms: at - submittedAt,
          workflow: 'agent',
          event: `${kind.replace('EVENT_TYPE_', '')}${activity ? ` ${activity}` : ''}`,
        });
      }
      return events.sort((a, b) => a.ms - b.ms);
    };
    /** Complete cycles, 50 at once: request → card → approve → result, one worker; their rate and each process's CPU. */
    const cycles = async () => {
      const cycleStart = performance.now();
      const cpuBefore = await Promise.all([serverPid, workerPid, botPid].map(processStats));
      const requestsBefore = await serverRequests();
      const cycleCards = await cardsFor(THROUGHPUT_CYCLES, 'cycle');
      await pool(cycleCards, CONCURRENT_SENDERS, async (status, i) => {
        await client.workflow.getHandle(status.workflow_id).signal('approval_decision', {
          request_id: status.request_id,
          approved: true,
          reviewer: PEOPLE.ana,
        });
        await client.workflow.getHandle(`cycle-${i}`).result();
      });
      const cycleSeconds = (performance.now() - cycleStart) / 1000;
      const cpuAfter = await Promise.all([serverPid, workerPid, botPid].map(processStats));
      const requestsAfter = await serverRequests();
      const cpuShare = (k: number) =>
        Math.round(
          (((cpuAfter[k]?.cpuSeconds ?? 0) - (cpuBefore[k]?.cpuSeconds ?? 0)) / cycleSeconds) * 1000,
        ) / 10;
      return {
        count: THROUGHPUT_CYCLES,
        perSecond: Math.round((THROUGHPUT_CYCLES / cycleSeconds) * 10) / 10,
        cpuPercentOfOneCore: { temporalServer: cpuShare(0), worker: cpuShare(1), slackApp: cpuShare(2) },
        serverRequestsPerCycle: perCycle(requestsBefore, requestsAfter, THROUGHPUT_CYCLES),
      };
    };
    // 6. The MCP gateway: a low-risk read through it (token check, policy, a workflow, the upstream call) against the
    // same read sent straight to the upstream server, one at a time (latency) and 10 at once (calls per second).
    const gatewayReads = async () => {
      const issued = issueToken();
      await client.workflow.start(agentTokenWorkflow, {
        taskQueue: 'countersign',
        workflowId: issued.workflowId,
        args: [
          {
            token_id: issued.tokenId,
            owner: PEOPLE.requester,
            client: 'bench',
            created_at: new Date().toISOString(),
          },
        ],
      });
      const viaGateway = new McpClient({ name: 'bench', version: '1.0.0' });
      await viaGateway.connect(
        new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${gatewayPort}${GATEWAY_PATH}`), {
          requestInit: { headers: { Authorization: `Bearer ${issued.token}` } },
        }),
      );
      const direct = new McpClient({ name: 'bench', version: '1.0.0' });
      await direct.connect(new StdioClientTransport({ command: process.execPath, args: filesServer }));
      const measure = async (mcp: McpClient, tool: string) => {
        const read = async (i: number) => {
          const t = performance.now();
          // Each path its own file name, so that no call repeats another's (the gateway gives a repeat its outcome).
          const result = await mcp.callTool({
            name: tool,
            arguments: { path: join(files, 'notes.txt'), head: i + 1 },
          });
          if (result.isError) throw new Error(`the read failed: ${JSON.stringify(result.content)}`);
          return performance.now() - t;
        };
        const alone: number[] = [];
        for (let i = 0; i < GATEWAY_CALLS; i += 1) alone.push(await read(i));
        const start = performance.now();
        await pool(
          Array.from({ length: GATEWAY_CALLS }, (_, i) => GATEWAY_CALLS + i),
          GATEWAY_CONCURRENCY,
          read,
        );
        const perSecond = Math.round((GATEWAY_CALLS / ((performance.now() - start) / 1000)) * 10) / 10;
        return { latencyMs: summary(alone), perSecond };
      };
      const upstream = await measure(direct, 'read_text_file');
      const gateway = await measure(viaGateway, 'files__read_text_file');
      await viaGateway.close();
      await direct.close();
      return {
        calls: GATEWAY_CALLS,
        concurrency: GATEWAY_CONCURRENCY,
        upstream,
        gateway,
        addedLatencyP50Ms: Math.round((gateway.latencyMs.p50 - upstream.latencyMs.p50) * 10) / 10,
      };
    };
    // BENCH_QUICK=gateway: only the MCP gateway's reads.
    if (process.env.BENCH_QUICK === 'gateway') {
      console.log(JSON.stringify(await gatewayReads(), null, 1));
      return;
    }
    // BENCH_QUICK=cycles: only the complete cycles at 50 at once.
    if (process.env.BENCH_QUICK === 'cycles') {
      console.log(JSON.stringify(await cycles()));
      return;
    }
    // BENCH_QUICK=1: only the one-reviewer path, its cost and its timeline, to compare one change before and after.
    if (QUICK) {
      const alone = await reviewerPath(REVIEWER_PATH_CYCLES_ALONE, 1, 'alone');
      const cost = await costOf('alone-0');
      const events = await timelineOf(`alone-${alone.median.index}`, alone.median.submittedAt);
      console.log(JSON.stringify({ ...alone, perApprovedRequest: cost }, null, 1));
      for (const e of events) console.log(`+${e.ms} ${e.workflow} ${e.event}`);
      return;
    }

    // 1. Acknowledgement latency of slash commands, 50 concurrent senders.
    const commandAcks = await pool(
      Array.from({ length: ACK_REQUESTS }, (_, i) => i),
      CONCURRENT_SENDERS,
      async (i) => {
        const t = performance.now();
        const response = await sender.slashCommand({
          text: `hello ${i}`,
          userId: PEOPLE.requester.id,
          channelId: 'C0BENCH',
        });
        if (response.status !== 200) throw new Error(`slash command answered ${response.status}`);
        return performance.now() - t;
      },
    );

    // 2. Acknowledgement latency of button clicks (ack first; the check and the modal follow).
    const clickCards = await cardsFor(200, 'click');
    const clickAcks = await pool(
      Array.from({ length: ACK_REQUESTS }, (_, i) => i),
      CONCURRENT_SENDERS,
      async (i) => {
        const status = clickCards[i % clickCards.length];
        if (!status?.card) throw new Error('no card');
        const t = performance.now();
        const response = await sender.blockAction({
          actionId: 'approval_approve',
          value: JSON.stringify({ workflowId: status.workflow_id, requestId: status.request_id }),
          userId: PEOPLE.ana.id,
          channelId: status.card.channel,
          messageTs: status.card.ts,
        });
        if (response.status !== 200) throw new Error(`click answered ${response.status}`);
        return performance.now() - t;
      },
    );

    const oneReviewer = await reviewerPath(REVIEWER_PATH_CYCLES_ALONE, 1, 'alone');
    const manyReviewers = await reviewerPath(REVIEWER_PATH_CYCLES_CROWD, CONCURRENT_SENDERS, 'crowd');

    const perRequest = await costOf('alone-0');

    const submitTimeline = await timelineOf(
      `alone-${oneReviewer.median.index}`,
      oneReviewer.median.submittedAt,
    );

    // 4. Complete cycles per second: request → card → approve → result, one worker.
    const cycleResults = await cycles();
    const worker0AfterLoad = await processStats(workerPid);

    const mcpGateway = await gatewayReads();

    // 5. Many approvals held at once: what waiting costs the worker. A fresh worker process, so that its
    // baseline is not the memory left over from the phases above.
    worker.child.kill('SIGTERM');
    await worker.exited;
    worker = startEntryPoint('dist/main-worker.js', vars);
    await new Promise((r) => setTimeout(r, 5_000));
    const freshWorkerPid = worker.child.pid as number;
    const workerFresh = await idle(freshWorkerPid);
    const heldStart = performance.now();
    await cardsFor(PENDING_HELD, 'held');
    const heldSeconds = (performance.now() - heldStart) / 1000;
    const workerHeld = await idle(freshWorkerPid);
    const serverHeld = await idle(serverPid);

    const results = {
      when: new Date().toISOString(),
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        temporalCli: cliVersion.split('\n')[0],
        temporalSdk: versionOf('@temporalio/worker'),
        bolt: versionOf('@slack/bolt'),
      },
      ackLatencyMs: {
        slashCommand: { concurrentSenders: CONCURRENT_SENDERS, ...summary(commandAcks) },
        buttonClick: { concurrentSenders: CONCURRENT_SENDERS, ...summary(clickAcks) },
      },
      reviewerPath: [oneReviewer, manyReviewers],
      perApprovedRequest: perRequest,
      submitTimeline,
      cycles: cycleResults,
      mcpGateway,
      pendingApprovals: {
        held: PENDING_HELD,
        secondsToCreate: Math.round(heldSeconds),
        worker: { nonePending: workerFresh, allPending: workerHeld },
        workerAfterTheLatencyPhases: worker0AfterLoad,
        temporalServerWhileHolding: serverHeld,
        slackAppIdle: botIdle,
      },
      totalSeconds: Math.round((Date.now() - started) / 1000),
    };
    writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
    printTable(results);
  } finally {
    await stop();
  }
}

type Summary = ReturnType<typeof summary>;

function medianCycle(submittedAt: number[], resultMs: number[]): ReviewerPath['median'] {
  const byTime = resultMs.map((ms, index) => ({ ms, index })).sort((a, b) => a.ms - b.ms);
  const { index, ms } = byTime[Math.floor((byTime.length - 1) / 2)] as { index: number; ms: number };
  return { index, submittedAt: submittedAt[index] as number, submitToResultMs: ms };
}

interface ReviewerPath {
  reviewers: number;
  /** The cycle whose submit → result was the median: its index, and when its submission was sent (epoch ms). */
  median: { index: number; submittedAt: number; submitToResultMs: number };
  lateAnswers: number;
  clickNotices: number;
  clickToFormMs: Summary;
  submitToCardUpdatedMs: Summary;
  submitToThreadedResultMs: Summary;
}

function latency(s: Summary): string {
  return `p50 ${s.p50} ms · p95 ${s.p95} ms · p99 ${s.p99} ms (n ${s.n})`;
}

function printTable(r: Record<string, unknown>) {
  const results = r as {
    machine: Record<string, unknown>;
    ackLatencyMs: Record<string, { p50: number; p95: number; p99: number; n: number }>;
    reviewerPath: ReviewerPath[];
    perApprovedRequest: TemporalCost;
    cycles: { perSecond: number; cpuPercentOfOneCore: Record<string, number> };
    mcpGateway: {
      upstream: { perSecond: number; latencyMs: Summary };
      gateway: { perSecond: number; latencyMs: Summary };
      addedLatencyP50Ms: number;
    };
    pendingApprovals: {
      held: number;
      worker: {
        nonePending: { rssMiB: number; cpuPercent: number };
        allPending: { rssMiB: number; cpuPercent: number };
      };
      temporalServerWhileHolding: { rssMiB: number; cpuPercent: number };
    };
  };
  const rows: Array<[string, string]> = [
    ['machine', Object.values(results.machine).join(' · ')],
    ...Object.entries(results.ackLatencyMs).map(([k, v]): [string, string] => [
      `ack ${k} (${v.n}, 50 senders)`,
      `p50 ${v.p50} ms · p95 ${v.p95} ms · p99 ${v.p99} ms`,
    ]),
    ...results.reviewerPath.flatMap(
      (path): Array<[string, string]> => [
        [`click → form on screen, ${path.reviewers} at once`, latency(path.clickToFormMs)],
        [`submit → card updated, ${path.reviewers} at once`, latency(path.submitToCardUpdatedMs)],
        [`submit → threaded result, ${path.reviewers} at once`, latency(path.submitToThreadedResultMs)],
        [`submissions answered "still being recorded", ${path.reviewers} at once`, String(path.lateAnswers)],
        [`clicks answered "could not check in time", ${path.reviewers} at once`, String(path.clickNotices)],
      ],
    ),
    [
      'one approved request on Temporal',
      `${results.perApprovedRequest.historyEvents} history events · ${results.perApprovedRequest.workflowTasks} workflow tasks · ${results.perApprovedRequest.billableActions} actions (${Object.entries(
        results.perApprovedRequest.actions,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
    ],
    [
      'request → approve → result cycles',
      `${results.cycles.perSecond}/s · CPU % of a core: ${Object.entries(results.cycles.cpuPercentOfOneCore)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    ],
    [
      'low-risk MCP read through the gateway (10 at once)',
      `${results.mcpGateway.gateway.perSecond}/s (upstream directly: ${results.mcpGateway.upstream.perSecond}/s) · one at a time ${latency(results.mcpGateway.gateway.latencyMs)}, +${results.mcpGateway.addedLatencyP50Ms} ms at p50 over the upstream alone`,
    ],
    [
      `worker, 0 vs ${results.pendingApprovals.held} pending`,
      `RSS ${results.pendingApprovals.worker.nonePending.rssMiB} → ${results.pendingApprovals.worker.allPending.rssMiB} MiB · idle CPU ${results.pendingApprovals.worker.nonePending.cpuPercent}% → ${results.pendingApprovals.worker.allPending.cpuPercent}%`,
    ],
    [
      `Temporal server holding ${results.pendingApprovals.held}`,
      `RSS ${results.pendingApprovals.temporalServerWhileHolding.rssMiB} MiB · idle CPU ${results.pendingApprovals.temporalServerWhileHolding.cpuPercent}%`,
    ],
  ];
  const timeline = (r as { submitTimeline: Array<{ ms: number; workflow: string; event: string }> })
    .submitTimeline;
  rows.push([
    `submit → result, median cycle (${results.reviewerPath[0]?.median.submitToResultMs} ms)`,
    timeline.map((e) => `+${e.ms} ${e.workflow} ${e.event}`).join('\n'),
  ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

await main();
