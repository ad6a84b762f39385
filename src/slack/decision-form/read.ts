// Read: the values a submitted form holds, back as the parts of a decision. Changed arguments are read against the
// call as it stands at submission (the form was bound to its digest), so that is the one step that may ask Temporal.
import type { ViewOutput } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import { REFUSALS } from '../../approval/policy.js';
import { readApproval } from '../approvals.js';
import {
  BATCH_CHOICE_ACTION_ID,
  type BatchChoice,
  choiceBlockId,
  NOTES_ACTION_ID,
  NOTES_BLOCK_ID,
  STANDING_ACTION_ID,
  STANDING_BLOCK_ID,
  STANDING_VARY_ACTION_ID,
  STANDING_VARY_BLOCK_ID,
} from './build.js';
import { editModeFor, readEditedArguments } from './edit-fields.js';
import type { DecisionModalMetadata } from './seal.js';

type Values = ViewOutput['state']['values'];

/** The notes, trimmed; empty when none were written. */
export function readNotes(values: Values): string {
  return values[NOTES_BLOCK_ID]?.[NOTES_ACTION_ID]?.value?.trim() ?? '';
}

/** A standing approval asked for with this approval: how long, and which arguments may differ. */
export function readStanding(
  values: Values,
  approved: boolean,
): { for_ms: number; vary: string[] } | undefined {
  const standingFor = Number(
    (values[STANDING_BLOCK_ID]?.[STANDING_ACTION_ID] as { selected_option?: { value?: string } })
      ?.selected_option?.value ?? 0,
  );
  const vary = (
    (
      values[STANDING_VARY_BLOCK_ID]?.[STANDING_VARY_ACTION_ID] as {
        selected_options?: Array<{ value?: string }>;
      }
    )?.selected_options ?? []
  ).flatMap((o) => (o.value ? [o.value] : []));
  return approved && Number.isInteger(standingFor) && standingFor > 0
    ? { for_ms: standingFor, vary }
    : undefined;
}

/** The batch form's choice per call, in the order of its sealed calls; undefined where none was made. */
export function readBatchChoices(values: Values, count: number): Array<BatchChoice | undefined> {
  return Array.from(
    { length: count },
    (_, i) =>
      (values[choiceBlockId(i)]?.[BATCH_CHOICE_ACTION_ID] as { selected_option?: { value?: string } })
        ?.selected_option?.value as BatchChoice | undefined,
  );
}

/**
 * The changed arguments (undefined when unchanged or not offered), or what is wrong: errors by block id, or a
 * sentence for the notes field (the approval could not be read, or changed since the form opened).
 */
export async function readEdits(
  temporal: Client,
  values: Values,
  metadata: DecisionModalMetadata,
  lookupBudgetMs: number,
): Promise<
  { ok: true; edited: Record<string, unknown> | undefined } | { ok: false; errors: Record<string, string> }
> {
  if (!metadata.editable || !metadata.approved) return { ok: true, edited: undefined };
  let original = metadata.original;
  if (!original) {
    const { workflowId, requestId } = metadata;
    const read = await readApproval(temporal, { workflowId, requestId }, lookupBudgetMs);
    if (!read.ok) return { ok: false, errors: { [NOTES_BLOCK_ID]: read.message } };
    // Changed since the form opened: the workflow would refuse the decision as not what was shown.
    if (read.status.proposal.digest !== metadata.digest) {
      return { ok: false, errors: { [NOTES_BLOCK_ID]: REFUSALS.digest_mismatch.person } };
    }
    original = read.status.proposal.arguments;
  }
  const changes = readEditedArguments(values, editModeFor(original), original);
  if (!changes.ok) return { ok: false, errors: changes.errors };
  return { ok: true, edited: changes.changed ? changes.arguments : undefined };
}
