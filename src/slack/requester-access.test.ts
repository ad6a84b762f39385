// Who may ask, and what a requester can see: the pure rules, and the checks against the Slack fake.
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_SLACK_BOT, type FakeSlackApi, startFakeSlackApi } from '../../test/fakes/slack-api.js';
import { createMembershipCheck } from './membership.js';
import {
  createRequesterCheck,
  isPlainlyPublic,
  listedRequester,
  requesterSight,
} from './requester-access.js';

describe('listedRequester', () => {
  const requesters = { users: ['U0ANA'], userGroups: ['S0ASKERS'] };

  it('lets everyone through when REQUESTERS is unset', () => {
    expect(listedRequester('U0ANYONE', undefined, {})).toBe(true);
  });

  it('lets through the people it names and the members of its groups, nobody else', () => {
    expect(listedRequester('U0ANA', requesters, {})).toBe(true);
    expect(listedRequester('U0BOB', requesters, { S0ASKERS: ['U0BOB'] })).toBe(true);
    expect(listedRequester('U0BOB', requesters, { S0ASKERS: [] })).toBe(false);
    expect(listedRequester('U0BOB', requesters, { S0OTHER: ['U0BOB'] })).toBe(false);
  });
});

describe('isPlainlyPublic', () => {
  it('counts only a channel that says it is not private, and is no DM or group DM', () => {
    expect(isPlainlyPublic({ is_private: false })).toBe(true);
    expect(isPlainlyPublic({ is_private: true })).toBe(false);
    expect(isPlainlyPublic({})).toBe(false);
    expect(isPlainlyPublic({ is_private: false, is_im: true })).toBe(false);
    expect(isPlainlyPublic({ is_private: false, is_mpim: true })).toBe(false);
  });
});

describe('against Slack', () => {
  let fake: FakeSlackApi;
  let slack: WebClient;

  beforeAll(async () => {
    fake = await startFakeSlackApi({
      users: [
        { id: 'U0ANA', name: 'ana' },
        { id: 'U0BOB', name: 'bob' },
        { id: 'U0GUEST', name: 'gus', isUltraRestricted: true },
        { id: 'U0STRANGER', name: 'stan', teamId: 'T0OTHERCO' },
      ],
      userGroups: { S0ASKERS: ['U0BOB'] },
      channels: [
        { id: 'C0LOBBY', name: 'lobby', members: ['U0GUEST'] },
        { id: 'C0HR', name: 'hr', members: ['U0ANA'] },
        { id: 'G0SECRET', name: 'secret', isPrivate: true, members: ['U0ANA', FAKE_SLACK_BOT.userId] },
      ],
    });
    slack = new WebClient('xoxb-unit', { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
  });

  afterAll(() => fake.close());

  describe('createRequesterCheck', () => {
    const check = createRequesterCheck(createMembershipCheck(), {
      users: ['U0ANA'],
      userGroups: ['S0ASKERS'],
    });

    it('admits a listed full member without asking for the groups, and a group member after asking', async () => {
      fake.reset();
      expect(await check(slack, 'U0ANA')).toEqual({ ok: true });
      expect(fake.callsTo('usergroups.users.list')).toEqual([]);
      expect(await check(slack, 'U0BOB')).toEqual({ ok: true });
    });

    it('refuses a guest before anything else, and a full member it does not list', async () => {
      const guestListed = createRequesterCheck(createMembershipCheck(), {
        users: ['U0GUEST'],
        userGroups: [],
      });
      expect(await guestListed(slack, 'U0GUEST')).toEqual({ ok: false, reason: 'guest' });
      expect(await check(slack, 'U0STRANGER')).toEqual({ ok: false, reason: 'other_workspace' });
      fake.reset();
      fake.fail('usergroups.users.list', { kind: 'error', error: 'no_such_subteam' });
      expect(await check(slack, 'U0BOB')).toEqual({ ok: false, reason: 'unverifiable' });
    });
  });

  describe('requesterSight', () => {
    it('shows a full member every public channel, and a guest only those they are in', async () => {
      const public_ = { is_private: false };
      expect(await requesterSight(slack, 'U0BOB')('C0HR', public_)).toBe(true);
      const guest = requesterSight(slack, 'U0GUEST');
      expect(await guest('C0HR', public_)).toBe(false);
      expect(await guest('C0LOBBY', public_)).toBe(true);
      expect(await requesterSight(slack, 'U0STRANGER')('C0HR', public_)).toBe(false);
    });

    it('shows anything else only to its members, and asks Slack who the requester is at most once', async () => {
      fake.reset();
      const sight = requesterSight(slack, 'U0ANA');
      expect(await sight('G0SECRET', { is_private: true })).toBe(true);
      expect(await requesterSight(slack, 'U0BOB')('G0SECRET', { is_private: true })).toBe(false);
      expect(await sight('C0HR', { is_private: false })).toBe(true);
      expect(await sight('C0LOBBY', { is_private: false })).toBe(true);
      expect(fake.callsTo('users.info')).toHaveLength(1);
    });

    it('throws when Slack cannot say who the requester is, rather than guess', async () => {
      fake.fail('users.info', { kind: 'error', error: 'internal_error' });
      await expect(requesterSight(slack, 'U0BOB')('C0HR', { is_private: false })).rejects.toThrow(
        /could not check with Slack/,
      );
    });
  });
});
