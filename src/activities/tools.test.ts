import type { WebClient } from '@slack/web-api';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { proposalDigest } from '../approval/digest.js';
import { registry } from '../metrics.js';
import { defineTool, OutcomeUnknownError, ToolError } from '../tools/tool.js';
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

describe('tool runs metric', () => {
  /** A tool whose argument says how its run ends. */
  const moody = defineTool({
    name: 'moody',
    description: 'Ends as told.',
    parameters: z.object({ end: z.enum(['ok', 'error', 'unknown', 'failed']) }),
    risk: 'low',
    repeat: { kind: 'safe' },
    async execute({ end }) {
      if (end === 'error') throw new ToolError('no such channel');
      if (end === 'unknown') throw new OutcomeUnknownError('timed out after sending');
      if (end === 'failed') throw new Error('socket hang up');
      return { summary: 'done' };
    },
  });
  const runs = async (outcome: string) =>
    (await registry.getSingleMetric('countersign_tool_runs_total')?.get())?.values.find(
      (v) => v.labels.tool === 'moody' && v.labels.outcome === outcome,
    )?.value ?? 0;

  it('counts each run by tool and how it ended: ok, error, unknown (may have run), failed (an outage)', async () => {
    const { runTool } = createToolActivities({
      slack: {} as WebClient,
      webhookAllowlist: [],
      tools: [moody],
    });
    const run = (end: string) =>
      // Quiet: the failed run is meant to fail, and the SDK would print its stack.
      new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR', () => {}) }).run(runTool, {
        tool: 'moody',
        arguments: { end },
        digest: proposalDigest({ tool: 'moody', arguments: { end } }),
        requesterId: 'U0REQ',
        callKey: `run-1/${end}`,
      });
    const before = Object.fromEntries(
      await Promise.all(['ok', 'error', 'unknown', 'failed'].map(async (o) => [o, await runs(o)])),
    );
    await expect(run('ok')).resolves.toMatchObject({ ok: true });
    await expect(run('error')).resolves.toMatchObject({ ok: false, error: 'no such channel' });
    await expect(run('unknown')).resolves.toMatchObject({ ok: false, unknown: true });
    await expect(run('failed')).rejects.toThrow('socket hang up');
    for (const outcome of ['ok', 'error', 'unknown', 'failed'])
      expect(await runs(outcome)).toBe(before[outcome] + 1);
  });
});

describe('runTool, going on to the model’s next step (`then`)', () => {
  const slack = {} as WebClient;
  const reply = {
    runId: 'run-1',
    channel: 'C0REQ',
    threadTs: undefined,
    startedAt: '2026-12-06T00:00:00.000Z',
    outcome: { status: 'completed' as const, requester: { id: 'U0REQ' }, actions: [], approvals: [] },
  };
  const then = {
    callId: 'call_1',
    conversation: [{ type: 'user' as const, text: 'bump it' }],
    context: { requesterId: 'U0REQ', readOutside: [], reply },
    edits: [],
  };
  const withThen = { ...call({ by: 1 }), then };
  const timeout = (ms: number) => new MockActivityEnvironment({ startToCloseTimeoutMs: ms });

  it('asks the model with the call’s output added, and a result that has the call’s line', async () => {
    const { tool } = counterTool();
    const asked: unknown[][] = [];
    const { runTool } = createToolActivities({
      slack,
      webhookAllowlist: [],
      tools: [tool],
      nextStep: async (...args) => {
        asked.push(args);
        return { kind: 'final', text: 'Bumped.' };
      },
    });
    const outcome = await timeout(180_000).run(runTool, withThen);
    expect(outcome).toMatchObject({ ok: true, result: { summary: 'bumped' }, next: { kind: 'final' } });
    const [conversation, context] = asked[0] as [unknown[], { reply: typeof reply }];
    expect(conversation).toEqual([
      { type: 'user', text: 'bump it' },
      { type: 'output', callId: 'call_1', output: JSON.stringify({ status: 'done', summary: 'bumped' }) },
    ]);
    expect(context.reply.outcome.actions).toEqual([{ tool: 'bump', ok: true, summary: 'bumped' }]);
  });

  it('returns the call’s outcome alone when the model fails: the run asks it again, the call is not repeated', async () => {
    const { tool, effects } = counterTool();
    const { runTool } = createToolActivities({
      slack,
      webhookAllowlist: [],
      tools: [tool],
      nextStep: async () => {
        throw new Error('the model service answered without any output');
      },
    });
    const outcome = await timeout(180_000).run(runTool, withThen);
    expect(outcome).toEqual({ ok: true, result: { summary: 'bumped' } });
    expect(effects).toEqual(['run-1/call_1']);
  });

  it('stops waiting for a slow model before the activity’s time is up, and returns the call’s outcome', async () => {
    const { tool } = counterTool();
    let aborted = false;
    const { runTool } = createToolActivities({
      slack,
      webhookAllowlist: [],
      tools: [tool],
      nextStep: (_conversation, _context, signal) =>
        new Promise((_resolve, reject) =>
          signal?.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason);
          }),
        ),
    });
    // 10 s kept back past the answer, so the model gets about 11 s of these 21.
    const started = Date.now();
    const outcome = await timeout(21_000).run(runTool, withThen);
    expect(outcome).toEqual({ ok: true, result: { summary: 'bumped' } });
    expect(aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(21_000 - 5_000);
  }, 30_000);

  it('leaves the model to the run when too little of the activity’s time is left', async () => {
    const { tool } = counterTool();
    let asked = false;
    const { runTool } = createToolActivities({
      slack,
      webhookAllowlist: [],
      tools: [tool],
      nextStep: async () => {
        asked = true;
        return { kind: 'final', text: 'Bumped.' };
      },
    });
    const outcome = await timeout(19_000).run(runTool, withThen);
    expect(outcome).toEqual({ ok: true, result: { summary: 'bumped' } });
    expect(asked).toBe(false);
  });
});
