// Logs never carry credentials or response_urls, at any level: the Slack app at LOG_LEVEL=debug and the worker, both
// writing our JSON lines. Over HTTP, Bolt and the Slack SDK print request URLs, bodies and results at debug level; in
// Socket Mode the client prints every message Slack sends, whole payload included (legacy token, response_url).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, SocketModeReceiver } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { parseConfig, requireSlackCredentials } from '../../src/config.js';
import { createLogger, redactEverywhere } from '../../src/logger.js';
import { createSlackApp, SLACK_EVENTS_PATH } from '../../src/slack/app.js';
import { registerListeners } from '../../src/slack/listeners/index.js';
import { installTemporalRuntime } from '../../src/temporal/runtime.js';
import { functionCall, message } from '../fakes/openai.js';
import { SlackSender } from '../fakes/slack-sender.js';
import { type Engine, PEOPLE, proposal, scriptModel, startEngine, waitForCard } from '../support/engine.js';
import { logEntries, type RunningApp, startEntryPoint } from '../support/entry-point.js';
import { buttonValue, notesValues, runIdFromAck } from '../support/slack-app.js';

const BOT_TOKEN = 'xoxb-logging-e2e-bot-token';
const APP_TOKEN = 'xapp-logging-e2e-app-token';
const SIGNING_SECRET = 'logging-e2e-signing-secret';
const OPENAI_KEY = 'sk-logging-e2e-openai-key';
/** Slack still sends the deprecated verification token in every payload. */
const LEGACY_TOKEN = 'deprecated-verification-token';
const CHANNEL = 'C0GENERAL';

const lines: string[] = [];
let logger: ReturnType<typeof createLogger>;
let engine: Engine;
let app: App;
let sender: SlackSender;

beforeAll(async () => {
  // What loadConfig does for a real process: the configured credentials are known to the logger by value.
  redactEverywhere([BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, OPENAI_KEY]);
  logger = createLogger('debug', { service: 'countersign' }, (line) => lines.push(line));
  installTemporalRuntime(logger, 'debug');
  engine = await startEngine({
    prefix: 'logging',
    env: {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      OPENAI_API_KEY: OPENAI_KEY,
      APPROVERS: PEOPLE.ana.id,
      LOG_LEVEL: 'debug',
    },
  });
  const config = parseConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: engine.slackApi.url,
    LOG_LEVEL: 'debug',
  });
  requireSlackCredentials(config);
  app = createSlackApp({ slack: config.slack, logLevel: 'debug', logger });
  registerListeners(app, {
    temporal: engine.client,
    taskQueue: engine.taskQueue,
    sealingSecret: SIGNING_SECRET,
  });
  const server = await app.start(0);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('Bolt did not listen on a TCP port');
  sender = new SlackSender(
    `http://127.0.0.1:${address.port}${SLACK_EVENTS_PATH}`,
    SIGNING_SECRET,
    engine.slackApi.hooksUrl,
  );
});

afterAll(async () => {
  await app?.stop();
  await engine?.close();
});

describe('logs at debug level', () => {
  it('carry no token, key, signing secret or response_url through command → card → click → modal → decision', async () => {
    const request = 'archive <#C0LOGS|old-logs>';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('archive_channel', proposal({ channel: 'C0LOGS' }, 'high', 'Unused.')),
        message('Archived old-logs.'),
      ],
    });
    const commandUrl = `${engine.slackApi.hooksUrl}commands/T0TEST/1001/command-hook-secret`;
    const ack = await sender.slashCommand({
      text: request,
      userId: PEOPLE.requester.id,
      channelId: CHANNEL,
      responseUrl: commandUrl,
    });
    expect(ack.status).toBe(200);
    const card = await waitForCard(engine.slackApi, runIdFromAck(ack.json));

    const triggerId = '4242.1001.click-trigger';
    const clicked = await sender.blockAction({
      actionId: 'approval_approve',
      value: buttonValue(card.call, 'approve'),
      userId: PEOPLE.ana.id,
      channelId: CHANNEL,
      messageTs: card.ts,
      triggerId,
    });
    expect(clicked.status).toBe(200);
    const clickUrl = `${engine.slackApi.hooksUrl}actions/${triggerId}`;
    const opened = await engine.slackApi.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
    const view = opened.args.view as { callback_id: string; private_metadata: string };
    const submitted = await sender.viewSubmission({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values: notesValues('Fine by me.'),
      userId: PEOPLE.ana.id,
    });
    expect(submitted.status).toBe(200);
    await engine.slackApi.waitForCall('chat.postMessage', (c) =>
      String(c.args.text).includes('Archived old-logs.'),
    );

    const bolt = lines.filter((line) => line.includes('"source":"bolt"'));
    // Bolt and the Slack SDK did talk at debug level: the test would prove nothing if they had been silent.
    expect(bolt.filter((line) => line.includes('"level":"debug"')).length).toBeGreaterThan(0);
    expect(lines.some((line) => line.includes('"source":"temporal"'))).toBe(true);
    const everything = lines.join('\n');
    for (const secret of [BOT_TOKEN, SIGNING_SECRET, OPENAI_KEY, LEGACY_TOKEN, commandUrl, clickUrl]) {
      expect(everything).not.toContain(secret);
    }
    // Not even part of one: a response_url's path is the capability.
    expect(everything).not.toContain('command-hook-secret');
    expect(everything).not.toMatch(/xox[bpa]-|xapp-/);
  });
});

describe('logs at debug level in Socket Mode', () => {
  // The Socket Mode client prints every message Slack sends over the WebSocket, payload and all. No WebSocket to
  // Slack is reachable here, so the messages are handed to the client's own message handler, as its socket does.
  it('carry neither the legacy token nor the response_url of a slash command or a click', async () => {
    const config = parseConfig({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: engine.slackApi.url,
      LOG_LEVEL: 'debug',
    });
    requireSlackCredentials(config);
    const socketApp = createSlackApp({ slack: config.slack, logLevel: 'debug', logger });
    registerListeners(socketApp, {
      temporal: engine.client,
      taskQueue: engine.taskQueue,
      sealingSecret: BOT_TOKEN,
    });
    const client = (socketApp as unknown as { receiver: SocketModeReceiver }).receiver.client as unknown as {
      onWebSocketMessage(data: string, isBinary: boolean): Promise<void>;
    };
    const commandUrl = `${engine.slackApi.hooksUrl}commands/T0TEST/2002/socket-command-hook`;
    const clickUrl = `${engine.slackApi.hooksUrl}actions/T0TEST/2003/socket-click-hook`;
    const before = lines.length;

    await client.onWebSocketMessage(
      JSON.stringify({
        envelope_id: 'envelope-command',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: {
          token: LEGACY_TOKEN,
          team_id: 'T0TEST',
          channel_id: CHANNEL,
          user_id: PEOPLE.requester.id,
          command: '/agent',
          text: 'help',
          api_app_id: 'A0TEST',
          response_url: commandUrl,
          trigger_id: '5.socket.trigger',
        },
      }),
      false,
    );
    await client.onWebSocketMessage(
      JSON.stringify({
        envelope_id: 'envelope-click',
        type: 'interactive',
        accepts_response_payload: false,
        payload: {
          type: 'block_actions',
          token: LEGACY_TOKEN,
          user: { id: PEOPLE.ana.id, username: 'ana', name: 'ana', team_id: 'T0TEST' },
          team: { id: 'T0TEST', domain: 'countersign-test' },
          api_app_id: 'A0TEST',
          trigger_id: '6.socket.trigger',
          container: { type: 'message', message_ts: '1.000001', channel_id: CHANNEL, is_ephemeral: false },
          channel: { id: CHANNEL, name: 'general' },
          message: { type: 'message', ts: '1.000001', text: '' },
          response_url: clickUrl,
          actions: [
            { type: 'button', action_id: 'approval_approve', block_id: 'b', value: 'not a card’s value' },
          ],
        },
      }),
      false,
    );

    const received = () =>
      lines.slice(before).filter((line) => line.includes('Received a message on the WebSocket'));
    // Both messages printed, and each listener ran far enough to try to acknowledge (no socket to send on here).
    await vi.waitFor(() => {
      expect(received()).toHaveLength(2);
      expect(
        lines.slice(before).filter((line) => line.includes('not connected')).length,
      ).toBeGreaterThanOrEqual(2);
    });
    // trigger_ids are no secret: the payload is logged, only its secrets are not.
    expect(received().join('\n')).toContain('5.socket.trigger');
    const everything = lines.slice(before).join('\n');
    for (const secret of [
      BOT_TOKEN,
      APP_TOKEN,
      LEGACY_TOKEN,
      commandUrl,
      clickUrl,
      'socket-command-hook',
      'socket-click-hook',
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe('start-up warnings of the built worker', () => {
  let worker: RunningApp | undefined;
  afterAll(async () => {
    worker?.child.kill('SIGTERM');
    await worker?.exited;
  });

  it('logs at warn level that anyone may approve and which policy rules never apply; check-policy says the same', async () => {
    const policyFile = join(mkdtempSync(join(tmpdir(), 'countersign-warnings-')), 'policy.jsonc');
    writeFileSync(policyFile, '{ "risks": { "low": { "required": 1 } } }');
    const env = {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: engine.slackApi.url,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: engine.openai.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: `warnings-${Date.now().toString(36)}`,
      POLICY_FILE: policyFile,
    };
    worker = startEntryPoint('dist/main-worker.js', env);
    const started = worker;
    await vi.waitFor(() => expect(started.output()).toContain('"msg":"worker running"'), { timeout: 20_000 });
    const warnings = logEntries(started).filter((entry) => entry.level === 'warn');
    expect(warnings).toEqual([
      expect.objectContaining({
        about: 'approval_policy',
        msg: 'risks.low never applies: calls of low risk run without approval (threshold medium)',
      }),
      expect.objectContaining({
        about: 'approval_policy',
        msg: expect.stringMatching(
          /^No approvers configured .*any full member of this workspace may approve/,
        ),
      }),
    ]);
    expect(started.output()).not.toContain(BOT_TOKEN);

    const check = startEntryPoint('dist/check-policy.js', env);
    expect((await check.exited).code).toBe(0);
    expect(check.output()).toMatch(/Warnings:\n {2}risks\.low never applies.*\n {2}No approvers configured/);
  });
});
