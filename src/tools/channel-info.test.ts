// channel_info against the Slack fake: it lends the bot's access to nobody.
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_SLACK_BOT, type FakeSlackApi, startFakeSlackApi } from '../../test/fakes/slack-api.js';
import { channelInfo, NOT_THE_REQUESTERS_TEXT } from './channel-info.js';
import { type ToolContext, ToolError } from './tool.js';

const BOT = FAKE_SLACK_BOT.userId;
let fake: FakeSlackApi;
let slack: WebClient;

beforeAll(async () => {
  fake = await startFakeSlackApi({
    users: [
      { id: 'U0REQ', name: 'rita' },
      { id: 'U0ANA', name: 'ana' },
      { id: 'U0GUEST', name: 'gus', isUltraRestricted: true },
    ],
    channels: [
      { id: 'C0PUBLIC', name: 'public', topic: 'open to all' },
      { id: 'C0LOBBY', name: 'lobby', topic: 'guests welcome', members: ['U0GUEST'] },
      { id: 'G0SECRET', name: 'secret', topic: 'the merger', isPrivate: true, members: ['U0ANA', BOT] },
      { id: 'G0OURS', name: 'ours', topic: 'our plans', isPrivate: true, members: ['U0REQ', 'U0ANA'] },
    ],
  });
  slack = new WebClient('xoxb-unit', { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
});

afterAll(() => fake.close());

const context = (requesterId: string): ToolContext => ({
  slack,
  webhookAllowlist: [],
  requesterId,
  callKey: 'run-1/call-1',
  attempt: 1,
});

async function refusal(call: Promise<unknown>): Promise<Error> {
  return call.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: Error) => error,
  );
}

describe('channel_info', () => {
  it('shows a public channel to anyone', async () => {
    const result = await channelInfo.execute({ channel: 'C0PUBLIC' }, context('U0REQ'));
    expect(result.data).toMatchObject({ name: 'public', topic: 'open to all', is_private: false });
  });

  it('shows a guest only the public channels they are in, naming nothing of the others', async () => {
    const error = await refusal(channelInfo.execute({ channel: 'C0PUBLIC' }, context('U0GUEST')));
    expect(error).toBeInstanceOf(ToolError);
    expect(error.message).toBe(NOT_THE_REQUESTERS_TEXT);
    expect(error.message).not.toContain('open to all');
    const lobby = await channelInfo.execute({ channel: 'C0LOBBY' }, context('U0GUEST'));
    expect(lobby.data).toMatchObject({ name: 'lobby', topic: 'guests welcome' });
  });

  it('is retried, not answered, when Slack cannot say who the requester is', async () => {
    fake.fail('users.info', { kind: 'error', error: 'internal_error' });
    const error = await refusal(channelInfo.execute({ channel: 'C0PUBLIC' }, context('U0REQ')));
    expect(error).not.toBeInstanceOf(ToolError);
  });

  it('shows a private channel to a member', async () => {
    const result = await channelInfo.execute({ channel: 'G0OURS' }, context('U0REQ'));
    expect(result.data).toMatchObject({ name: 'ours', topic: 'our plans', num_members: 2 });
  });

  it('refuses a private channel to a non-member, naming nothing of it', async () => {
    const error = await refusal(channelInfo.execute({ channel: 'G0SECRET' }, context('U0REQ')));
    expect(error).toBeInstanceOf(ToolError);
    expect(error.message).toBe(NOT_THE_REQUESTERS_TEXT);
    for (const secret of ['secret', 'merger', '2', 'G0SECRET']) expect(error.message).not.toContain(secret);
  });

  it('refuses someone else’s direct messages', async () => {
    const error = await refusal(channelInfo.execute({ channel: 'U0ANA' }, context('U0REQ')));
    expect(error.message).toBe(NOT_THE_REQUESTERS_TEXT);
    const own = await channelInfo.execute({ channel: 'U0REQ' }, context('U0REQ'));
    expect(own.data).toMatchObject({ is_private: true });
  });

  it('answers a channel Slack does not know with the same words as one the requester may not see', async () => {
    fake.fail('conversations.info', { kind: 'error', error: 'channel_not_found' });
    const error = await refusal(channelInfo.execute({ channel: 'C0GONE' }, context('U0REQ')));
    expect(error.message).toBe(NOT_THE_REQUESTERS_TEXT);
  });
});
