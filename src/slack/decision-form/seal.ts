// Seal: what a form carries from the click to its submission. Modal private_metadata round-trips through the user's
// Slack client; sealing it with an HMAC means a submission can only ever point at the approval the modal was opened
// for, bound to what the reviewer was shown (the proposal's digest and the stage).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { BATCH_MAX } from '../../approval/run.js';
import { type ApprovalRef, type ApprovalStatus, approvalRefSchema } from '../../approval/schemas.js';
import { PRIVATE_METADATA_MAX } from './build.js';
import type { EditMode } from './edit-fields.js';

export interface Sealer {
  seal(value: object): string;
  /** The value, or undefined when the text was not sealed by us or was altered. */
  unseal(text: string): unknown;
}

export function createSealer(secret: string): Sealer {
  const key = createHmac('sha256', 'countersign/private-metadata').update(secret).digest();
  const mac = (data: string) => createHmac('sha256', key).update(data).digest('base64url');
  return {
    seal(value) {
      const data = JSON.stringify(value);
      return JSON.stringify({ data, mac: mac(data) });
    },
    unseal(text) {
      try {
        const envelope = JSON.parse(text) as { data?: unknown; mac?: unknown };
        if (typeof envelope.data !== 'string' || typeof envelope.mac !== 'string') return undefined;
        const expected = Buffer.from(mac(envelope.data));
        const given = Buffer.from(envelope.mac);
        if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
        return JSON.parse(envelope.data);
      } catch {
        return undefined;
      }
    },
  };
}

/** What the decision form carries (sealed) from the click to the submission. */
export const decisionModalMetadataSchema = approvalRefSchema.extend({
  approved: z.boolean(),
  /** The digest of the proposal the modal showed: the decision is bound to it. */
  digest: z.string().min(1),
  /** The stage (1-based) the modal was opened in: a decision made in it does not count in a later one. */
  stage: z.number().int().min(1),
  /** Where the click happened, for telling the reviewer if the decision cannot be delivered. */
  channel: z.string().optional(),
  /** The form offered to change the arguments (read back with the approval as it stands at submission). */
  editable: z.boolean().optional(),
  /** The arguments the form showed, when small enough to seal: then the submission needs no look-up to compare. */
  original: z.record(z.string(), z.unknown()).optional(),
});
export type DecisionModalMetadata = z.infer<typeof decisionModalMetadataSchema>;

/** Arguments up to this size (as JSON) travel sealed in the form; larger ones are read back at submission. */
export const SEALED_ARGUMENTS_MAX = 1_500;

/** What the batch form carries, sealed, to its submission: each call's approval, digest and stage, in order. */
export const batchMetadataSchema = z.object({
  calls: z
    .array(approvalRefSchema.extend({ digest: z.string().min(1), stage: z.number().int().min(1) }))
    .min(1)
    .max(BATCH_MAX),
  channel: z.string().optional(),
});

/** The decision form's metadata: bound to the proposal's digest and stage as the form shows them. */
export function sealDecisionForm(
  sealer: Sealer,
  options: {
    ref: ApprovalRef;
    status: ApprovalStatus;
    approved: boolean;
    channel: string | undefined;
    edit: EditMode;
  },
): string {
  const { status, edit } = options;
  const metadata = {
    ...options.ref,
    approved: options.approved,
    digest: status.proposal.digest,
    stage: status.stages.length,
    ...(options.channel ? { channel: options.channel } : {}),
    ...(edit.kind !== 'none' ? { editable: true } : {}),
  };
  // The arguments travel sealed when they fit Slack's 3000 characters of metadata; otherwise they are read back.
  const withOriginal = sealer.seal({ ...metadata, original: status.proposal.arguments });
  return edit.kind !== 'none' &&
    JSON.stringify(status.proposal.arguments).length <= SEALED_ARGUMENTS_MAX &&
    withOriginal.length <= PRIVATE_METADATA_MAX
    ? withOriginal
    : sealer.seal(metadata);
}

/** The batch form's metadata: each call bound to the digest and stage its part of the form shows. */
export function sealBatchForm(
  sealer: Sealer,
  statuses: ApprovalStatus[],
  channel: string | undefined,
): string {
  return sealer.seal({
    calls: statuses.map((s) => ({
      workflowId: s.workflow_id,
      requestId: s.request_id,
      digest: s.proposal.digest,
      stage: s.stages.length,
    })),
    ...(channel ? { channel } : {}),
  });
}
