import { describe, expect, it } from 'vitest';
import { boltLogger, createLogger, redactEverywhere, redactText } from './logger.js';

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

describe('secrets inside text', () => {
  it.each([
    ['a bot token', 'auth failed for xoxb-1234-5678-abcdEFGH', 'xoxb-1234-5678-abcdEFGH'],
    ['a user token', 'token xoxp-1-2-3-abc', 'xoxp-1-2-3-abc'],
    ['a rotating token', 'refresh xoxe.xoxp-1-Mi0yLTE', 'xoxe.xoxp-1-Mi0yLTE'],
    ['an app-level token', 'connecting with xapp-1-A0-123-abc', 'xapp-1-A0-123-abc'],
    ['an OpenAI key', 'key sk-proj-AbC123_xyz-987', 'sk-proj-AbC123_xyz-987'],
    ['a bearer credential', 'Authorization: Bearer eyJhbGciOi.payload.sig', 'eyJhbGciOi.payload.sig'],
    [
      "a slash command's legacy token and response_url in a form body",
      'token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0%2F1%2Fabc&trigger_id=13345.98',
      'gIkuvaNzQIHg97ATvDxqgjtO',
    ],
    [
      "a payload's response_url in JSON",
      '{"type":"block_actions","response_url":"http://127.0.0.1:4000/hooks/actions/T0/2/def","trigger_id":"1.2"}',
      '127.0.0.1:4000/hooks/actions',
    ],
    [
      'response_urls of a view submission',
      '{"response_urls":[{"block_id":"b","response_url":"http://127.0.0.1:4000/hooks/x"}]}',
      '127.0.0.1:4000/hooks/x',
    ],
    [
      'a response_url in prose',
      'posting to https://hooks.slack.com/actions/T0/3/ghi now',
      'hooks.slack.com/actions',
    ],
    ['a JSON-escaped response_url', 'url https:\\/\\/hooks.slack.com\\/commands\\/T0\\/4', 'hooks.slack.com'],
    ['an incoming webhook', 'https://hooks.slack.com/services/T0/B0/XXXX', 'services/T0/B0/XXXX'],
  ])('redacts %s', (_what, text, secret) => {
    expect(redactText(text)).not.toContain(secret);
    expect(redactText(text)).toContain('[redacted]');
  });

  it('keeps what is not a secret: trigger_ids, ids, ordinary words', () => {
    const text = 'risk high, task-queue countersign, trigger_id=13345.98, run run-abc, "team_id":"T0"';
    expect(redactText(text)).toBe(text);
  });

  it('redacts the configured secrets by value, however they appear, and ignores values too short to be one', () => {
    redactEverywhere(['signing-secret-e9f0', 'temporal-api-key-77aa', undefined, 'short']);
    const { logger, lines } = capture('debug');
    logger.debug('verified with signing-secret-e9f0', { note: 'key=temporal-api-key-77aa', word: 'short' });
    expect(lines.join('\n')).not.toMatch(/signing-secret-e9f0|temporal-api-key-77aa/);
    expect(lines.join('\n')).toContain('"word":"short"');
  });

  it('redacts inside messages and nested fields at every level, deep objects included', () => {
    const { logger, lines } = capture('debug');
    let deep: Record<string, unknown> = { text: 'xoxb-deep-secret', response_url: 'http://127.0.0.1/h' };
    for (let i = 0; i < 10; i++) deep = { inner: deep };
    logger.debug('sent xoxb-in-message', {
      deep,
      list: ['sk-listed-secret'],
      response_url: 'http://127.0.0.1/hook',
    });
    const line = lines.join('\n');
    for (const secret of ['xoxb-deep-secret', 'xoxb-in-message', 'sk-listed-secret', '127.0.0.1']) {
      expect(line).not.toContain(secret);
    }
  });
});

describe('boltLogger', () => {
  it("redacts secrets in Bolt's messages, which print whole payloads", () => {
    const { logger, lines } = capture('debug');
    boltLogger(logger, 'debug').debug({
      token: 'legacy-verification',
      response_url: 'https://hooks.slack.com/commands/T0/1/abc',
    });
    expect(lines.join('\n')).not.toMatch(/legacy-verification|hooks\.slack\.com/);
  });

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
