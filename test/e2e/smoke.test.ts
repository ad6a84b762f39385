// Proves the harness: a real Temporal dev server and worker, the real Bolt HTTP receiver with real
// signature checks, and the fake Slack Web API, all over real HTTP.
import { fileURLToPath } from 'node:url';
import type { App } from '@slack/bolt';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, requireSlackCredentials } from '../../src/config.js';
import { createSlackApp, HEALTH_PATH, SLACK_EVENTS_PATH } from '../../src/slack/app.js';
import { type FakeSlackApi, startFakeSlackApi } from '../fakes/slack-api.js';
import { SlackSender } from '../fakes/slack-sender.js';
import { connectToTestServer, type TemporalTestContext, uniqueTaskQueue } from '../support/temporal.js';
import * as activities from './smoke/activities.js';
import { echoRequest } from './smoke/workflows.js';

const SIGNING_SECRET = 'smoke-signing-secret';

let temporal: TemporalTestContext;
let slackApi: FakeSlackApi;
let app: App;
let worker: Worker;
let workerRun: Promise<void>;
let sender: SlackSender;
let baseUrl: string;
const taskQueue = uniqueTaskQueue('smoke');

beforeAll(async () => {
  temporal = await connectToTestServer();
  slackApi = await startFakeSlackApi();
  worker = await Worker.create({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./smoke/workflows.ts', import.meta.url)),
    activities,
  });
  workerRun = worker.run();

  const config = parseConfig({
    SLACK_BOT_TOKEN: 'xoxb-smoke',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApi.url,
    PORT: '0',
  });
  requireSlackCredentials(config);
  app = createSlackApp({ slack: config.slack, logLevel: 'error' });
  app.command('/agent', async ({ command, ack, client }) => {
    await ack();
    const text = await temporal.client.workflow.execute(echoRequest, {
      taskQueue,
      workflowId: `smoke-${command.trigger_id}`,
      args: [command.text, command.user_id],
    });
    await client.chat.postMessage({ channel: command.channel_id, text });
  });
  const server = await app.start(0);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('Bolt did not listen on a TCP port');
  baseUrl = `http://127.0.0.1:${address.port}`;
  sender = new SlackSender(`${baseUrl}${SLACK_EVENTS_PATH}`, SIGNING_SECRET);
});

afterAll(async () => {
  await app?.stop();
  worker?.shutdown();
  await workerRun;
  await slackApi?.close();
  await temporal?.close();
});

describe('harness smoke test', () => {
  it('answers a signed slash command by running a workflow and posting to Slack', async () => {
    const response = await sender.slashCommand({
      text: 'say hello',
      userId: 'U0ALICE',
      channelId: 'C0GENERAL',
    });
    expect(response.status).toBe(200);

    const post = await slackApi.waitForCall('chat.postMessage');
    expect(post.token).toBe('xoxb-smoke');
    expect(post.args).toMatchObject({ channel: 'C0GENERAL', text: '<@U0ALICE> asked for: say hello' });
  });

  it('refuses a forged signature with 401 and posts nothing', async () => {
    slackApi.reset();
    const response = await sender.slashCommand(
      { text: 'forged', userId: 'U0MALLORY', channelId: 'C0GENERAL' },
      'forged',
    );
    expect(response.status).toBe(401);
    // A valid request afterwards still gets through, so "nothing posted" is not just a slow post.
    await sender.slashCommand({ text: 'after the forgery', userId: 'U0ALICE', channelId: 'C0GENERAL' });
    await slackApi.waitForCall('chat.postMessage');
    expect(slackApi.callsTo('chat.postMessage').map((c) => c.args.text)).toEqual([
      '<@U0ALICE> asked for: after the forgery',
    ]);
  });

  it('refuses a stale timestamp with 401', async () => {
    const response = await sender.slashCommand(
      { text: 'stale', userId: 'U0ALICE', channelId: 'C0GENERAL' },
      'stale',
    );
    expect(response.status).toBe(401);
  });

  it('answers the health check', async () => {
    const response = await fetch(`${baseUrl}${HEALTH_PATH}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});
