// Slack IDs by their prefix: one definition for the configuration, the policy file and the tools' parameters.

/** A person: U… (or W… on Enterprise Grid). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;
/** A user group (a "subteam"). */
export const SLACK_USERGROUP_ID = /^S[A-Z0-9]{2,}$/;
/** A public (C…) or private (G…) channel. */
export const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
/** Where a message can go: a channel, or a direct message (D…). */
export const SLACK_CONVERSATION_ID = /^[CGD][A-Z0-9]{2,}$/;

/** What a person would want named beside it on a card: a conversation or a person. */
export const SLACK_NAMED_ID = new RegExp(`${SLACK_CONVERSATION_ID.source}|${SLACK_USER_ID.source}`);

/** Every such ID a value holds (a tool's arguments, at any depth), in order of appearance. */
export function slackIdsIn(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string' && SLACK_NAMED_ID.test(v)) found.add(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  return [...found];
}
