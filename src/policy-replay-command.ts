// `npm run check-policy -- --replay <since> draft.jsonc [--fail-on looser|stricter|any]`: the draft policy tried on the
// calls Countersign has seen since then, against the policy in force; what would change, and an exit status for CI.
import type { Client } from '@temporalio/client';
import { describeReplay, replayPolicy } from './approval/policy-replay.js';
import type { ApprovalPolicy } from './approval/schemas.js';
import { type RecordRange, readPastCalls } from './temporal/recorded.js';

export const FAIL_ON = ['looser', 'stricter', 'any'] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** The exit status when the draft changes past outcomes the way `--fail-on` names: apart from 1, a problem running. */
export const EXIT_DRAFT_FAILS = 2;

export async function replayDraft(
  client: Client,
  options: RecordRange & { inForce: ApprovalPolicy; draft: ApprovalPolicy; failOn?: FailOn },
): Promise<{ lines: string[]; exitCode: number }> {
  const calls = await readPastCalls(client, options);
  const replay = replayPolicy(calls, options.inForce, options.draft);
  const lines = [
    `Replaying calls since ${new Date(options.sinceMs).toISOString()} under the draft, against the policy in force:`,
    ...describeReplay(replay),
  ];
  const fails =
    options.failOn === 'looser'
      ? replay.looser
      : options.failOn === 'stricter'
        ? replay.stricter
        : options.failOn === 'any' && (replay.looser || replay.stricter);
  if (fails) lines.push(`--fail-on ${options.failOn}: failing.`);
  return { lines, exitCode: fails ? EXIT_DRAFT_FAILS : 0 };
}
