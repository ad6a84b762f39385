// Model call latency and failures as the worker counts them: the real OpenAI client against the fake service.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeOpenAI,
  garbageBody,
  httpError,
  message,
  startFakeOpenAI,
} from '../../test/fakes/openai.js';
import { parseConfig } from '../config.js';
import { registry } from '../metrics.js';
import { TOOLS } from '../tools/index.js';
import { createLlmActivities } from './llm.js';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake.close());

/** A sample's value (summed over labels not given); a histogram's `_count` is read from its family. */
async function value(name: string, labels: Record<string, string>): Promise<number> {
  const family = name.replace(/_count$/, '');
  const metric = await registry.getSingleMetric(family)?.get();
  return (metric?.values ?? [])
    .filter((v) => ((v as { metricName?: string }).metricName ?? family) === name)
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

function planner(baseURL: string, api: 'responses' | 'chat' = 'chat') {
  const openai = new OpenAI({ apiKey: 'sk-unit', baseURL, maxRetries: 0 });
  const { policy } = parseConfig({ SLACK_BOT_TOKEN: 'xoxb-unit' }).approval;
  return createLlmActivities({ openai, model: 'gpt-unit', api, tools: TOOLS, webhookAllowlist: [], policy })
    .planNextStep;
}
const ask = [{ type: 'user' as const, text: 'hello' }];

describe('model call metrics', () => {
  it('times every call, answered or not', async () => {
    const before = await value('countersign_model_call_seconds_count', { api: 'chat' });
    fake.reply(message('Hi.'), httpError(500));
    await expect(planner(fake.url)(ask)).resolves.toMatchObject({ kind: 'final', text: 'Hi.' });
    await expect(planner(fake.url)(ask)).rejects.toThrow();
    expect(await value('countersign_model_call_seconds_count', { api: 'chat' })).toBe(before + 2);
  });

  it.each([
    ['rate_limited', httpError(429)],
    ['rejected', httpError(400)],
    ['server_error', httpError(503)],
    ['bad_answer', garbageBody()],
  ] as const)('counts a failure as %s', async (reason, reply) => {
    const before = await value('countersign_model_call_failures_total', { api: 'responses', reason });
    fake.reply(reply);
    await expect(planner(fake.url, 'responses')(ask)).rejects.toThrow();
    expect(await value('countersign_model_call_failures_total', { api: 'responses', reason })).toBe(
      before + 1,
    );
  });

  it('counts a service it cannot reach as unreachable', async () => {
    const before = await value('countersign_model_call_failures_total', { reason: 'unreachable' });
    await expect(planner('http://127.0.0.1:1/v1')(ask)).rejects.toThrow();
    expect(await value('countersign_model_call_failures_total', { reason: 'unreachable' })).toBe(before + 1);
  });
});
