// Socket Mode at the listener level: the same listeners, on an app built for Socket Mode, fed the envelopes'
// payloads as the Socket Mode receiver hands them to Bolt (no WebSocket to Slack is reachable here).
import type { App } from '@slack/bolt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig, requireSlackCredentials } from '../../src/config.js';
import { createSlackApp } from '../../src/slack/app.js';
import { registerListeners } from '../../src/slack/listeners/index.js';
import { functionCall, message } from '../fakes/openai.js';
import { type Engine, PEOPLE, proposal, scriptModel, startEngine, waitForCard } from '../support/engine.js';
import { buttonValue, runIdFromAck } from '../support/slack-app.js';

let engine: Engine;
let app: App;

beforeAll(async () => {
  engine = await startEngine({ prefix: 'socket', env: { APPROVERS: PEOPLE.ana.id } });
  const config = parseConfig({
    SLACK_BOT_TOKEN: 'xoxb-engine-test',
    SLACK_APP_TOKEN: 'xapp-socket-test',
    SLACK_API_URL: engine.slackApi.url,
  });
  requireSlackCredentials(config);
  expect(config.slack.socketMode).toBe(true);
  app = createSlackApp({ slack: config.slack, logLevel: 'error' });
  registerListeners(app, {
    temporal: engine.client,
    taskQueue: engine.taskQueue,
    sealingSecret: 'xoxb-engine-test',
  });
});
afterAll(() => engine?.close());

/** Hands Bolt one payload the way the Socket Mode receiver does, and returns what the listener acked. */
async function deliver(body: Record<string, unknown>): Promise<unknown> {
  let acked: unknown = 'not acknowledged';
  await app.processEvent({
    body,
    ack: async (response?: unknown) => {
      acked = response;
    },
  });
  return acked;
}

it('starts a run from /agent and opens the decision modal from a click, as in HTTP mode', async () => {
  const request = 'archive <#C0SOCKET|socket>';
  scriptModel(engine.openai, {
    [request]: [
      functionCall('archive_channel', proposal({ channel: 'C0SOCKET' }, 'high')),
      message('Archived.'),
    ],
  });
  const acked = await deliver({
    command: '/agent',
    text: request,
    user_id: PEOPLE.requester.id,
    user_name: PEOPLE.requester.name,
    channel_id: 'C0GENERAL',
    team_id: 'T0TEST',
    trigger_id: '1.socket.trigger',
    response_url: 'https://hooks.slack.invalid/commands/1',
    api_app_id: 'A0TEST',
  });
  expect(acked).toMatchObject({ response_type: 'ephemeral' });
  const card = await waitForCard(engine.slackApi, runIdFromAck(acked));

  await deliver({
    type: 'block_actions',
    user: { id: PEOPLE.ana.id, username: 'ana', name: 'ana', team_id: 'T0TEST' },
    team: { id: 'T0TEST', domain: 'countersign-test' },
    api_app_id: 'A0TEST',
    trigger_id: '2.socket.trigger',
    container: { type: 'message', message_ts: card.ts, channel_id: 'C0GENERAL', is_ephemeral: false },
    channel: { id: 'C0GENERAL', name: 'general' },
    message: { type: 'message', ts: card.ts, text: '' },
    actions: [
      {
        type: 'button',
        action_id: 'approval_approve',
        block_id: 'approval_decision',
        value: buttonValue(card.call, 'approve'),
        action_ts: '1.2',
      },
    ],
  });
  const opened = await engine.slackApi.waitForCall(
    'views.open',
    (c) => c.args.trigger_id === '2.socket.trigger',
  );
  expect(JSON.stringify(opened.args.view)).toContain('C0SOCKET');
});

it('publishes App Home when it is opened, as over HTTP', async () => {
  const since = Date.now();
  await deliver({
    token: 'deprecated-verification-token',
    team_id: 'T0TEST',
    api_app_id: 'A0TEST',
    type: 'event_callback',
    event_id: 'Ev0SOCKETHOME',
    event_time: Math.floor(since / 1000),
    event: { type: 'app_home_opened', user: PEOPLE.ana.id, channel: 'D0ANA', tab: 'home', event_ts: '1.3' },
    authorizations: [{ team_id: 'T0TEST', user_id: 'U0BOT', is_bot: true }],
  });
  const published = await engine.slackApi.waitForCall(
    'views.publish',
    (c) => c.args.user_id === PEOPLE.ana.id && c.at >= since,
  );
  expect(JSON.stringify(published.args.view)).toContain('Waiting on you');
});
