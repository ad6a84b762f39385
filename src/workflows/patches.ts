// Patch ids shared by several workflow changes deployed together. Each id costs a new run a marker and an upsert of
// TemporalChangeVersion (2 events and a visibility write) where it is first reached, so a change calls `patched()`
// only where its new path differs from the old one: a run that never meets the difference pays nothing.

/**
 * No authority stretches past the rule, the person or the server that gave it (issue 21): a rule that covers a call
 * asks whatever the risk; a run that read outside content asks before sending anything out; an edit never loosens the
 * rule, its author's approval does not count, and its restarted stage gets its full time.
 */
export const BOUNDS_PATCH = 'authority-bounds';

/**
 * Countersign as a Slack agent (issue 22): a run started from a mention or the Messages tab lives in its thread as an
 * agent session, with a status, streamed steps and Slack's own stop button.
 */
export const AGENT_SESSION_PATCH = 'slack-agent-sessions';
