// A conversation's earlier turns as each wire carries them to the model: the real OpenAI client against the fake service.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, message, startFakeOpenAI } from '../../test/fakes/openai.js';
import { parseConfig } from '../config.js';
import { TOOLS } from '../tools/index.js';
import { type ConversationItem, createLlmActivities } from './llm.js';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake.close());

function planner(api: 'responses' | 'chat') {
  const openai = new OpenAI({ apiKey: 'sk-unit', baseURL: fake.url, maxRetries: 0 });
  const { policy } = parseConfig({ SLACK_BOT_TOKEN: 'xoxb-unit' }).approval;
  return createLlmActivities({ openai, model: 'gpt-unit', api, tools: TOOLS, webhookAllowlist: [], policy })
    .planNextStep;
}

const conversation: ConversationItem[] = [
  { type: 'user', text: 'what is the topic of #talk?' },
  { type: 'agent', text: 'It is "weekly sync".' },
  { type: 'user', text: 'archive it' },
];

describe('earlier turns of a conversation', () => {
  it('go to the Responses API as the user’s and the assistant’s messages, in order', async () => {
    fake.reply(message('Done.'));
    await planner('responses')(conversation);
    const input = fake.requests.at(-1)?.body?.input as Array<{ role: string; content: string }>;
    expect(input).toEqual([
      { role: 'user', content: 'what is the topic of #talk?' },
      { role: 'assistant', content: 'It is "weekly sync".' },
      { role: 'user', content: 'archive it' },
    ]);
  });

  it('go to Chat Completions as user and assistant messages after the instructions', async () => {
    fake.reply(message('Done.'));
    await planner('chat')(conversation);
    const messages = fake.requests.at(-1)?.body?.messages as Array<{ role: string; content: string }>;
    expect(messages.slice(1)).toEqual([
      { role: 'user', content: 'what is the topic of #talk?' },
      { role: 'assistant', content: 'It is "weekly sync".' },
      { role: 'user', content: 'archive it' },
    ]);
    expect(messages[0]?.role).toBe('system');
  });
});
