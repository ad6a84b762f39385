// The metrics' own rules, on the real prom-client registry and a real WebClient against the fake Slack Web API.
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlackApi, startFakeSlackApi } from '../test/fakes/slack-api.js';
import { quietSlackLogger } from '../test/support/quiet-slack-logger.js';
import {
  countPendingApprovalsWith,
  countSlackApiErrors,
  observeApprovalEnded,
  registry,
  slackMethodOf,
} from './metrics.js';

/** A sample's value in a scrape's text, as Prometheus would read it (0 when absent). */
function valueIn(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const line = text
    .split('\n')
    .find((l) => l.startsWith(wanted ? `${name}{` : `${name} `) && (!wanted || l.includes(wanted)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** One scrape of the registry (each one reads the pending approvals again). */
async function scraped(name: string, labels: Record<string, string> = {}): Promise<number> {
  return valueIn(await registry.metrics(), name, labels);
}

describe('Slack API errors', () => {
  let slack: FakeSlackApi;
  beforeAll(async () => {
    slack = await startFakeSlackApi();
    countSlackApiErrors();
  });
  afterAll(() => slack.close());

  const client = (options: ConstructorParameters<typeof WebClient>[1] = {}) =>
    new WebClient('xoxb-unit', {
      slackApiUrl: slack.url,
      logger: quietSlackLogger,
      retryConfig: { retries: 0 },
      ...options,
    });
  const count = (method: string, error: string) =>
    scraped('countersign_slack_api_errors_total', { method, error });

  it("counts a refused call by method and Slack's error code", async () => {
    const before = await count('chat.update', 'message_not_found');
    slack.fail('chat.update', { kind: 'error', error: 'message_not_found' });
    await expect(client().chat.update({ channel: 'C0X', ts: '1.0', text: 'x' })).rejects.toThrow();
    expect(await count('chat.update', 'message_not_found')).toBe(before + 1);
  });

  it('counts an HTTP failure by status, and a call that never reached Slack', async () => {
    const before = await count('chat.postMessage', 'http_503');
    slack.fail('chat.postMessage', { kind: 'http', status: 503 });
    await expect(client().chat.postMessage({ channel: 'C0X', text: 'x' })).rejects.toThrow();
    expect(await count('chat.postMessage', 'http_503')).toBe(before + 1);

    const unreachable = new WebClient('xoxb-unit', {
      slackApiUrl: 'http://127.0.0.1:1/api/',
      logger: quietSlackLogger,
      retryConfig: { retries: 0 },
    });
    await expect(unreachable.auth.test()).rejects.toThrow();
    expect(await count('auth.test', 'request_failed')).toBe(1);
  });

  it('counts a rate limit once, whether the client gives up on it or waits it out and succeeds', async () => {
    const before = await count('chat.postMessage', 'ratelimited');
    slack.fail('chat.postMessage', { kind: 'rate_limited', retryAfterSeconds: 0 });
    await expect(
      client({ rejectRateLimitedCalls: true }).chat.postMessage({ channel: 'C0X', text: 'x' }),
    ).rejects.toThrow();
    expect(await count('chat.postMessage', 'ratelimited')).toBe(before + 1);

    // Bolt's clients retry: the call succeeds, and the rate limit Slack answered still shows.
    slack.fail('chat.postMessage', { kind: 'rate_limited', retryAfterSeconds: 0 });
    const patient = client({ retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 } });
    await expect(patient.chat.postMessage({ channel: 'C0X', text: 'x' })).resolves.toMatchObject({
      ok: true,
    });
    expect(await count('chat.postMessage', 'ratelimited')).toBe(before + 2);
  });

  it('reads the method from the URL a client calls', () => {
    expect(slackMethodOf('http://127.0.0.1:3000/api/chat.postMessage')).toBe('chat.postMessage');
  });
});

describe('decisions, as the approval workflow reports them', () => {
  it('counts each approval outcome with how long it waited', async () => {
    const before = await scraped('countersign_decisions_total', { outcome: 'timed_out' });
    const sumBefore = await scraped('countersign_time_to_decision_seconds_sum', { outcome: 'timed_out' });
    observeApprovalEnded('timed_out', 90_000);
    expect(await scraped('countersign_decisions_total', { outcome: 'timed_out' })).toBe(before + 1);
    expect(await scraped('countersign_time_to_decision_seconds_sum', { outcome: 'timed_out' })).toBe(
      sumBefore + 90,
    );
    expect(
      await scraped('countersign_time_to_decision_seconds_bucket', { le: '60', outcome: 'timed_out' }),
    ).toBe(0);
  });
});

describe('pending approvals', () => {
  it('is read at scrape time; a failed read keeps the last value and is counted', async () => {
    let answer: () => Promise<number> = async () => 3;
    countPendingApprovalsWith(() => answer());
    const read = await registry.metrics();
    expect(valueIn(read, 'countersign_pending_approvals')).toBe(3);
    answer = async () => {
      throw new Error('deadline exceeded');
    };
    const failed = await registry.metrics();
    expect(valueIn(failed, 'countersign_pending_approvals')).toBe(3);
    expect(valueIn(failed, 'countersign_pending_approvals_read_failures_total')).toBe(
      valueIn(read, 'countersign_pending_approvals_read_failures_total') + 1,
    );
  });
});
