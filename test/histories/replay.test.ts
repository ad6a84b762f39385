// Approvals wait for days, across deploys: every recorded history (test/histories/<set>/*.json, from `npm run
// record-histories`) must replay on the current workflow code. A change that is not replay-safe fails here. Each set
// was recorded by the code of its time: the older sets hold the paths that patched() keeps for runs started before.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowSinks, workflowsPath } from '../../src/temporal/worker.js';

interface Recording {
  set: string;
  scenario: string;
  histories: Array<{ workflowId: string; history: string }>;
}

/**
 * Scenarios of what was built after the first set: an edit before approve (set 4), a standing approval (set 6),
 * calls asked together (set 7), a call through the MCP gateway (sets 12 and 13: its approval a child workflow, then in
 * the call's own workflow).
 */
const LATER_SCENARIOS = ['edit', 'standing', 'batch', 'gateway'];

const sets = readdirSync(import.meta.dirname, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  // By number: set 10 is newer than set 9.
  .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));

const recordings: Recording[] = sets.flatMap((set) =>
  readdirSync(join(import.meta.dirname, set))
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      set,
      ...(JSON.parse(readFileSync(join(import.meta.dirname, set, file), 'utf8')) as Omit<Recording, 'set'>),
    })),
);

describe('recorded histories', () => {
  it('are there to replay, the newest with every later scenario', () => {
    expect(sets.length).toBeGreaterThan(0);
    const newest = recordings.filter((r) => r.set === sets.at(-1)).map((r) => r.scenario);
    for (const scenario of LATER_SCENARIOS) expect(newest).toContain(scenario);
  });

  // Later sets add scenarios for what was built since (see LATER_SCENARIOS).
  it.each(sets)('%s covers every way an approval can go', (set) => {
    expect(
      recordings
        .filter((r) => r.set === set)
        .map((r) => r.scenario)
        .filter((scenario) => !LATER_SCENARIOS.includes(scenario))
        .sort(),
    ).toEqual(
      [
        'approve',
        'low-risk',
        'quorum-veto',
        'reject',
        'reminder-escalation',
        'timeout',
        'two-stage-chain',
        'withdraw',
      ].sort(),
    );
  });

  it.each(sets)('%s replays on the current workflow code, every history of it', async (set) => {
    const histories = recordings
      .filter((r) => r.set === set)
      .flatMap((r) =>
        r.histories.map((h) => ({
          workflowId: h.workflowId,
          history: proto.temporal.api.history.v1.History.decode(Buffer.from(h.history, 'base64')),
        })),
      );
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowsPath: workflowsPath(), sinks: workflowSinks },
      histories,
    )) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  });
});
