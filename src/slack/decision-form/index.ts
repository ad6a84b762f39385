// The decision form, single and batch, in its four steps: build (Block Kit, pure), seal (what the form carries from
// the click to its submission), read (the submitted values back), answer (submit the Update, words for the person).
// The listeners stay thin files by kind (listeners/actions, listeners/views) that call these.
export {
  ALTERED_FORM_TEXT,
  answerText,
  notesError,
  REASON_REQUIRED_TEXT,
  refusalText,
  type Submission,
  submissionId,
  submitDecision,
  tellLater,
} from './answer.js';
export {
  BATCH_CHOICE_ACTION_ID,
  BATCH_MODAL_CALLBACK_ID,
  type BatchChoice,
  batchModal,
  choiceBlockId,
  DECISION_MODAL_CALLBACK_ID,
  decisionModal,
  formEditMode,
  NOTES_ACTION_ID,
  NOTES_BLOCK_ID,
  PRIVATE_METADATA_MAX,
  STANDING_ACTION_ID,
  STANDING_BLOCK_ID,
  STANDING_VARY_ACTION_ID,
  STANDING_VARY_BLOCK_ID,
} from './build.js';
export {
  ARGUMENT_ACTION_ID,
  ARGUMENTS_JSON_BLOCK_ID,
  type EditMode,
  editableArgumentBlocks,
  editModeFor,
  readEditedArguments,
} from './edit-fields.js';
export { readBatchChoices, readEdits, readNotes, readStanding } from './read.js';
export {
  batchMetadataSchema,
  createSealer,
  type DecisionModalMetadata,
  decisionModalMetadataSchema,
  SEALED_ARGUMENTS_MAX,
  type Sealer,
  sealBatchForm,
  sealDecisionForm,
} from './seal.js';
