import { describe, expect, it } from 'vitest';
import { proposalDigest, shortDigest } from './digest.js';

describe('proposalDigest', () => {
  it('is the same whatever the order of the arguments’ keys', () => {
    const a = proposalDigest({
      tool: 'post_message',
      arguments: { channel: 'C1', text: 'hi', extra: { b: 1, a: 2 } },
    });
    const b = proposalDigest({
      tool: 'post_message',
      arguments: { extra: { a: 2, b: 1 }, text: 'hi', channel: 'C1' },
    });
    expect(a).toBe(b);
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('changes with the tool and with any argument, however small', () => {
    const base = proposalDigest({ tool: 'archive_channel', arguments: { channel: 'C0123ABCD' } });
    expect(proposalDigest({ tool: 'archive_channel', arguments: { channel: 'C0123ABCE' } })).not.toBe(base);
    expect(proposalDigest({ tool: 'channel_info', arguments: { channel: 'C0123ABCD' } })).not.toBe(base);
    expect(
      proposalDigest({ tool: 'archive_channel', arguments: { channel: 'C0123ABCD', x: null } }),
    ).not.toBe(base);
  });

  it('shows a short form for people to compare', () => {
    expect(shortDigest(`sha256:${'ab'.repeat(32)}`)).toBe('abababababab');
  });
});
