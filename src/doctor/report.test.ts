import { describe, expect, it } from 'vitest';
import { manifestBotScopes, missingScopes } from './checks.js';
import { report } from './report.js';

describe('the doctor', () => {
  it('reads the scopes the app needs from manifest.json and names the ones a token lacks', () => {
    const needed = manifestBotScopes();
    expect(needed).toContain('chat:write');
    expect(missingScopes(needed, needed)).toEqual([]);
    expect(missingScopes(['chat:write', 'users:read'], ['chat:write'])).toEqual(['users:read']);
  });

  it('prints a line per check, the fix under each problem, and counts the failures', () => {
    const text = report([
      { name: 'Slack bot token', status: 'ok', found: 'valid' },
      { name: 'Approvers', status: 'fail', found: 'U0GHOST: user_not_found', fix: 'Use member IDs' },
      { name: 'Temporal', status: 'warn', found: 'attributes missing' },
    ]);
    expect(text.split('\n')).toEqual([
      '✓ Slack bot token  valid',
      '✗ Approvers        U0GHOST: user_not_found',
      '                   Fix: Use member IDs',
      '! Temporal         attributes missing',
      '',
      '1 problem found.',
    ]);
    expect(report([{ name: 'Temporal', status: 'ok', found: 'fine' }])).toMatch(/All checks passed\.$/);
  });
});
