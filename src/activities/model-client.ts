// The model service's client, built one way for the worker and for `npm run doctor`: the configured key, or a
// placeholder for a local service that wants none, and no retries of its own (Temporal retries activities).
import OpenAI from 'openai';
import type { Config } from '../config.js';

export function modelClient(openai: Config['openai'], timeoutMs?: number): OpenAI {
  return new OpenAI({
    apiKey: openai.apiKey ?? 'missing-OPENAI_API_KEY',
    ...(openai.baseUrl ? { baseURL: openai.baseUrl } : {}),
    maxRetries: 0,
    ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}),
  });
}
