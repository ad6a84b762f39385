import type { WebClient } from '@slack/web-api';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { proposalDigest } from '../approval/digest.js';
import { defineTool } from '../tools/tool.js';
import { createToolActivities } from './tools.js';

function counterTool() {
  const effects: string[] = [];
  const tool = defineTool({
    name: 'bump',
    description: 'Bump a counter.',
    parameters: z.object({ by: z.number() }),
    risk: 'medium',
    repeat: {
      kind: 'look_up_first',
      async lookUp(_args, { callKey }) {
        return effects.includes(callKey) ? { summary: 'found the earlier bump' } : undefined;
      },
    },
    async execute(_args, { callKey }) {
      effects.push(callKey);
      return { summary: 'bumped' };
    },
  });
  return { tool, effects };
}

const call = (args: Record<string, unknown>, digestOf: Record<string, unknown> = args) => ({
  tool: 'bump',
  arguments: args,
  digest: proposalDigest({ tool: 'bump', arguments: digestOf }),
  requesterId: 'U0REQ',
  callKey: 'run-1/call_1',
});

describe('runTool', () => {
  const slack = {} as WebClient;

  it('runs nothing whose arguments differ from the approved proposal’s digest', async () => {
    const { tool, effects } = counterTool();
    const { runTool } = createToolActivities({ slack, webhookAllowlist: [], tools: [tool] });
    const outcome = await new MockActivityEnvironment().run(runTool, call({ by: 100 }, { by: 1 }));
    expect(outcome).toMatchObject({ ok: false, error: expect.stringMatching(/differs from the one/) });
    expect(effects).toEqual([]);
  });

  it('on a retry of a look-up-first tool, finds the earlier attempt’s effect instead of acting again', async () => {
    const { tool, effects } = counterTool();
    const { runTool } = createToolActivities({ slack, webhookAllowlist: [], tools: [tool] });
    const first = await new MockActivityEnvironment({ attempt: 1 }).run(runTool, call({ by: 1 }));
    const retry = await new MockActivityEnvironment({ attempt: 2 }).run(runTool, call({ by: 1 }));
    expect(first).toMatchObject({ ok: true, result: { summary: 'bumped' } });
    expect(retry).toMatchObject({ ok: true, result: { summary: 'found the earlier bump' } });
    expect(effects).toEqual(['run-1/call_1']);
  });
});
