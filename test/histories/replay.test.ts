// Approvals wait for days, across deploys: every recorded history (test/histories/*.json, from `npm run
// record-histories`) must replay on the current workflow code. A change that is not replay-safe fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../../src/temporal/worker.js';

interface Recording {
  scenario: string;
  histories: Array<{ workflowId: string; history: string }>;
}

const recordings: Recording[] = readdirSync(import.meta.dirname)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => JSON.parse(readFileSync(join(import.meta.dirname, file), 'utf8')) as Recording);

describe('recorded histories', () => {
  it('cover every way an approval can go', () => {
    expect(recordings.map((r) => r.scenario).sort()).toEqual(
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

  it('replay on the current workflow code, every one of them', async () => {
    const histories = recordings.flatMap((r) =>
      r.histories.map((h) => ({
        workflowId: h.workflowId,
        history: proto.temporal.api.history.v1.History.decode(Buffer.from(h.history, 'base64')),
      })),
    );
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowsPath: workflowsPath() }, histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  });
});
