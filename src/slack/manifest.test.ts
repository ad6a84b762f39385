// manifest.json is what a user pastes into Slack to create the app: it must ask for what the code uses.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HANDLED_EVENTS } from './listeners/index.js';

interface Manifest {
  features: {
    app_home?: {
      home_tab_enabled?: boolean;
      messages_tab_enabled?: boolean;
      messages_tab_read_only_enabled?: boolean;
    };
    agent_view?: {
      agent_description?: string;
      suggested_prompts?: Array<{ title: string; message: string }>;
    };
    slash_commands: Array<{ command: string }>;
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions?: { bot_events?: string[] }; interactivity: { is_enabled: boolean } };
}

const manifest = JSON.parse(
  readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8'),
) as Manifest;

/** The Web API methods Countersign calls, and the bot scope each needs (Slack's method pages). */
const SCOPES_BY_METHOD: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'conversations.history': 'channels:history',
  'conversations.replies': 'channels:history',
  'conversations.info': 'channels:read',
  'conversations.members': 'channels:read',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'conversations.archive': 'channels:manage',
  'conversations.setTopic': 'channels:manage',
  'conversations.invite': 'channels:manage',
  'users.info': 'users:read',
  'usergroups.users.list': 'usergroups:read',
};

/**
 * The events Countersign subscribes to, and the bot scope each needs (Slack's event pages: app_mention, message.im;
 * agent_session_stopped comes to apps declared as agents, which is what assistant:write is, per "Agent sessions").
 */
const SCOPES_BY_EVENT: Record<string, string | undefined> = {
  app_home_opened: undefined,
  app_mention: 'app_mentions:read',
  'message.im': 'im:history',
  agent_session_stopped: 'assistant:write',
};

/** Slack's limits on the agent view (the app manifest reference): a description of 300 characters, 4 prompts. */
const AGENT_DESCRIPTION_MAX = 300;
const SUGGESTED_PROMPTS_MAX = 4;

describe('manifest.json', () => {
  it('asks for the scope of every Web API method the app calls', () => {
    for (const [method, scope] of Object.entries(SCOPES_BY_METHOD)) {
      expect(manifest.oauth_config.scopes.bot, method).toContain(scope);
    }
  });

  it('turns on the Home tab and its event, the slash command and interactivity', () => {
    expect(manifest.features.app_home?.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions?.bot_events).toContain('app_home_opened');
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/agent']);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it('subscribes to exactly the events the listeners handle, with the scope each needs', () => {
    const events = manifest.settings.event_subscriptions?.bot_events ?? [];
    // message.im is delivered as `message` (with channel_type "im"): the one the listeners name.
    expect(events.map((e) => (e === 'message.im' ? 'message' : e)).sort()).toEqual(
      [...HANDLED_EVENTS].sort(),
    );
    for (const event of events) {
      const scope = SCOPES_BY_EVENT[event];
      expect(Object.keys(SCOPES_BY_EVENT), event).toContain(event);
      if (scope) expect(manifest.oauth_config.scopes.bot, event).toContain(scope);
    }
  });

  it('declares the app an agent: the agent view within Slack’s limits, and a Messages tab people can write in', () => {
    const view = manifest.features.agent_view;
    expect(view?.agent_description?.length).toBeGreaterThan(0);
    expect(view?.agent_description?.length).toBeLessThanOrEqual(AGENT_DESCRIPTION_MAX);
    expect(view?.suggested_prompts?.length ?? 0).toBeLessThanOrEqual(SUGGESTED_PROMPTS_MAX);
    expect(manifest.oauth_config.scopes.bot).toContain('assistant:write');
    expect(manifest.features.app_home).toMatchObject({
      messages_tab_enabled: true,
      messages_tab_read_only_enabled: false,
    });
  });

  it('asks for no scope the app does not use', () => {
    const used = new Set([
      ...Object.values(SCOPES_BY_METHOD),
      ...Object.values(SCOPES_BY_EVENT).filter((s): s is string => s !== undefined),
      // The slash command; posting where the bot is not a member; private channels' reads and writes; the tools.
      'commands',
      'chat:write.public',
      'groups:read',
      'groups:history',
      'groups:write',
    ]);
    expect(manifest.oauth_config.scopes.bot.filter((scope) => !used.has(scope))).toEqual([]);
  });
});
