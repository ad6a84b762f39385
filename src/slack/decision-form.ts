// What the decision form carries, sealed, from the click to the submission: which approval, which way, and what the
// reviewer was shown (the proposal's digest and the stage), so that the decision is bound to it.
import { z } from 'zod';
import { approvalRefSchema } from '../approval/schemas.js';

/** What the decision modal carries (sealed) from the click to the submission. */
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

/** Arguments up to this size (as JSON) travel sealed in the form; larger ones are read back at submission. */
export const SEALED_ARGUMENTS_MAX = 1_500;
export type DecisionModalMetadata = z.infer<typeof decisionModalMetadataSchema>;
