// Drives the fake Slack Web API with the real WebClient, so the fake is held to what the SDK sends and expects.
import {
  ErrorCode,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebClient,
  type WebClientOptions,
} from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { quietSlackLogger } from '../support/quiet-slack-logger.js';
import { FAKE_SLACK_BOT, FAKE_SLACK_TEAM, type FakeSlackApi, startFakeSlackApi } from './slack-api.js';

const TOKEN = 'xoxb-test-token';
const APPROVER = { id: 'U0APPROVER', name: 'ada', realName: 'Ada Lovelace', tz: 'Europe/London' };
const REVIEWER = { id: 'U0REVIEWER', name: 'grace', realName: 'Grace Hopper' };
const APPROVERS_GROUP = 'S0APPROVERS';

let fake: FakeSlackApi;

beforeAll(async () => {
  fake = await startFakeSlackApi({
    users: [APPROVER, REVIEWER],
    userGroups: { [APPROVERS_GROUP]: [APPROVER.id, REVIEWER.id] },
  });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

function client(options: WebClientOptions = {}): WebClient {
  return clientWithToken(TOKEN, options);
}

function clientWithToken(token: string | undefined, options: WebClientOptions = {}): WebClient {
  return new WebClient(token, {
    slackApiUrl: fake.url,
    retryConfig: { retries: 0 },
    logger: quietSlackLogger,
    ...options,
  });
}

/** The SDK's error for a rejected call, so its fields can be asserted on. */
async function failure(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

const approvalBlocks = [
  { type: 'section', text: { type: 'mrkdwn', text: '*deploy* wants to run `kubectl apply`' } },
  {
    type: 'actions',
    block_id: 'decision',
    elements: [
      { type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, value: 'a1' },
    ],
  },
];

describe('chat', () => {
  it('posts a message and answers with channel and a fresh, increasing ts', async () => {
    const slack = client();
    const first = await slack.chat.postMessage({ channel: 'C0APPROVALS', text: 'first' });
    const second = await slack.chat.postMessage({ channel: 'C0APPROVALS', text: 'second' });

    expect(first.ok).toBe(true);
    expect(first.channel).toBe('C0APPROVALS');
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(first.message).toMatchObject({
      type: 'message',
      text: 'first',
      ts: first.ts,
      bot_id: FAKE_SLACK_BOT.botId,
    });

    const [call] = fake.callsTo('chat.postMessage');
    expect(call).toMatchObject({
      method: 'chat.postMessage',
      token: TOKEN,
      args: { channel: 'C0APPROVALS' },
    });
    expect(call?.args).not.toHaveProperty('token');
  });

  it('round-trips blocks and metadata as objects, adding block_ids like Slack', async () => {
    const slack = client();
    const metadata = { event_type: 'approval_requested', event_payload: { approval_id: 'a1' } };
    const posted = await slack.chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'fallback',
      blocks: approvalBlocks,
      metadata,
    });

    const call = await fake.waitForCall('chat.postMessage');
    expect(call.args.blocks).toEqual(approvalBlocks);
    expect(call.args.metadata).toEqual(metadata);
    expect(posted.message?.metadata).toEqual(metadata);

    const history = await slack.conversations.history({ channel: 'C0APPROVALS', include_all_metadata: true });
    const [stored] = history.messages ?? [];
    expect(stored?.blocks).toMatchObject(approvalBlocks);
    expect(stored?.blocks?.[0]?.block_id).toEqual(expect.any(String));
    expect(stored?.blocks?.[1]?.block_id).toBe('decision');
    expect(stored?.metadata).toEqual(metadata);
  });

  it('fetches every link of a posted message to unfurl it, unless both unfurl_links and unfurl_media are false', async () => {
    const slack = client();
    const text = 'see <https://a.example/x?q=1|this>, <https://b.example/> and https://c.example/y';
    await slack.chat.postMessage({ channel: 'C0APPROVALS', text });
    await slack.chat.postMessage({ channel: 'C0APPROVALS', text: 'https://d.example/', unfurl_links: false });
    expect(fake.unfurlFetches).toEqual([
      'https://a.example/x?q=1',
      'https://b.example/',
      'https://c.example/y',
      'https://d.example/',
    ]);
    await slack.chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'https://e.example/',
      unfurl_links: false,
      unfurl_media: false,
    });
    expect(fake.unfurlFetches).not.toContain('https://e.example/');
    fake.reset();
    expect(fake.unfurlFetches).toEqual([]);
  });

  it('keeps free text that looks like JSON as a string', async () => {
    await client().chat.postMessage({ channel: 'C0APPROVALS', text: '{"rm": "-rf /"}' });
    expect(fake.callsTo('chat.postMessage')[0]?.args.text).toBe('{"rm": "-rf /"}');
  });

  it('updates a message in place', async () => {
    const slack = client();
    const { ts } = await slack.chat.postMessage({ channel: 'C0APPROVALS', text: 'pending' });
    const updated = await slack.chat.update({
      channel: 'C0APPROVALS',
      ts: ts ?? '',
      text: 'approved by Ada',
    });

    expect(updated).toMatchObject({ ok: true, channel: 'C0APPROVALS', ts, text: 'approved by Ada' });
    expect(updated.message?.text).toBe('approved by Ada');
    const history = await slack.conversations.history({ channel: 'C0APPROVALS' });
    expect(history.messages).toHaveLength(1);
    expect(history.messages?.[0]).toMatchObject({
      ts,
      text: 'approved by Ada',
      edited: { user: FAKE_SLACK_BOT.userId },
    });
  });

  it('refuses to update a message it does not have', async () => {
    const error = await failure(client().chat.update({ channel: 'C0APPROVALS', ts: '1.000001', text: 'x' }));
    expect(error).toBeInstanceOf(WebAPIPlatformError);
    expect((error as WebAPIPlatformError).data.error).toBe('message_not_found');
  });

  it('lists a thread reply in conversations.replies, not in history', async () => {
    const slack = client();
    const parent = await slack.chat.postMessage({ channel: 'C0APPROVALS', text: 'approval needed' });
    const reply = await slack.chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'approved',
      thread_ts: parent.ts,
    });

    expect(reply.message?.thread_ts).toBe(parent.ts);
    const thread = await slack.conversations.replies({ channel: 'C0APPROVALS', ts: parent.ts ?? '' });
    expect(thread.messages?.map((message) => message.text)).toEqual(['approval needed', 'approved']);
    expect(thread.messages?.[0]).toMatchObject({
      thread_ts: parent.ts,
      reply_count: 1,
      latest_reply: reply.ts,
    });

    const history = await slack.conversations.history({ channel: 'C0APPROVALS' });
    expect(history.messages?.map((message) => message.text)).toEqual(['approval needed']);
  });

  it('answers thread_not_found for replies to an unknown ts', async () => {
    const error = await failure(client().conversations.replies({ channel: 'C0APPROVALS', ts: '1.000001' }));
    expect((error as WebAPIPlatformError).data.error).toBe('thread_not_found');
  });

  it('returns history newest first, honouring limit and hiding metadata unless asked', async () => {
    const slack = client();
    for (const text of ['one', 'two', 'three']) {
      await slack.chat.postMessage({
        channel: 'C0APPROVALS',
        text,
        metadata: { event_type: 'note', event_payload: { text } },
      });
    }
    await slack.chat.postMessage({ channel: 'C0ELSEWHERE', text: 'other channel' });

    const page = await slack.conversations.history({ channel: 'C0APPROVALS', limit: 2 });
    expect(page.messages?.map((message) => message.text)).toEqual(['three', 'two']);
    expect(page.has_more).toBe(true);
    expect(page.messages?.[0]).not.toHaveProperty('metadata');

    const rest = await slack.conversations.history({
      channel: 'C0APPROVALS',
      limit: 2,
      cursor: page.response_metadata?.next_cursor ?? '',
      include_all_metadata: true,
    });
    expect(rest.messages?.map((message) => message.text)).toEqual(['one']);
    expect(rest.has_more).toBe(false);
    expect(rest.messages?.[0]?.metadata).toEqual({ event_type: 'note', event_payload: { text: 'one' } });
  });

  it('posts to a user id as a direct message', async () => {
    const posted = await client().chat.postMessage({ channel: APPROVER.id, text: 'please review' });
    expect(posted.channel).toMatch(/^D/);
    const info = await client().conversations.info({ channel: posted.channel ?? '' });
    expect(info.channel).toMatchObject({ is_im: true, user: APPROVER.id });
  });

  it('answers an ephemeral post with message_ts and keeps it out of history', async () => {
    const slack = client();
    const ephemeral = await slack.chat.postEphemeral({
      channel: 'C0APPROVALS',
      user: APPROVER.id,
      text: 'only you',
    });
    expect(ephemeral.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    const history = await slack.conversations.history({ channel: 'C0APPROVALS' });
    expect(history.messages).toEqual([]);
  });

  it('rejects a post without channel as invalid_arguments and one without content as no_text', async () => {
    const slack = client();
    const noChannel = await failure(slack.apiCall('chat.postMessage', { text: 'hello' }));
    expect((noChannel as WebAPIPlatformError).data).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] missing required field: channel'] },
    });
    const noText = await failure(slack.apiCall('chat.postMessage', { channel: 'C0APPROVALS' }));
    expect((noText as WebAPIPlatformError).data.error).toBe('no_text');
  });
});

describe('conversations', () => {
  it('shows a new topic in conversations.info', async () => {
    const slack = client();
    const set = await slack.conversations.setTopic({ channel: 'C0INCIDENT', topic: 'Approval a1: pending' });
    expect(set.channel?.topic?.value).toBe('Approval a1: pending');

    const info = await slack.conversations.info({ channel: 'C0INCIDENT' });
    expect(info.channel).toMatchObject({
      id: 'C0INCIDENT',
      is_archived: false,
      topic: { value: 'Approval a1: pending' },
    });
  });

  it('invites members once, and reports already_in_channel and unknown users', async () => {
    const slack = client();
    await slack.conversations.invite({ channel: 'C0INCIDENT', users: `${APPROVER.id},${REVIEWER.id}` });
    const members = await slack.conversations.members({ channel: 'C0INCIDENT' });
    expect(members.members).toEqual([APPROVER.id, REVIEWER.id]);

    const again = await failure(slack.conversations.invite({ channel: 'C0INCIDENT', users: APPROVER.id }));
    expect((again as WebAPIPlatformError).data.error).toBe('already_in_channel');
    const stranger = await failure(slack.conversations.invite({ channel: 'C0INCIDENT', users: 'U0NOBODY' }));
    expect((stranger as WebAPIPlatformError).data.error).toBe('user_not_found');
  });

  it('archives a channel, after which posting fails with is_archived', async () => {
    const slack = client();
    await slack.conversations.archive({ channel: 'C0INCIDENT' });
    expect((await slack.conversations.info({ channel: 'C0INCIDENT' })).channel?.is_archived).toBe(true);

    const error = await failure(slack.chat.postMessage({ channel: 'C0INCIDENT', text: 'too late' }));
    expect(error).toBeInstanceOf(WebAPIPlatformError);
    expect(error).toMatchObject({ code: ErrorCode.PlatformError, data: { ok: false, error: 'is_archived' } });
    expect(fake.callsTo('chat.postMessage')[0]?.error).toBe('is_archived');
  });

  it('creates, lists and joins channels', async () => {
    const slack = client();
    const created = await slack.conversations.create({ name: 'approval-a1' });
    expect(created.channel).toMatchObject({ name: 'approval-a1', is_member: true });
    const taken = await failure(slack.conversations.create({ name: 'approval-a1' }));
    expect((taken as WebAPIPlatformError).data.error).toBe('name_taken');

    await slack.conversations.info({ channel: 'C0GENERAL' });
    const joined = await slack.conversations.join({ channel: 'C0GENERAL' });
    expect(joined.channel?.is_member).toBe(true);

    const listed = await slack.conversations.list({});
    expect(listed.channels?.map((channel) => channel.name).sort()).toEqual(['approval-a1', 'c0general']);
  });

  it('answers channel_not_found for a channel name that does not exist', async () => {
    const error = await failure(client().chat.postMessage({ channel: '#nowhere', text: 'hello' }));
    expect((error as WebAPIPlatformError).data.error).toBe('channel_not_found');
  });
});

describe('users, groups and views', () => {
  it('describes a configured user and rejects unknown ones', async () => {
    const slack = client();
    const { user } = await slack.users.info({ user: APPROVER.id });
    expect(user).toMatchObject({
      id: APPROVER.id,
      name: 'ada',
      real_name: 'Ada Lovelace',
      is_bot: false,
      tz: 'Europe/London',
      profile: { display_name: 'ada', real_name: 'Ada Lovelace' },
    });
    const error = await failure(slack.users.info({ user: 'U0NOBODY' }));
    expect((error as WebAPIPlatformError).data.error).toBe('user_not_found');
  });

  it("tells guests, bots, departed people and other teams' users apart, as users.info does", async () => {
    const workspace = await startFakeSlackApi({
      users: [
        APPROVER,
        { id: 'U0GUEST', name: 'guest', isRestricted: true },
        { id: 'U0SINGLE', name: 'single', isUltraRestricted: true },
        { id: 'U0ROBOT', name: 'robot', isBot: true },
        { id: 'U0GONE', name: 'gone', deleted: true },
        { id: 'W0STRANGER', name: 'stranger', teamId: 'T0OTHERTEAM' },
      ],
    });
    try {
      const slack = new WebClient(TOKEN, { slackApiUrl: workspace.url, logger: quietSlackLogger });
      const info = async (user: string) => (await slack.users.info({ user })).user;

      const member = await info(APPROVER.id);
      expect(member).toMatchObject({
        team_id: FAKE_SLACK_TEAM.id,
        is_restricted: false,
        is_ultra_restricted: false,
        is_bot: false,
        deleted: false,
      });
      expect(member).not.toHaveProperty('is_stranger');
      expect(await info('U0GUEST')).toMatchObject({ is_restricted: true, is_ultra_restricted: false });
      // A single-channel guest is a guest too.
      expect(await info('U0SINGLE')).toMatchObject({ is_restricted: true, is_ultra_restricted: true });
      expect(await info('U0ROBOT')).toMatchObject({ is_bot: true, is_restricted: false });
      expect(await info(FAKE_SLACK_BOT.userId)).toMatchObject({ is_bot: true });
      expect(await info('U0GONE')).toMatchObject({ deleted: true, name: 'gone' });
      expect(await info('W0STRANGER')).toMatchObject({
        team_id: 'T0OTHERTEAM',
        is_stranger: true,
        is_restricted: false,
      });
    } finally {
      await workspace.close();
    }
  });

  it('lists the configured members of a user group', async () => {
    const slack = client();
    const { users } = await slack.usergroups.users.list({ usergroup: APPROVERS_GROUP });
    expect(users).toEqual([APPROVER.id, REVIEWER.id]);
    const error = await failure(slack.usergroups.users.list({ usergroup: 'S0MISSING' }));
    expect((error as WebAPIPlatformError).data.error).toBe('no_such_subteam');
  });

  it('opens a modal and updates it, checking the hash like Slack', async () => {
    const slack = client();
    const modal = {
      type: 'modal' as const,
      callback_id: 'reject_reason',
      private_metadata: '{"approvalId":"a1"}',
      title: { type: 'plain_text' as const, text: 'Reject' },
      submit: { type: 'plain_text' as const, text: 'Reject' },
      blocks: [
        {
          type: 'input',
          block_id: 'reason',
          label: { type: 'plain_text', text: 'Why?' },
          element: { type: 'plain_text_input', action_id: 'text' },
        },
      ],
    };
    const opened = await slack.views.open({ trigger_id: '123.456.abc', view: modal });
    expect(opened.view).toMatchObject({
      id: expect.stringMatching(/^V/),
      type: 'modal',
      callback_id: 'reject_reason',
      private_metadata: '{"approvalId":"a1"}',
      state: { values: {} },
    });

    const updated = await slack.views.update({
      view_id: opened.view?.id ?? '',
      hash: opened.view?.hash ?? '',
      view: { ...modal, title: { type: 'plain_text', text: 'Rejected' } },
    });
    expect(updated.view?.id).toBe(opened.view?.id);
    expect(updated.view?.hash).not.toBe(opened.view?.hash);

    const stale = await failure(
      slack.views.update({ view_id: opened.view?.id ?? '', hash: opened.view?.hash ?? '', view: modal }),
    );
    expect((stale as WebAPIPlatformError).data.error).toBe('hash_conflict');

    const pushed = await slack.views.push({ trigger_id: '123.456.def', view: modal });
    expect(pushed.view?.id).not.toBe(opened.view?.id);
  });
});

describe('authentication and unknown methods', () => {
  it('answers auth.test with the bot identity', async () => {
    const identity = await client().auth.test();
    expect(identity).toMatchObject({
      ok: true,
      user_id: FAKE_SLACK_BOT.userId,
      bot_id: FAKE_SLACK_BOT.botId,
    });
    expect(identity.team_id).toMatch(/^T/);
  });

  it('answers not_authed without a token and invalid_auth for a malformed one', async () => {
    const anonymous = await failure(clientWithToken(undefined).auth.test());
    expect((anonymous as WebAPIPlatformError).data.error).toBe('not_authed');
    const forged = await failure(clientWithToken('not-a-slack-token').auth.test());
    expect((forged as WebAPIPlatformError).data.error).toBe('invalid_auth');
    expect(fake.calls.map((call) => call.token)).toEqual([undefined, 'not-a-slack-token']);
  });

  it('answers unknown_method for methods it does not implement', async () => {
    const error = await failure(client().apiCall('chat.teleport', { channel: 'C0APPROVALS' }));
    expect(error).toBeInstanceOf(WebAPIPlatformError);
    expect((error as WebAPIPlatformError).data.error).toBe('unknown_method');
  });

  it('reads JSON bodies and form tokens as well as what WebClient sends', async () => {
    const asJson = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ channel: 'C0APPROVALS', text: 'json', blocks: approvalBlocks }),
    });
    expect(asJson.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await asJson.json()).toMatchObject({ ok: true, channel: 'C0APPROVALS' });

    const asForm = await fetch(`${fake.url}auth.test`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'xoxp-form-token' }),
    });
    expect(await asForm.json()).toMatchObject({ ok: true });

    expect(fake.calls.map((call) => [call.method, call.token])).toEqual([
      ['chat.postMessage', TOKEN],
      ['auth.test', 'xoxp-form-token'],
    ]);
    expect(fake.calls[0]?.args.blocks).toEqual(approvalBlocks);

    const broken = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: '{"channel": ',
    });
    expect(await broken.json()).toEqual({ ok: false, error: 'invalid_json' });
  });
});

describe('fault injection', () => {
  it('fails with HTTP 500 once, which the SDK surfaces as an HTTP error, then recovers', async () => {
    const slack = client();
    fake.fail('chat.postMessage', { kind: 'http', status: 500 });

    const error = await failure(slack.chat.postMessage({ channel: 'C0APPROVALS', text: 'first try' }));
    expect(error).toBeInstanceOf(WebAPIHTTPError);
    expect((error as WebAPIHTTPError).statusCode).toBe(500);

    const retried = await slack.chat.postMessage({ channel: 'C0APPROVALS', text: 'second try' });
    expect(retried.ok).toBe(true);
    expect(fake.callsTo('chat.postMessage').map((call) => call.fault)).toEqual([
      { kind: 'http', status: 500 },
      undefined,
    ]);
  });

  it('answers ok:false with the injected error code', async () => {
    fake.fail('chat.update', { kind: 'error', error: 'cant_update_message' }, 2);
    const slack = client();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await failure(slack.chat.update({ channel: 'C0APPROVALS', ts: '1.000001', text: 'x' }));
      expect((error as WebAPIPlatformError).data.error).toBe('cant_update_message');
    }
    // Two faults consumed, so the third call reaches the method (which has no such message).
    const real = await failure(slack.chat.update({ channel: 'C0APPROVALS', ts: '1.000001', text: 'x' }));
    expect((real as WebAPIPlatformError).data.error).toBe('message_not_found');
  });

  it('rate-limits with Retry-After; the SDK waits that long, retries and succeeds', async () => {
    fake.fail('chat.postMessage', { kind: 'rate_limited', retryAfterSeconds: 1 });
    const slack = client({
      rejectRateLimitedCalls: false,
      retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 },
    });

    const posted = await slack.chat.postMessage({ channel: 'C0APPROVALS', text: 'eventually' });

    expect(posted.ok).toBe(true);
    const [limited, retried] = fake.callsTo('chat.postMessage');
    expect(fake.callsTo('chat.postMessage')).toHaveLength(2);
    expect(limited?.fault).toEqual({ kind: 'rate_limited', retryAfterSeconds: 1 });
    expect(limited?.response).toEqual({ ok: false, error: 'ratelimited' });
    expect(retried?.fault).toBeUndefined();
    // Allow for clock granularity; the SDK sleeps Retry-After seconds after receiving the 429.
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('lets a client that rejects rate-limited calls see retryAfter', async () => {
    fake.fail('chat.postMessage', { kind: 'rate_limited', retryAfterSeconds: 30 });
    const error = await failure(
      client({ rejectRateLimitedCalls: true }).chat.postMessage({ channel: 'C0APPROVALS', text: 'now' }),
    );
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as WebAPIRateLimitedError).retryAfter).toBe(30);
  });

  it('keeps failing with failAlways until the faults are cleared', async () => {
    fake.failAlways('users.info', { kind: 'error', error: 'fatal_error' });
    const slack = client();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const error = await failure(slack.users.info({ user: APPROVER.id }));
      expect((error as WebAPIPlatformError).data.error).toBe('fatal_error');
    }
    fake.clearFaults();
    expect((await slack.users.info({ user: APPROVER.id })).ok).toBe(true);
    expect(fake.callsTo('users.info').filter((call) => call.fault)).toHaveLength(3);
  });
});

describe('waiting for calls', () => {
  it('resolves with a call that arrives later, skipping failed and non-matching ones', async () => {
    const slack = client();
    const waiting = fake.waitForCall('chat.postMessage', (call) => call.args.channel === 'C0WANTED', 5_000);
    fake.fail('chat.postMessage', { kind: 'error', error: 'fatal_error' });

    await failure(slack.chat.postMessage({ channel: 'C0WANTED', text: 'faulted' }));
    await slack.chat.postMessage({ channel: 'C0OTHER', text: 'not this one' });
    await slack.chat.postMessage({ channel: 'C0WANTED', text: 'this one' });

    const call = await waiting;
    expect(call.args.text).toBe('this one');
    expect(call.response).toMatchObject({ ok: true, channel: 'C0WANTED' });
  });

  it('resolves immediately with a call already recorded', async () => {
    await client().auth.test();
    await expect(fake.waitForCall('auth.test', undefined, 50)).resolves.toMatchObject({
      method: 'auth.test',
    });
  });

  it('times out with a message naming the calls seen so far', async () => {
    await client().chat.postMessage({ channel: 'C0APPROVALS', text: 'hello' });
    fake.fail('chat.update', { kind: 'http', status: 503 });
    await failure(client().chat.update({ channel: 'C0APPROVALS', ts: '1.000001', text: 'x' }));

    await expect(fake.waitForCall('chat.update', undefined, 100)).rejects.toThrow(
      'no successful chat.update call (matching the predicate) within 100ms. ' +
        'Calls so far: chat.postMessage, chat.update [fault: HTTP 503]',
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Block Kit limits: what real Slack refuses, the fake refuses, in Slack's words.
// ---------------------------------------------------------------------------------------------------------

const chars = (count: number, fill = 'x') => fill.repeat(count);
const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string) => ({ type: 'section', text: mrkdwn(text) });
const button = (overrides: Record<string, unknown> = {}) => ({
  type: 'button',
  action_id: 'go',
  text: plain('Go'),
  value: 'v',
  ...overrides,
});
const actions = (...elements: unknown[]) => ({ type: 'actions', elements });
const notesInput = (element: Record<string, unknown> = {}, block: Record<string, unknown> = {}) => ({
  type: 'input',
  block_id: 'notes',
  label: plain('Notes'),
  element: { type: 'plain_text_input', action_id: 'notes_input', ...element },
  ...block,
});
const modal = (overrides: Record<string, unknown> = {}) => ({
  type: 'modal',
  callback_id: 'decision',
  title: plain('Approve request'),
  submit: plain('Approve'),
  close: plain('Cancel'),
  blocks: [section('Proposal'), notesInput()],
  ...overrides,
});

/** Slack's answer when it refused the call. */
async function refusal(call: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await failure(call);
  expect(error).toBeInstanceOf(WebAPIPlatformError);
  return (error as WebAPIPlatformError).data as unknown as Record<string, unknown>;
}

function postBlocks(blocks: unknown[]) {
  return client().apiCall('chat.postMessage', { channel: 'C0APPROVALS', text: 'fallback', blocks });
}

function openView(view: unknown) {
  return client().apiCall('views.open', { trigger_id: '123.456.abc', view });
}

describe('Block Kit limits in messages', () => {
  const cases: Array<[string, unknown[], string]> = [
    [
      'more than 50 blocks',
      Array.from({ length: 51 }, () => ({ type: 'divider' })),
      'no more than 50 items allowed [json-pointer:/blocks]',
    ],
    [
      'section text over 3000',
      [section(chars(3001))],
      'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ],
    [
      'empty section text',
      [section('')],
      'must be more than 0 characters [json-pointer:/blocks/0/text/text]',
    ],
    [
      'a section with neither text nor fields',
      [{ type: 'section' }],
      'missing required field: text or fields [json-pointer:/blocks/0]',
    ],
    [
      'a text object of an unknown type',
      [{ type: 'section', text: { type: 'markdown', text: 'hi' } }],
      'must be a valid enum value [json-pointer:/blocks/0/text/type]',
    ],
    [
      '11 section fields',
      [{ type: 'section', fields: Array.from({ length: 11 }, () => mrkdwn('f')) }],
      'no more than 10 items allowed [json-pointer:/blocks/0/fields]',
    ],
    [
      'a section field over 2000',
      [{ type: 'section', fields: [mrkdwn('a'), plain(chars(2001))] }],
      'must be less than 2001 characters [json-pointer:/blocks/0/fields/1/text]',
    ],
    [
      'a section accessory over its limits',
      [{ ...section('hi'), accessory: button({ text: plain(chars(76)) }) }],
      'must be less than 76 characters [json-pointer:/blocks/0/accessory/text/text]',
    ],
    [
      'a mrkdwn header',
      [{ type: 'header', text: mrkdwn('*Approval*') }],
      'must be a valid enum value [json-pointer:/blocks/0/text/type]',
    ],
    [
      'a header over 150',
      [{ type: 'header', text: plain(chars(151)) }],
      'must be less than 151 characters [json-pointer:/blocks/0/text/text]',
    ],
    ['a header without text', [{ type: 'header' }], 'missing required field: text [json-pointer:/blocks/0]'],
    [
      '11 context elements',
      [{ type: 'context', elements: Array.from({ length: 11 }, () => mrkdwn('c')) }],
      'no more than 10 items allowed [json-pointer:/blocks/0/elements]',
    ],
    [
      'a context element over 3000',
      [{ type: 'context', elements: [mrkdwn(chars(3001))] }],
      'must be less than 3001 characters [json-pointer:/blocks/0/elements/0/text]',
    ],
    [
      '26 actions',
      [actions(...Array.from({ length: 26 }, (_, i) => button({ action_id: `b${i}` })))],
      'no more than 25 items allowed [json-pointer:/blocks/0/elements]',
    ],
    [
      'button text over 75',
      [actions(button({ text: plain(chars(76)) }))],
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    ],
    [
      'mrkdwn button text',
      [actions(button({ text: mrkdwn('*Go*') }))],
      'must be a valid enum value [json-pointer:/blocks/0/elements/0/text/type]',
    ],
    [
      'button value over 2000',
      [actions(button({ value: chars(2001) }))],
      'must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]',
    ],
    [
      'button url over 3000',
      [actions(button({ url: `https://example.com/${chars(2981)}` }))],
      'must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]',
    ],
    [
      'an unknown button style',
      [actions(button({ style: 'green' }))],
      'must be a valid enum value [json-pointer:/blocks/0/elements/0/style]',
    ],
    [
      'action_id over 255',
      [actions(button({ action_id: chars(256) }))],
      'must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]',
    ],
    [
      'two elements of a block sharing an action_id',
      [actions(button(), button())],
      'must be unique [json-pointer:/blocks/0/elements/1/action_id]',
    ],
    [
      'block_id over 255',
      [{ type: 'divider', block_id: chars(256) }],
      'must be less than 256 characters [json-pointer:/blocks/0/block_id]',
    ],
    [
      'two blocks sharing a block_id',
      [
        { ...section('a'), block_id: 'same' },
        { ...section('b'), block_id: 'same' },
      ],
      'must be unique [json-pointer:/blocks/1/block_id]',
    ],
    [
      'a confirm dialog title over 100',
      [
        actions(
          button({
            confirm: {
              title: plain(chars(101)),
              text: plain('Sure?'),
              confirm: plain('Yes'),
              deny: plain('No'),
            },
          }),
        ),
      ],
      'must be less than 101 characters [json-pointer:/blocks/0/elements/0/confirm/title/text]',
    ],
    [
      'an input label over 2000',
      [notesInput({}, { label: plain(chars(2001)) })],
      'must be less than 2001 characters [json-pointer:/blocks/0/label/text]',
    ],
  ];

  it.each(cases)('refuses %s with invalid_blocks and a JSON pointer', async (_, blocks, message) => {
    const answer = await refusal(postBlocks(blocks));
    expect(answer.error).toBe('invalid_blocks');
    expect(answer.response_metadata).toEqual({ messages: expect.arrayContaining([`[ERROR] ${message}`]) });
    expect(answer.errors).toEqual(expect.arrayContaining([message]));
    expect(fake.callsTo('chat.postMessage')[0]?.error).toBe('invalid_blocks');
  });

  it('refuses the same in chat.update and chat.postEphemeral, and changes nothing', async () => {
    const slack = client();
    const { ts } = await slack.chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'card',
      blocks: [section('ok')],
    });
    const tooLong = [section(chars(3001))];
    const expected = {
      ok: false,
      error: 'invalid_blocks',
      response_metadata: {
        messages: ['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
      },
    };
    expect(
      await refusal(
        slack.apiCall('chat.update', { channel: 'C0APPROVALS', ts, text: 'card', blocks: tooLong }),
      ),
    ).toMatchObject(expected);
    expect(
      await refusal(
        slack.apiCall('chat.postEphemeral', {
          channel: 'C0APPROVALS',
          user: APPROVER.id,
          text: 'x',
          blocks: tooLong,
        }),
      ),
    ).toMatchObject(expected);
    const history = await slack.conversations.history({ channel: 'C0APPROVALS' });
    expect(history.messages?.[0]?.blocks?.[0]).toMatchObject(section('ok'));
  });

  it('names every problem of a message at once', async () => {
    const answer = await refusal(
      postBlocks([section(chars(3001)), { type: 'header', text: plain(chars(151)) }]),
    );
    expect(answer.response_metadata).toEqual({
      messages: [
        '[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
        '[ERROR] must be less than 151 characters [json-pointer:/blocks/1/text/text]',
      ],
    });
  });

  it('accepts a card with every bound exactly at its limit', async () => {
    const buttons = Array.from({ length: 25 }, (_, i) =>
      button({
        action_id: `${i}`.padEnd(255, 'a'),
        text: plain(chars(75)),
        value: chars(2000),
        url: `https://example.com/${chars(2980)}`,
        accessibility_label: chars(75),
        style: i === 0 ? 'primary' : 'danger',
        ...(i === 0 && {
          confirm: {
            title: plain(chars(100)),
            text: mrkdwn(chars(300)),
            confirm: plain(chars(30)),
            deny: plain(chars(30)),
          },
        }),
      }),
    );
    const card = [
      { type: 'header', block_id: chars(255, 'h'), text: plain(chars(150)) },
      { ...section(chars(3000)), accessory: button({ text: plain(chars(75)) }) },
      {
        type: 'section',
        fields: Array.from({ length: 10 }, (_, i) => (i % 2 ? plain : mrkdwn)(chars(2000))),
      },
      {
        type: 'context',
        elements: Array.from({ length: 10 }, (_, i) => (i % 2 ? plain : mrkdwn)(chars(3000))),
      },
      { type: 'actions', block_id: chars(255, 'a'), elements: buttons },
      ...Array.from({ length: 45 }, (_, i) => ({ type: 'divider', block_id: `divider-${i}` })),
    ];
    expect(card).toHaveLength(50);

    const posted = await client().apiCall('chat.postMessage', {
      channel: 'C0APPROVALS',
      text: chars(40_000),
      blocks: card,
    });
    expect(posted.ok).toBe(true);
  });

  it('answers msg_too_long for text over 40,000 characters', async () => {
    const error = await refusal(client().chat.postMessage({ channel: 'C0APPROVALS', text: chars(40_001) }));
    expect(error.error).toBe('msg_too_long');
  });

  it('refuses blocks posted to a response_url with HTTP 400 invalid_blocks, keeping the reasons in the log', async () => {
    const hook = `${fake.hooksUrl}commands/T0FAKETEAM/1/abc`;
    const post = (blocks: unknown[]) =>
      fetch(hook, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'fallback', blocks }),
      });

    const refused = await post([section(chars(3001))]);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toBe('invalid_blocks');
    const accepted = await post([section(chars(3000))]);
    expect(accepted.status).toBe(200);

    const [refusedCall, acceptedCall] = fake.callsTo('response_url');
    expect(refusedCall).toMatchObject({
      error: 'invalid_blocks',
      response: {
        response_metadata: {
          messages: ['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
        },
      },
    });
    expect(acceptedCall?.error).toBeUndefined();
  });
});

describe('Block Kit limits in views', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    [
      'more than 100 blocks',
      modal({ blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) }),
      'no more than 100 items allowed [json-pointer:/view/blocks]',
    ],
    [
      'a modal without a title',
      modal({ title: undefined }),
      'missing required field: title [json-pointer:/view]',
    ],
    [
      'a title over 24',
      modal({ title: plain(chars(25)) }),
      'must be less than 25 characters [json-pointer:/view/title/text]',
    ],
    [
      'a mrkdwn title',
      modal({ title: mrkdwn('*Approve*') }),
      'must be a valid enum value [json-pointer:/view/title/type]',
    ],
    [
      'submit over 24',
      modal({ submit: plain(chars(25)) }),
      'must be less than 25 characters [json-pointer:/view/submit/text]',
    ],
    [
      'close over 24',
      modal({ close: plain(chars(25)) }),
      'must be less than 25 characters [json-pointer:/view/close/text]',
    ],
    [
      'an input block without submit',
      modal({ submit: undefined }),
      'missing required field: submit [json-pointer:/view]',
    ],
    [
      'private_metadata over 3000',
      modal({ private_metadata: chars(3001) }),
      'must be less than 3001 characters [json-pointer:/view/private_metadata]',
    ],
    [
      'callback_id over 255',
      modal({ callback_id: chars(256) }),
      'must be less than 256 characters [json-pointer:/view/callback_id]',
    ],
    [
      'a view without blocks',
      modal({ blocks: undefined }),
      'missing required field: blocks [json-pointer:/view]',
    ],
    [
      'section text over 3000',
      modal({ blocks: [section(chars(3001))] }),
      'must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]',
    ],
    [
      'an input label over 2000',
      modal({ blocks: [notesInput({}, { label: plain(chars(2001)) })] }),
      'must be less than 2001 characters [json-pointer:/view/blocks/0/label/text]',
    ],
    [
      'a mrkdwn input label',
      modal({ blocks: [notesInput({}, { label: mrkdwn('*Notes*') })] }),
      'must be a valid enum value [json-pointer:/view/blocks/0/label/type]',
    ],
    [
      'an input hint over 2000',
      modal({ blocks: [notesInput({}, { hint: plain(chars(2001)) })] }),
      'must be less than 2001 characters [json-pointer:/view/blocks/0/hint/text]',
    ],
    [
      'a placeholder over 150',
      modal({ blocks: [notesInput({ placeholder: plain(chars(151)) })] }),
      'must be less than 151 characters [json-pointer:/view/blocks/0/element/placeholder/text]',
    ],
    [
      'max_length over 3000',
      modal({ blocks: [notesInput({ max_length: 3001 })] }),
      'must be less than or equal to 3000 [json-pointer:/view/blocks/0/element/max_length]',
    ],
    [
      'max_length of 0',
      modal({ blocks: [notesInput({ max_length: 0 })] }),
      'must be greater than or equal to 1 [json-pointer:/view/blocks/0/element/max_length]',
    ],
    [
      'min_length over 3000',
      modal({ blocks: [notesInput({ min_length: 3001 })] }),
      'must be less than or equal to 3000 [json-pointer:/view/blocks/0/element/min_length]',
    ],
    [
      'an input without an element',
      modal({ blocks: [{ type: 'input', label: plain('Notes') }] }),
      'missing required field: element [json-pointer:/view/blocks/0]',
    ],
    [
      'two blocks sharing a block_id',
      modal({ blocks: [notesInput(), notesInput()] }),
      'must be unique [json-pointer:/view/blocks/1/block_id]',
    ],
  ];

  it.each(cases)('refuses %s with invalid_arguments and a JSON pointer', async (_, view, message) => {
    const answer = await refusal(openView(view));
    expect(answer.error).toBe('invalid_arguments');
    expect(answer.response_metadata).toEqual({ messages: expect.arrayContaining([`[ERROR] ${message}`]) });
    expect(fake.callsTo('views.open')[0]?.error).toBe('invalid_arguments');
  });

  it('refuses the same in views.push and views.update', async () => {
    const slack = client();
    const opened = await slack.apiCall('views.open', { trigger_id: '1.2.a', view: modal() });
    const tooLong = modal({ title: plain(chars(25)) });
    const expected = {
      error: 'invalid_arguments',
      response_metadata: {
        messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'],
      },
    };
    expect(await refusal(slack.apiCall('views.push', { trigger_id: '1.2.b', view: tooLong }))).toMatchObject(
      expected,
    );
    const viewId = (opened as { view?: { id?: string } }).view?.id ?? '';
    expect(await refusal(slack.apiCall('views.update', { view_id: viewId, view: tooLong }))).toMatchObject(
      expected,
    );
  });

  it('accepts a modal with every bound exactly at its limit', async () => {
    const view = modal({
      title: plain(chars(24)),
      submit: plain(chars(24)),
      close: plain(chars(24)),
      private_metadata: chars(3000),
      callback_id: chars(255),
      blocks: [
        notesInput(
          {
            action_id: chars(255),
            placeholder: plain(chars(150)),
            min_length: 3000,
            max_length: 3000,
            initial_value: chars(3000),
            multiline: true,
          },
          { block_id: chars(255), label: plain(chars(2000)), hint: plain(chars(2000)) },
        ),
        ...Array.from({ length: 99 }, (_, i) => section(`${i}`.padEnd(3000, '.'))),
      ],
    });
    const opened = await openView(view);
    expect(opened.ok).toBe(true);
  });

  it('lets a modal without input blocks go without submit', async () => {
    expect((await openView(modal({ submit: undefined, blocks: [section('Nothing to decide')] }))).ok).toBe(
      true,
    );
  });
});

describe('App Home', () => {
  const home = (text: string, overrides: Record<string, unknown> = {}) => ({
    type: 'home',
    callback_id: 'inbox',
    blocks: [section(text)],
    ...overrides,
  });

  function publish(args: Record<string, unknown>) {
    return client().apiCall('views.publish', args);
  }

  async function published(args: Record<string, unknown>): Promise<{ id?: string; hash?: string }> {
    const { view } = (await publish(args)) as { view?: { id?: string; hash?: string } };
    return view ?? {};
  }

  it('publishes a Home tab, answers with the view, and homeView shows it', async () => {
    const { view } = await client().views.publish({
      user_id: APPROVER.id,
      view: {
        type: 'home',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Nothing to decide' } }],
      },
    });
    expect(view).toMatchObject({
      id: expect.stringMatching(/^V/),
      type: 'home',
      hash: expect.any(String),
      blocks: [{ type: 'section', block_id: expect.any(String), text: { text: 'Nothing to decide' } }],
    });
    expect(fake.homeView(APPROVER.id)).toEqual(view);
    expect(fake.homeView(REVIEWER.id)).toBeUndefined();
  });

  it('accepts the view as a JSON string too', async () => {
    const answer = await publish({ user_id: APPROVER.id, view: JSON.stringify(home('Inbox')) });
    expect(answer.ok).toBe(true);
    expect(fake.homeView(APPROVER.id)).toMatchObject({ type: 'home', callback_id: 'inbox' });
  });

  it('replaces the previous publish: same view id, fresh hash', async () => {
    const first = await published({ user_id: APPROVER.id, view: home('first') });
    const second = await published({ user_id: APPROVER.id, view: home('second'), hash: first.hash });
    expect(second.id).toBe(first.id);
    expect(second.hash).not.toBe(first.hash);
    expect(fake.homeView(APPROVER.id)).toMatchObject({
      hash: second.hash,
      blocks: [{ text: { text: 'second' } }],
    });
  });

  it('refuses a stale hash with hash_conflict and keeps the current view', async () => {
    const first = await published({ user_id: APPROVER.id, view: home('first') });
    await publish({ user_id: APPROVER.id, view: home('second') });
    const answer = await refusal(publish({ user_id: APPROVER.id, view: home('third'), hash: first.hash }));
    expect(answer.error).toBe('hash_conflict');
    expect(fake.homeView(APPROVER.id)).toMatchObject({ blocks: [{ text: { text: 'second' } }] });
  });

  it('refuses a hash when the user has no Home tab yet', async () => {
    const answer = await refusal(
      publish({ user_id: APPROVER.id, view: home('first'), hash: '1700000000.00000001' }),
    );
    expect(answer.error).toBe('hash_conflict');
  });

  it('refuses a missing user_id with invalid_arguments and an unknown user with user_not_found', async () => {
    const missingUser = await refusal(publish({ view: home('x') }));
    expect(missingUser).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] missing required field: user_id'] },
    });
    expect((await refusal(publish({ user_id: 'U0NOBODY', view: home('x') }))).error).toBe('user_not_found');
  });

  it('refuses a view that is not a home view with invalid_arguments', async () => {
    const answer = await refusal(publish({ user_id: APPROVER.id, view: modal() }));
    expect(answer).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] must be a valid enum value [json-pointer:/view/type]'] },
    });
    expect(fake.homeView(APPROVER.id)).toBeUndefined();
  });

  it('refuses more than 100 blocks with invalid_arguments, and takes exactly 100', async () => {
    const blocks = (count: number) => Array.from({ length: count }, () => ({ type: 'divider' }));
    const answer = await refusal(publish({ user_id: APPROVER.id, view: home('x', { blocks: blocks(101) }) }));
    expect(answer).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]'] },
    });
    expect((await publish({ user_id: APPROVER.id, view: home('x', { blocks: blocks(100) }) })).ok).toBe(true);
  });

  it('forgets published Home tabs on reset', async () => {
    await publish({ user_id: APPROVER.id, view: home('first') });
    fake.reset();
    expect(fake.homeView(APPROVER.id)).toBeUndefined();
  });
});

describe('what the doctor asks', () => {
  it('sends the bot token’s scopes, refuses listed tokens, opens Socket Mode for app tokens only, and knows only listed channels when told', async () => {
    const workspace = await startFakeSlackApi({
      channels: [{ id: 'C0ONLY', name: 'only' }],
      onlyListedChannels: true,
      botScopes: ['chat:write', 'users:read'],
      rejectedTokens: ['xoxb-revoked'],
    });
    try {
      const bot = new WebClient(TOKEN, { slackApiUrl: workspace.url, logger: quietSlackLogger });
      expect((await bot.auth.test()).response_metadata?.scopes).toEqual(['chat:write', 'users:read']);
      const revoked = new WebClient('xoxb-revoked', { slackApiUrl: workspace.url, logger: quietSlackLogger });
      expect(((await failure(revoked.auth.test())) as WebAPIPlatformError).data.error).toBe('invalid_auth');
      const app = new WebClient('xapp-1-app', { slackApiUrl: workspace.url, logger: quietSlackLogger });
      expect((await app.apps.connections.open()).url).toMatch(/^wss:\/\//);
      expect(((await failure(bot.apps.connections.open())) as WebAPIPlatformError).data.error).toBe(
        'not_allowed_token_type',
      );
      expect((await bot.conversations.info({ channel: 'C0ONLY' })).channel?.name).toBe('only');
      expect(
        ((await failure(bot.conversations.info({ channel: 'C0ELSE' }))) as WebAPIPlatformError).data.error,
      ).toBe('channel_not_found');
    } finally {
      await workspace.close();
    }
  });
});

describe('agent sessions and streams', () => {
  const THREAD = { channel_id: 'C0AGENT', thread_ts: '1690000000.000100' };
  const RECIPIENT = { recipient_user_id: APPROVER.id, recipient_team_id: FAKE_SLACK_TEAM.id };
  const code = async (call: Promise<unknown>) => ((await failure(call)) as WebAPIPlatformError).data.error;

  it('creates a session with its title and initiator, then changes only its status', async () => {
    const slack = client();
    const created = await slack.agents.sessions.setStatus({
      ...THREAD,
      status: 'processing',
      title: 'archive #old-project',
      initiator_user_id: APPROVER.id,
    });
    expect(created).toMatchObject({ ok: true, status: 'processing', title: 'archive #old-project' });
    // A title given to an existing session is ignored: rename changes it.
    await slack.agents.sessions.setStatus({ ...THREAD, status: 'suspended', title: 'ignored' });
    await slack.agents.sessions.rename({ ...THREAD, title: 'Waiting for @ada: archive #old-project' });
    expect(fake.agentSession('C0AGENT', THREAD.thread_ts)).toEqual({
      status: 'suspended',
      statuses: ['processing', 'suspended'],
      title: 'Waiting for @ada: archive #old-project',
      initiator: APPROVER.id,
    });
  });

  it('refuses a status Slack does not accept, a title over 200 characters, and renaming a session that does not exist', async () => {
    const slack = client();
    expect(await code(slack.agents.sessions.setStatus({ ...THREAD, status: 'thinking' }))).toBe(
      'invalid_arguments',
    );
    expect(
      await code(
        slack.agents.sessions.setStatus({ ...THREAD, status: 'processing', title: 'x'.repeat(201) }),
      ),
    ).toBe('invalid_arguments');
    expect(await code(slack.agents.sessions.rename({ ...THREAD, title: 'no session yet' }))).toBe(
      'session_not_found',
    );
    await slack.agents.sessions.setStatus({ ...THREAD, status: 'processing', title: 'x'.repeat(200) });
    expect(await code(slack.agents.sessions.rename({ ...THREAD, title: '' }))).toBe('invalid_arguments');
    expect(await code(slack.agents.sessions.rename({ ...THREAD, title: 'y'.repeat(201) }))).toBe(
      'invalid_arguments',
    );
    expect(fake.agentSession('C0AGENT', THREAD.thread_ts)?.statuses).toEqual(['processing']);
  });

  it('streams tasks and text into one message, which takes nothing more once stopped', async () => {
    const slack = client();
    const started = await slack.chat.startStream({
      channel: 'C0AGENT',
      thread_ts: THREAD.thread_ts,
      ...RECIPIENT,
      task_display_mode: 'plan',
      chunks: [
        { type: 'plan_update', title: 'archive #old-project' },
        { type: 'task_update', id: 't1', title: 'archive_channel', status: 'pending' },
      ],
    });
    const ts = started.ts ?? '';
    await slack.chat.appendStream({
      channel: 'C0AGENT',
      ts,
      chunks: [{ type: 'task_update', id: 't1', title: 'archive_channel', status: 'in_progress' }],
    });
    await slack.agents.sessions.setStatus({ ...THREAD, status: 'processing' });
    await slack.chat.stopStream({
      channel: 'C0AGENT',
      ts,
      chunks: [
        { type: 'task_update', id: 't1', title: 'archive_channel', status: 'complete' },
        { type: 'markdown_text', text: 'Archived.' },
      ],
      session_status: 'active',
    });
    expect(fake.streamedMessage('C0AGENT', ts)).toEqual({
      text: 'Archived.',
      plan: 'archive #old-project',
      tasks: { t1: { type: 'task_update', id: 't1', title: 'archive_channel', status: 'complete' } },
      streaming: false,
      recipient: { user: APPROVER.id, team: FAKE_SLACK_TEAM.id },
    });
    expect(fake.agentSession('C0AGENT', THREAD.thread_ts)?.statuses).toEqual(['processing', 'active']);
    expect(await code(slack.chat.appendStream({ channel: 'C0AGENT', ts, markdown_text: 'more' }))).toBe(
      'message_not_in_streaming_state',
    );
    expect(await code(slack.chat.stopStream({ channel: 'C0AGENT', ts }))).toBe(
      'message_not_in_streaming_state',
    );
    expect(
      await code(slack.chat.appendStream({ channel: 'C0AGENT', ts: '1.000001', markdown_text: 'x' })),
    ).toBe('message_not_found');
  });

  it('refuses a stream in a channel without its recipient’s user and team, but not in a DM', async () => {
    const slack = client();
    const inChannel = { channel: 'C0AGENT', thread_ts: THREAD.thread_ts, markdown_text: 'hi' };
    expect(await code(slack.chat.startStream(inChannel))).toBe('missing_recipient_user_id');
    expect(await code(slack.chat.startStream({ ...inChannel, recipient_user_id: APPROVER.id }))).toBe(
      'missing_recipient_team_id',
    );
    const dm = await slack.chat.postMessage({ channel: APPROVER.id, text: 'question' });
    const inDm = await slack.chat.startStream({
      channel: dm.channel ?? '',
      thread_ts: dm.ts ?? '',
      markdown_text: 'hi',
    });
    expect(inDm.ok).toBe(true);
  });

  it('refuses chunks Slack refuses: text over 12,000 characters, unknown chunks and task statuses, bad display modes', async () => {
    const slack = client();
    type Chunks = Parameters<typeof slack.chat.startStream>[0]['chunks'];
    const base = { channel: 'C0AGENT', thread_ts: THREAD.thread_ts, ...RECIPIENT };
    expect(await code(slack.chat.startStream({ ...base, markdown_text: 'x'.repeat(12_001) }))).toBe(
      'msg_too_long',
    );
    expect(
      await code(
        slack.chat.startStream({ ...base, chunks: [{ type: 'markdown_text', text: 'x'.repeat(12_001) }] }),
      ),
    ).toBe('msg_too_long');
    const unknown = [{ type: 'sparkles' }] as unknown as Chunks;
    expect(await code(slack.chat.startStream({ ...base, chunks: unknown }))).toBe('invalid_chunks');
    const badStatus = [{ type: 'task_update', id: 't', title: 't', status: 'done' }] as unknown as Chunks;
    expect(await code(slack.chat.startStream({ ...base, chunks: badStatus }))).toBe('invalid_chunks');
    expect(
      await code(slack.chat.startStream({ ...base, task_display_mode: 'list', markdown_text: 'x' })),
    ).toBe('invalid_arguments');
    const ok = await slack.chat.startStream({ ...base, markdown_text: 'x'.repeat(12_000) });
    expect(await code(slack.chat.appendStream({ channel: 'C0AGENT', ts: ok.ts ?? '' }))).toBe(
      'invalid_arguments',
    );
    expect(
      await code(slack.chat.stopStream({ channel: 'C0AGENT', ts: ok.ts ?? '', session_status: 'finished' })),
    ).toBe('invalid_arguments');
    // Nothing refused was taken.
    expect(fake.streamedMessage('C0AGENT', ok.ts ?? '')).toMatchObject({ streaming: true });
    expect(fake.callsTo('chat.startStream').filter((c) => c.error === undefined)).toHaveLength(1);
  });

  it('answers a message’s permalink, and message_not_found for one it does not have', async () => {
    const slack = client();
    const posted = await slack.chat.postMessage({ channel: 'C0APPROVALS', text: 'card' });
    const link = await slack.chat.getPermalink({ channel: 'C0APPROVALS', message_ts: posted.ts ?? '' });
    expect(link.permalink).toBe(
      `https://${FAKE_SLACK_TEAM.domain}.slack.com/archives/C0APPROVALS/p${(posted.ts ?? '').replace('.', '')}`,
    );
    expect(await code(slack.chat.getPermalink({ channel: 'C0APPROVALS', message_ts: '1.000001' }))).toBe(
      'message_not_found',
    );
  });
});
