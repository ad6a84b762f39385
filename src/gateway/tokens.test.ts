import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { agentTokenWorkflowId, issueToken, tokenHash, tokenIdOf } from './tokens.js';

describe('agent tokens', () => {
  it('are 256 random bits, and only their SHA-256 names them', () => {
    const a = issueToken();
    const b = issueToken();
    expect(a.token).not.toBe(b.token);
    expect(a.token).toMatch(/^csat_[A-Za-z0-9_-]{43}$/);
    const hash = createHash('sha256').update(a.token).digest('hex');
    expect(tokenHash(a.token)).toBe(hash);
    expect(a.workflowId).toBe(agentTokenWorkflowId(hash));
    expect(a.workflowId).not.toContain(a.token.slice(5));
    expect(a.tokenId).toBe(tokenIdOf(hash));
    expect(a.tokenId).toHaveLength(16);
  });

  it('refuse anything not shaped as issued, unread', () => {
    const { token } = issueToken();
    for (const bad of [
      '',
      'Bearer x',
      token.slice(0, -1),
      `${token}A`,
      token.replace('csat_', 'xoxb_'),
      `${token}\n`,
    ]) {
      expect(tokenHash(bad)).toBeUndefined();
    }
  });
});
