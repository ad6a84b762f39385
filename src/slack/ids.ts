// Slack IDs by their prefix: one definition for the configuration, the policy file and the tools' parameters.

/** A person: U… (or W… on Enterprise Grid). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;
/** A user group (a "subteam"). */
export const SLACK_USERGROUP_ID = /^S[A-Z0-9]{2,}$/;
/** A public (C…) or private (G…) channel. */
export const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
/** Where a message can go: a channel, or a direct message (D…). */
export const SLACK_CONVERSATION_ID = /^[CGD][A-Z0-9]{2,}$/;
