import { describe, expect, it } from 'vitest';
import { boltLogger, createLogger } from './logger.js';

function capture(level: Parameters<typeof createLogger>[0]) {
  const lines: string[] = [];
  const logger = createLogger(level, { service: 'countersign' }, (line) => lines.push(line));
  return { logger, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>), lines };
}

describe('createLogger', () => {
  it('writes one JSON line per event, with time, level, message and fields', () => {
    const { logger, entries } = capture('info');
    logger.info('card posted', { request_id: 'r1', channel: 'C1' });
    expect(entries()).toEqual([
      {
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        level: 'info',
        msg: 'card posted',
        service: 'countersign',
        request_id: 'r1',
        channel: 'C1',
      },
    ]);
  });

  it('drops events below the configured level', () => {
    const { logger, entries } = capture('warn');
    logger.debug('noise');
    logger.info('noise');
    logger.warn('kept');
    logger.error('kept too');
    expect(entries().map((e) => e.level)).toEqual(['warn', 'error']);
  });

  it('redacts credentials wherever they sit in the fields, and shows errors by name and message only', () => {
    const { logger, lines } = capture('debug');
    logger.error('call failed', {
      token: 'xoxb-secret-1',
      request: { headers: { authorization: 'Bearer sk-secret-2', 'x-slack-signature': 'v0=abc' } },
      config: [{ apiKey: 'key-secret-3', signingSecret: 'secret-4' }],
      error: Object.assign(new Error('boom'), { token: 'xoxb-secret-5' }),
    });
    const line = lines.join('\n');
    for (const secret of [
      'xoxb-secret-1',
      'sk-secret-2',
      'v0=abc',
      'key-secret-3',
      'secret-4',
      'xoxb-secret-5',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(JSON.parse(line)).toMatchObject({
      token: '[redacted]',
      request: { headers: { authorization: '[redacted]' } },
      error: { name: 'Error', message: 'boom' },
    });
  });
});

describe('boltLogger', () => {
  it("puts Bolt's messages into the same JSON lines, marked as Bolt's", () => {
    const { logger, entries } = capture('info');
    boltLogger(logger, 'info').warn('Slack request', 'verification failed', { status: 401 });
    expect(entries()).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'Slack request verification failed {"status":401}',
        source: 'bolt',
      }),
    ]);
  });
});
