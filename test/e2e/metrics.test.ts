// What operators watch, as a run moves: the built worker and Slack app, each with METRICS_PORT, scraped before,
// while an approval waits, and after it is decided. A namespace of its own, so that the cluster-wide gauge counts
// only this test's approvals. Real processes, a real Temporal dev server, Slack and the model as local fakes.

import { readdir, readFile, readlink } from 'node:fs/promises';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SLACK_EVENTS_PATH } from '../../src/slack/app.js';
import { functionCall, message } from '../fakes/openai.js';
import type { SlackCall } from '../fakes/slack-api.js';
import { SlackSender } from '../fakes/slack-sender.js';
import { PEOPLE, proposal, scriptModel, waitForCard } from '../support/engine.js';
import {
  type ChildProcessHarness,
  freePort,
  type RunningApp,
  startChildProcessHarness,
  startEntryPoint,
  waitForHealthy,
  waitForStatus,
} from '../support/entry-point.js';
import { dashboardMetricNames } from '../support/grafana-dashboard.js';
import { buttonValue, notesValues, runIdFromAck } from '../support/slack-app.js';

const SIGNING_SECRET = 'metrics-secret';
const ONE_DAY_SECONDS = proto.google.protobuf.Duration.fromObject({ seconds: 24 * 3600 }).seconds;
const POLL = { timeout: 20_000, interval: 250 };

/** One sample of a Prometheus text exposition: `name{label="value",…} number`. */
type Sample = { name: string; labels: Record<string, string>; value: number };

/** Every metric name a scrape offers: its samples', and each declared metric's (a labelled counter may have no sample yet). */
function namesIn(text: string): Set<string> {
  const names = new Set(parseMetrics(text).map((s) => s.name));
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name as string);
    if (type === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

function parseMetrics(text: string): Sample[] {
  return text.split('\n').flatMap((line) => {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? ([^ ]+)/.exec(line);
    if (!match || line.startsWith('#')) return [];
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    return [{ name: match[1] as string, labels, value: Number(match[3]) }];
  });
}

async function scrape(port: number): Promise<Sample[]> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return parseMetrics(await response.text());
}

/** The sum of a metric's samples whose labels include `labels` (0 when there are none yet). */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** The TCP sockets process `pid` listens on, with the address each is bound to (Linux: /proc). */
async function listeningSockets(pid: number): Promise<Array<{ address: string; port: number }>> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  const sockets: Array<{ address: string; port: number }> = [];
  for (const table of ['tcp', 'tcp6']) {
    const lines = (await readFile(`/proc/net/${table}`, 'utf8')).split('\n').slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      // 0A: LISTEN
      if (!local || state !== '0A' || !inode || !inodes.has(inode)) continue;
      const [hex, portHex] = local.split(':');
      const address =
        hex === '0100007F'
          ? '127.0.0.1'
          : /^0+$/.test(hex ?? '')
            ? 'any'
            : hex === '00000000000000000000000001000000'
              ? '::1'
              : (hex ?? '');
      sockets.push({ address, port: Number.parseInt(portHex ?? '', 16) });
    }
  }
  return sockets;
}

let harness: ChildProcessHarness;
let connection: Connection;
let namespace: string;

beforeAll(async () => {
  harness = await startChildProcessHarness();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  namespace = `metrics-${Date.now().toString(36)}`;
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: { seconds: ONE_DAY_SECONDS },
  });
}, 120_000);

afterAll(async () => {
  await harness?.close();
  await connection?.close();
});

describe('METRICS_PORT', () => {
  it('serves each process’s metrics, liveness and readiness, and the numbers move as a run does', async () => {
    const { slackApi, openai, children } = harness;
    const [workerMetrics, botMetrics, botPort] = [await freePort(), await freePort(), await freePort()];
    const shared = {
      SLACK_BOT_TOKEN: 'xoxb-metrics',
      SLACK_API_URL: slackApi.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: 'metrics',
      APPROVERS: PEOPLE.ana.id,
    };
    const bot = startEntryPoint('dist/main-bot.js', {
      ...shared,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      PORT: String(botPort),
      METRICS_PORT: String(botMetrics),
    });
    children.push(bot);
    // Alive at once; not ready while no worker polls the task queue.
    expect(await waitForStatus(`http://127.0.0.1:${botMetrics}/healthz`, 200, bot)).toEqual({ ok: true });
    // (Until its Temporal client is up it says it is starting; then, why it is not ready.)
    const readiness = () =>
      fetch(`http://127.0.0.1:${botMetrics}/readyz`).then(
        async (r) => ({ status: r.status, ...((await r.json()) as object) }),
        () => undefined,
      );
    await expect.poll(readiness, POLL).toMatchObject({ status: 503, ok: false, worker: 'none polling' });

    const worker: RunningApp = startEntryPoint('dist/main-worker.js', {
      ...shared,
      OPENAI_API_KEY: 'sk-metrics',
      OPENAI_BASE_URL: openai.url,
      METRICS_PORT: String(workerMetrics),
      // Decisions are counted from the workflows' audit events, logged at INFO: they must count at any LOG_LEVEL.
      LOG_LEVEL: 'warn',
    });
    children.push(worker);
    expect(await waitForHealthy(`http://127.0.0.1:${workerMetrics}/readyz`, worker)).toMatchObject({
      ok: true,
      worker: 'RUNNING',
    });
    await waitForHealthy(`http://127.0.0.1:${botMetrics}/readyz`, bot);

    /** Both processes report the same pending approvals, read from Temporal at each scrape. */
    const pendingEverywhereIs = async (count: number) => {
      for (const port of [workerMetrics, botMetrics])
        await expect
          .poll(async () => sampleValue(await scrape(port), 'countersign_pending_approvals'), POLL)
          .toBe(count);
    };
    const before = await scrape(workerMetrics);
    expect(sampleValue(before, 'countersign_pending_approvals')).toBe(0);
    expect(sampleValue(before, 'countersign_decisions_total')).toBe(0);
    // The SDK's own worker metrics, through its exporter, in the same scrape.
    expect(before.some((s) => s.name.startsWith('temporal_'))).toBe(true);
    expect(sampleValue(before, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // METRICS_PORT and the SDK's exporter are for this machine alone unless METRICS_HOST says otherwise: the worker
    // listens to no network at all.
    const listening = await listeningSockets(worker.child.pid as number);
    expect(listening).toContainEqual({ address: '127.0.0.1', port: workerMetrics });
    expect(listening.filter((l) => l.port !== workerMetrics).map((l) => l.address)).toEqual(
      expect.arrayContaining(['127.0.0.1']),
    );
    expect(listening.filter((l) => l.address !== '127.0.0.1')).toEqual([]);

    // A request that needs approval: the card is up, the gauge counts it in both processes.
    const request = 'archive <#C0METRICS|metrics>';
    scriptModel(openai, {
      [request]: [
        functionCall('archive_channel', proposal({ channel: 'C0METRICS' }, 'high')),
        message('Archived.'),
      ],
    });
    const sender = new SlackSender(
      `http://127.0.0.1:${botPort}${SLACK_EVENTS_PATH}`,
      SIGNING_SECRET,
      slackApi.hooksUrl,
    );
    const ack = await sender.slashCommand({
      text: request,
      userId: PEOPLE.requester.id,
      channelId: 'C0GENERAL',
    });
    const card = await waitForCard(slackApi, runIdFromAck(ack.json), 30_000);
    await pendingEverywhereIs(1);
    const waiting = await scrape(workerMetrics);
    expect(sampleValue(waiting, 'countersign_model_call_seconds_count', { api: 'responses' })).toBe(1);
    expect(sampleValue(waiting, 'countersign_tool_runs_total')).toBe(0);

    // A Slack refusal while the reviewer clicks: counted by method and error in the Slack app's process.
    slackApi.fail('views.open', { kind: 'error', error: 'trigger_expired' });
    const clickApprove = (triggerId = sender.nextTriggerId()) =>
      sender.blockAction({
        actionId: 'approval_approve',
        value: buttonValue(card.call, 'approve'),
        userId: PEOPLE.ana.id,
        channelId: 'C0GENERAL',
        messageTs: card.ts,
        triggerId,
      });
    await clickApprove();
    await expect
      .poll(
        async () =>
          sampleValue(await scrape(botMetrics), 'countersign_slack_api_errors_total', {
            method: 'views.open',
            error: 'trigger_expired',
          }),
        POLL,
      )
      .toBe(1);

    // The decision: pending back to 0, one approval, one archive run, the model asked again.
    const triggerId = sender.nextTriggerId();
    await clickApprove(triggerId);
    const opened = await slackApi.waitForCall(
      'views.open',
      (c: SlackCall) => c.args.trigger_id === triggerId,
    );
    const view = opened.args.view as { callback_id: string; private_metadata: string };
    // Slack rate-limits the tool's first call: counted in the worker's process, and the activity's failed attempt
    // shows in the SDK's metrics before its retry (which looks first, then archives) goes through.
    slackApi.fail('conversations.archive', { kind: 'rate_limited', retryAfterSeconds: 1 });
    await sender.viewSubmission({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values: notesValues('fine'),
      userId: PEOPLE.ana.id,
    });
    await slackApi.waitForCall('chat.postMessage', (c) => c.args.thread_ts === card.ts, 30_000);
    await pendingEverywhereIs(0);
    const after = await scrape(workerMetrics);
    expect(sampleValue(after, 'countersign_decisions_total', { outcome: 'approved' })).toBe(1);
    expect(sampleValue(after, 'countersign_decisions_total')).toBe(1);
    expect(sampleValue(after, 'countersign_time_to_decision_seconds_count', { outcome: 'approved' })).toBe(1);
    expect(sampleValue(after, 'countersign_time_to_decision_seconds_sum')).toBeGreaterThan(0);
    expect(
      sampleValue(after, 'countersign_tool_runs_total', { tool: 'archive_channel', outcome: 'ok' }),
    ).toBe(1);
    expect(sampleValue(after, 'countersign_model_call_seconds_count', { api: 'responses' })).toBe(2);
    expect(sampleValue(after, 'countersign_model_call_failures_total')).toBe(0);
    // The run completes once the result the tool's activity posted with the model's answer is in its history.
    await expect
      .poll(async () => sampleValue(await scrape(workerMetrics), 'temporal_workflow_completed'), {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(1);
    await expect
      .poll(
        async () =>
          sampleValue(await scrape(workerMetrics), 'countersign_slack_api_errors_total', {
            method: 'conversations.archive',
            error: 'ratelimited',
          }),
        POLL,
      )
      .toBe(1);
    await expect
      .poll(async () => sampleValue(await scrape(workerMetrics), 'temporal_activity_execution_failed'), POLL)
      .toBeGreaterThanOrEqual(1);
    // Ours and the SDK's in one scrape, with no metric declared twice (Prometheus would reject the whole scrape).
    for (const port of [workerMetrics, botMetrics]) {
      const families = [
        ...(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).matchAll(/^# TYPE (\S+)/gm),
      ].map((m) => m[1]);
      expect(families.filter((name, i) => families.indexOf(name) !== i)).toEqual([]);
    }
    // The Grafana dashboard in examples/ asks only for what the processes serve.
    const served = new Set([
      ...namesIn(await (await fetch(`http://127.0.0.1:${workerMetrics}/metrics`)).text()),
      ...namesIn(await (await fetch(`http://127.0.0.1:${botMetrics}/metrics`)).text()),
    ]);
    const used = dashboardMetricNames();
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !served.has(name))).toEqual([]);
    // Nothing secret in what anyone may scrape.
    const text = await (await fetch(`http://127.0.0.1:${workerMetrics}/metrics`)).text();
    expect(text).not.toContain('xoxb-metrics');
    expect(text).not.toContain('sk-metrics');
  });

  it('npm start serves them for both its roles, on the address METRICS_HOST opens, and closes the port when it stops', async () => {
    const [metricsPort, slackPort] = [await freePort(), await freePort()];
    const app = startEntryPoint('dist/main.js', {
      SLACK_BOT_TOKEN: 'xoxb-metrics',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: harness.slackApi.url,
      OPENAI_API_KEY: 'sk-metrics',
      OPENAI_BASE_URL: harness.openai.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: 'metrics-both',
      APPROVERS: PEOPLE.ana.id,
      PORT: String(slackPort),
      METRICS_PORT: String(metricsPort),
      // As in a cluster, where Prometheus and the kubelet's probes come from other machines.
      METRICS_HOST: '0.0.0.0',
    });
    harness.children.push(app);
    // Its own worker makes it ready, on both ports: why, on the operators' port only.
    expect(await waitForHealthy(`http://127.0.0.1:${metricsPort}/readyz`, app)).toMatchObject({
      worker: 'RUNNING',
    });
    expect(await waitForHealthy(`http://127.0.0.1:${slackPort}/readyz`, app)).toEqual({ ok: true });
    expect(await listeningSockets(app.child.pid as number)).toContainEqual({
      address: 'any',
      port: metricsPort,
    });
    const samples = await scrape(metricsPort);
    expect(samples.some((s) => s.name === 'countersign_pending_approvals')).toBe(true);
    expect(samples.some((s) => s.name === 'temporal_worker_task_slots_available')).toBe(true);

    app.child.kill('SIGTERM');
    expect((await app.exited).code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${metricsPort}/healthz`)).rejects.toThrow();
  });

  it('is off when unset: no metrics server in the process', async () => {
    const port = await freePort();
    const bot = startEntryPoint('dist/main-bot.js', {
      SLACK_BOT_TOKEN: 'xoxb-metrics',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: harness.slackApi.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      PORT: String(port),
      LOG_LEVEL: 'info',
    });
    harness.children.push(bot);
    await waitForStatus(`http://127.0.0.1:${port}/healthz`, 200, bot);
    expect(bot.output()).not.toContain('metrics and health served');
    // The Slack port itself serves no metrics.
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
  });
});
