// manifest.json is what a user pastes into Slack to create the app: it must ask for what the code uses.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Manifest {
  features: { app_home?: { home_tab_enabled?: boolean }; slash_commands: Array<{ command: string }> };
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
});
