import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidSlackRequest, verifySlackRequest } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  APP_BOT_USER_ID,
  directMessageEvent,
  mentionEvent,
  SlackSender,
  sessionStoppedEvent,
  slackSignature,
  socketModeDelivery,
} from './slack-sender.js';

const SECRET = 'test-signing-secret';

interface Captured {
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let captured: Captured[] = [];
let sender: SlackSender;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  sender = new SlackSender(`http://127.0.0.1:${port}/slack/events`, SECRET);
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  captured = [];
});

/** Checks a captured request with Bolt's own exported verifier. */
function boltAccepts({ headers, body }: Captured): boolean {
  return isValidSlackRequest({
    signingSecret: SECRET,
    body,
    headers: {
      'x-slack-signature': String(headers['x-slack-signature']),
      'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
    },
  });
}

function only(): Captured {
  expect(captured).toHaveLength(1);
  return captured[0] as Captured;
}

describe('SlackSender', () => {
  it('signs a slash command so that Bolt verifies it', async () => {
    await sender.slashCommand({ text: 'archive #old', userId: 'U1', channelId: 'C1' });
    const request = only();
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(request.body);
    expect(form.get('command')).toBe('/agent');
    expect(form.get('text')).toBe('archive #old');
    expect(form.get('user_id')).toBe('U1');
    expect(form.get('trigger_id')).toBeTruthy();
    expect(boltAccepts(request)).toBe(true);
  });

  it('sends interactivity as payload=<json> and signs it so that Bolt verifies it', async () => {
    await sender.blockAction({
      actionId: 'approve',
      value: '{"run":"r1"}',
      userId: 'U2',
      channelId: 'C1',
      messageTs: '1.2',
    });
    const request = only();
    const payload = JSON.parse(new URLSearchParams(request.body).get('payload') ?? 'null');
    expect(payload.type).toBe('block_actions');
    expect(payload.actions[0]).toMatchObject({ action_id: 'approve', value: '{"run":"r1"}' });
    expect(boltAccepts(request)).toBe(true);
  });

  it('signs a view submission with the state values Slack sends', async () => {
    await sender.viewSubmission({
      callbackId: 'decision_modal',
      privateMetadata: '{"x":1}',
      values: { notes: { notes_input: { type: 'plain_text_input', value: 'ok' } } },
      userId: 'U3',
    });
    const request = only();
    const payload = JSON.parse(new URLSearchParams(request.body).get('payload') ?? 'null');
    expect(payload.view.state.values.notes.notes_input.value).toBe('ok');
    expect(boltAccepts(request)).toBe(true);
  });

  it('sends an event as a signed JSON event_callback with the event inside', async () => {
    await sender.event({ type: 'reaction_added', user: 'U4', reaction: 'thumbsup' });
    const request = only();
    expect(request.headers['content-type']).toBe('application/json');
    expect(boltAccepts(request)).toBe(true);
    const body = JSON.parse(request.body);
    expect(body).toMatchObject({
      type: 'event_callback',
      team_id: 'T0TEST',
      api_app_id: 'A0TEST',
      event_id: expect.stringMatching(/^Ev/),
      event_time: expect.any(Number),
      event: { type: 'reaction_added', user: 'U4', reaction: 'thumbsup', event_ts: expect.any(String) },
      // The app's own bot, as the Slack fake's auth.test names it.
      authorizations: [{ team_id: 'T0TEST', user_id: APP_BOT_USER_ID, is_bot: true }],
    });
  });

  it('sends a mention, a Messages-tab message and a stop as Slack documents them', async () => {
    const ts = sender.nextMessageTs();
    expect(ts).toMatch(/^\d{10}\.\d{6}$/);
    await sender.sendEvent(
      sender.eventBody(
        mentionEvent({ user: 'U5', channel: 'C5', text: 'archive <#C6|old>', ts, threadTs: '1.2' }),
      ),
    );
    await sender.sendEvent(sender.eventBody(directMessageEvent({ user: 'U5', text: 'hello', ts })));
    await sender.sendEvent(
      sender.eventBody(sessionStoppedEvent({ user: 'U5', channel: 'C5', threadTs: '1.2' })),
    );
    const [mentioned, direct, stopped] = captured.map((request) => JSON.parse(request.body));
    expect(mentioned.event).toMatchObject({
      type: 'app_mention',
      user: 'U5',
      channel: 'C5',
      text: `<@${APP_BOT_USER_ID}> archive <#C6|old>`,
      ts,
      thread_ts: '1.2',
      event_ts: ts,
    });
    expect(direct.event).toMatchObject({
      type: 'message',
      channel_type: 'im',
      channel: 'D5',
      user: 'U5',
      ts,
    });
    expect(direct.event).not.toHaveProperty('thread_ts');
    expect(stopped).toMatchObject({
      team_id: 'T0TEST',
      event: {
        type: 'agent_session_stopped',
        user: 'U5',
        channel: 'C5',
        thread_ts: '1.2',
        streaming_message_ts: [],
      },
    });
    expect(captured.every(boltAccepts)).toBe(true);
  });

  it('retries an event as Slack does: the same body and event_id, signed afresh, with the retry headers', async () => {
    const body = sender.eventBody(
      directMessageEvent({ user: 'U5', text: 'hello', ts: sender.nextMessageTs() }),
    );
    await sender.sendEvent(body);
    await sender.sendEvent(body, { num: 1 });
    const [first, retry] = captured;
    expect(retry?.body).toBe(first?.body);
    expect(first?.headers['x-slack-retry-num']).toBeUndefined();
    expect(retry?.headers).toMatchObject({
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(boltAccepts(retry as Captured)).toBe(true);
  });

  it('hands an event to Bolt as its Socket Mode receiver does, with a re-delivery’s retry number', async () => {
    const body = sender.eventBody(mentionEvent({ user: 'U5', channel: 'C5', text: 'hi', ts: '1.3' }));
    const redelivery = socketModeDelivery(body, { num: 1 });
    expect(redelivery.event).toMatchObject({ body, retryNum: 1, retryReason: 'timeout' });
    await redelivery.event.ack();
    expect(redelivery.acked).toBe(true);
  });

  it('gives every event its own event_id, and the team asked for', async () => {
    await sender.event({ type: 'reaction_added' });
    await sender.event({ type: 'reaction_added' }, { teamId: 'T0OTHER' });
    const [first, second] = captured.map((request) => JSON.parse(request.body));
    expect(first.event_id).not.toBe(second.event_id);
    expect(second).toMatchObject({ team_id: 'T0OTHER', authorizations: [{ team_id: 'T0OTHER' }] });
  });

  it('sends app_home_opened for the Home tab by default, and signs it as asked', async () => {
    await sender.appHomeOpened('U0APPROVER');
    await sender.appHomeOpened('U0APPROVER', 'messages', 'forged');
    const [home, messages] = captured;
    expect(JSON.parse(home?.body ?? '').event).toMatchObject({
      type: 'app_home_opened',
      user: 'U0APPROVER',
      channel: 'D0APPROVER',
      tab: 'home',
    });
    expect(boltAccepts(home as Captured)).toBe(true);
    expect(JSON.parse(messages?.body ?? '').event.tab).toBe('messages');
    expect(boltAccepts(messages as Captured)).toBe(false);
  });

  it('produces a forged signature that Bolt rejects', async () => {
    await sender.slashCommand({ text: 'hi', userId: 'U1', channelId: 'C1' }, 'forged');
    const request = only();
    expect(boltAccepts(request)).toBe(false);
    expect(() =>
      verifySlackRequest({
        signingSecret: SECRET,
        body: request.body,
        headers: {
          'x-slack-signature': String(request.headers['x-slack-signature']),
          'x-slack-request-timestamp': Number(request.headers['x-slack-request-timestamp']),
        },
      }),
    ).toThrow(/signature mismatch/i);
  });

  it('produces a stale timestamp that Bolt rejects even though the signature matches', async () => {
    await sender.slashCommand({ text: 'hi', userId: 'U1', channelId: 'C1' }, 'stale');
    const request = only();
    const timestamp = Number(request.headers['x-slack-request-timestamp']);
    expect(request.headers['x-slack-signature']).toBe(slackSignature(SECRET, timestamp, request.body));
    expect(boltAccepts(request)).toBe(false);
  });

  it('can send without signature headers at all', async () => {
    await sender.slashCommand({ text: 'hi', userId: 'U1', channelId: 'C1' }, 'unsigned');
    const request = only();
    expect(request.headers['x-slack-signature']).toBeUndefined();
    expect(request.headers['x-slack-request-timestamp']).toBeUndefined();
  });
});
