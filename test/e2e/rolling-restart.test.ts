// A Slack app process stopped (a rolling deploy, a scale-down) while it is still starting a run it has already
// acknowledged: the person was told "On it", so the run must start before the process lets go of Temporal.
// Real parts: the built `npm run bot` entry point, a real dev server behind a TCP relay that this test can hold.
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SLACK_EVENTS_PATH } from '../../src/slack/app.js';
import { SlackSender } from '../fakes/slack-sender.js';
import { PEOPLE } from '../support/engine.js';
import {
  type ChildProcessHarness,
  freePort,
  startChildProcessHarness,
  startEntryPoint,
} from '../support/entry-point.js';
import { runIdFromAck } from '../support/slack-app.js';

const SIGNING_SECRET = 'rolling-restart-secret';
/** Long enough that the app's SIGTERM handling runs while the start is held, well inside its start budget. */
const HOLD_MS = 2_000;

/** A TCP relay to Temporal that can hold what the app sends, as a slow network or a busy server would. */
interface Relay {
  address: string;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

async function startRelay(upstream: string): Promise<Relay> {
  const [host, port] = [upstream.slice(0, upstream.lastIndexOf(':')), Number(upstream.split(':').at(-1))];
  let held = false;
  const waiting: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const server = tcpConnect(port, host);
    sockets.add(client).add(server);
    client.on('data', (chunk) => {
      if (held) waiting.push(() => server.write(chunk));
      else server.write(chunk);
    });
    server.on('data', (chunk) => client.write(chunk));
    for (const [a, b] of [
      [client, server],
      [server, client],
    ] as const) {
      a.on('close', () => b.destroy());
      a.on('error', () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the relay did not listen');
  return {
    address: `127.0.0.1:${address.port}`,
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const send of waiting.splice(0)) send();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let harness: ChildProcessHarness;
let relay: Relay;
let connection: Connection;

beforeAll(async () => {
  harness = await startChildProcessHarness();
  relay = await startRelay(inject('temporalAddress'));
  connection = await Connection.connect({ address: inject('temporalAddress') });
}, 120_000);

afterAll(async () => {
  await harness?.close();
  await relay?.close();
  await connection?.close();
});

describe('a Slack app stopped while it starts an acknowledged run', () => {
  it('starts the run before it exits, and exits 0', async () => {
    const port = await freePort();
    const taskQueue = `rolling-${Date.now().toString(36)}`;
    const app = startEntryPoint('dist/main-bot.js', {
      SLACK_BOT_TOKEN: 'xoxb-rolling',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: harness.slackApi.url,
      PORT: String(port),
      TEMPORAL_ADDRESS: relay.address,
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      APPROVERS: PEOPLE.ana.id,
    });
    harness.children.push(app);
    const deadline = Date.now() + 60_000;
    while (!app.output().includes('Slack app running')) {
      if (Date.now() > deadline || app.child.exitCode !== null)
        throw new Error(`not running:\n${app.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const sender = new SlackSender(
      `http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`,
      SIGNING_SECRET,
      harness.slackApi.hooksUrl,
    );

    relay.hold();
    const ack = await sender.slashCommand({
      text: 'archive <#C0ROLLING|rolling>',
      userId: PEOPLE.requester.id,
      channelId: 'C0GENERAL',
    });
    expect(ack.status).toBe(200);
    const runId = runIdFromAck(ack.json);
    app.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    relay.release();

    expect((await app.exited).code).toBe(0);
    const client = new Client({ connection, namespace: inject('temporalNamespace') });
    const run = await client.workflow.getHandle(runId).describe();
    expect(run.taskQueue).toBe(taskQueue);
    expect(app.output()).toContain('finished the Slack requests in flight');
    // No "was not started" told to the person.
    expect(harness.slackApi.calls.map((c) => JSON.stringify(c.args))).not.toContainEqual(
      expect.stringContaining('was not started'),
    );
    await client.workflow.getHandle(runId).terminate('test over: no worker serves this task queue');
  });
});
