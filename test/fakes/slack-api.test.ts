// Drives the fake Slack Web API with the real WebClient, so the fake is held to what the SDK sends and expects.
import {
  ErrorCode,
  type Logger,
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebClient,
  type WebClientOptions,
} from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_SLACK_BOT, type FakeSlackApi, startFakeSlackApi } from './slack-api.js';

const TOKEN = 'xoxb-test-token';
const APPROVER = { id: 'U0APPROVER', name: 'ada', realName: 'Ada Lovelace', tz: 'Europe/London' };
const REVIEWER = { id: 'U0REVIEWER', name: 'grace', realName: 'Grace Hopper' };
const APPROVERS_GROUP = 'S0APPROVERS';

/** WebClient logs Slack's response_metadata messages; tests that provoke errors on purpose stay quiet. */
const quietLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

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
    logger: quietLogger,
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
