import { describe, expect, it } from 'vitest';
import { conversationRunId, threadRunPrefix } from '../../conversations.js';
import { withoutMention } from './conversation-turn.js';

describe('withoutMention', () => {
  it('takes out the bot’s own mention wherever it is, and leaves everyone else’s', () => {
    expect(withoutMention('<@U0BOT> archive <#C1|old>', 'U0BOT')).toBe('archive <#C1|old>');
    expect(withoutMention('please <@U0BOT|countersign> invite <@U0ANA>', 'U0BOT')).toBe(
      'please invite <@U0ANA>',
    );
    expect(withoutMention('<@U0BOT>', 'U0BOT')).toBe('');
  });
});

describe('conversation run ids', () => {
  const session = { teamId: 'T1', channel: 'C1', threadTs: '1.000100', via: 'mention' as const };

  it('start with their thread’s prefix, and differ by message', () => {
    const first = conversationRunId(session, '1.000100');
    const reply = conversationRunId(session, '1.000200');
    expect(first.startsWith(threadRunPrefix(session))).toBe(true);
    expect(reply.startsWith(threadRunPrefix(session))).toBe(true);
    expect(first).not.toBe(reply);
    expect(first).toMatch(/^run-[0-9a-f]{10}-[0-9a-f]{6}$/);
  });

  it('are the same for the same message, and another thread has another prefix', () => {
    expect(conversationRunId(session, '1.000100')).toBe(conversationRunId(session, '1.000100'));
    expect(threadRunPrefix({ ...session, threadTs: '2.000100' })).not.toBe(threadRunPrefix(session));
  });
});
