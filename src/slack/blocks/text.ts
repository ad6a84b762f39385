// Making user and model text safe and within Block Kit's limits. Never fail on size: truncate.

/** Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks). */
export const SECTION_TEXT_MAX = 3000;
export const CONTEXT_TEXT_MAX = 2000;
export const HEADER_TEXT_MAX = 150;
export const BUTTON_VALUE_MAX = 2000;
export const MESSAGE_BLOCKS_MAX = 50;
/** chat.postMessage truncates `text` past 40,000 characters; the fallback text needs far less. */
export const FALLBACK_TEXT_MAX = 3000;

const ELLIPSIS = '…';

/**
 * Escapes text for mrkdwn so that it shows as typed: `<!channel>`, `<@U123>` and `<https://…|label>` become
 * literal text instead of a broadcast, a mention or a disguised link.
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Cuts to at most `max` characters (code points, so no emoji is split), marking the cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  if (max < ELLIPSIS.length) return '';
  return chars.slice(0, max - ELLIPSIS.length).join('') + ELLIPSIS;
}

/** Cuts already-escaped text, never leaving half an entity (`&am…`) behind. */
export function cutEscaped(escaped: string, max: number): string {
  return truncate(escaped, max).replace(/&[a-z]*…$/, ELLIPSIS);
}

/** Escaped and truncated so that the escaped form fits: what every piece of foreign text goes through. */
export function safeText(text: string, max: number): string {
  return cutEscaped(escapeMrkdwn(text), max);
}

/** Every kind of line break Slack shows as one, so that each quoted line really starts with `>`. */
const LINE_BREAK = /\r\n?|[\u2028\u2029]/g;

/** A block quote of foreign text, each line quoted; the first lines are kept when it is too long. */
export function quote(text: string, max: number): string {
  const quoted = text
    .replace(LINE_BREAK, '\n')
    .split('\n')
    .map((line) => `>${escapeMrkdwn(line)}`)
    .join('\n');
  return cutEscaped(quoted, max);
}

/** A code block of foreign text; escaped too, since Slack parses `<…>` even inside code. */
export function codeBlock(text: string, max: number): string {
  const fence = '```';
  return `${fence}${safeText(text.replaceAll(fence, "'''"), max - 2 * fence.length)}${fence}`;
}

const SLACK_ID = /^[A-Z0-9]+$/;

/** A mention of a user ID we got from Slack; anything that is not an ID shows as text. */
/** A line written for a Slack message, without its leading emoji: for places that show plain text (a form field's
 * error, an MCP client's error message). */
export function withoutLeadingEmoji(line: string): string {
  return line.replace(/^:[a-z_]+: /, '');
}

export function mention(userId: string): string {
  return SLACK_ID.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}

/** Slack's date formatting: shows in each reader's time zone, with an ISO fallback. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  if (!Number.isFinite(seconds)) return escapeMrkdwn(iso);
  return `<!date^${seconds}^{date_short_pretty} at {time}|${escapeMrkdwn(iso)}>`;
}

/**
 * Turns escaped channel references back into links. Channel links notify nobody, unlike user mentions
 * and `<!channel>`, which stay escaped.
 */
export function withChannelLinks(escaped: string): string {
  return escaped.replace(/&lt;#([CG][A-Z0-9]+)&gt;/g, '<#$1>');
}

/** A button that acts only once the person confirms (Withdraw, Revoke): Slack asks "… ?" with Keep it as the way out. */
export function confirmedButton(button: {
  actionId: string;
  text: string;
  value: string;
  question: string;
  consequence: string;
}) {
  return {
    type: 'button' as const,
    action_id: button.actionId,
    text: { type: 'plain_text' as const, text: button.text },
    value: truncate(button.value, BUTTON_VALUE_MAX),
    confirm: {
      title: { type: 'plain_text' as const, text: button.question },
      text: { type: 'plain_text' as const, text: button.consequence },
      confirm: { type: 'plain_text' as const, text: button.text.split(' ')[0] ?? button.text },
      deny: { type: 'plain_text' as const, text: 'Keep it' },
      style: 'danger' as const,
    },
  };
}
