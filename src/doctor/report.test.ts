import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { isModelNotFound, manifestBotScopes, missingScopes } from './checks.js';
import { report } from './report.js';

describe('the doctor', () => {
  it('reads the scopes the app needs from manifest.json and names the ones a token lacks', () => {
    const needed = manifestBotScopes();
    expect(needed).toContain('chat:write');
    expect(missingScopes(needed, needed)).toEqual([]);
    expect(missingScopes(['chat:write', 'users:read'], ['chat:write'])).toEqual(['users:read']);
  });

  it('tells a 404 about the model from a 404 about the endpoint', () => {
    const notFound = (message: string, code?: string) =>
      new OpenAI.NotFoundError(404, { message, ...(code ? { code } : {}) }, message, new Headers());
    expect(isModelNotFound(notFound('The model `gpt-x` does not exist', 'model_not_found'), 'gpt-x')).toBe(
      true,
    );
    expect(isModelNotFound(notFound('model "gpt-x" not found, try pulling it first'), 'gpt-x')).toBe(true);
    expect(isModelNotFound(notFound('Invalid URL (POST /v1/responses)'), 'gpt-x')).toBe(false);
    expect(isModelNotFound(new Error('gpt-x'), 'gpt-x')).toBe(false);
  });

  it('prints a line per check, the fix under each problem, and counts the failures', () => {
    const text = report([
      { name: 'Slack bot token', status: 'ok', found: 'valid' },
      { name: 'Approvers', status: 'fail', found: 'U0GHOST: user_not_found', fix: 'Use member IDs' },
      { name: 'Bot scopes', status: 'skip', found: 'skipped: needs the bot token' },
      { name: 'Temporal', status: 'warn', found: 'attributes missing', fix: 'Run:\n  temporal operator …' },
    ]);
    expect(text.split('\n')).toEqual([
      '✓ Slack bot token  valid',
      '✗ Approvers        U0GHOST: user_not_found',
      '                   Fix: Use member IDs',
      '- Bot scopes       skipped: needs the bot token',
      '! Temporal         attributes missing',
      '                   Fix: Run:',
      '                          temporal operator …',
      '',
      '1 problem found.',
    ]);
    expect(report([{ name: 'Temporal', status: 'ok', found: 'fine' }])).toMatch(/All checks passed\.$/);
  });
});
