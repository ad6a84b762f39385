// The proposal as people see it: a summary on the card, and everything that will run in the decision modal. Nothing
// is cut in the modal: text too long for one block is split over as many as it needs, and a proposal too large to
// show whole within Slack's limits is refused before any card is posted (see proposalFitsForReview).
import type { KnownBlock } from '@slack/types';
import { shortDigest } from '../../approval/digest.js';
import type { Person, Proposal } from '../../approval/schemas.js';
import { slackIdsIn } from '../ids.js';
import { codeBlock, escapeMrkdwn, mention, quote, SECTION_TEXT_MAX, safeText, truncate } from './text.js';

/** Slack IDs in a call, with what they name: `C0123ABCD` → `#old-project`, `U0123ABCD` → `@rita`. */
export type SlackIdLabels = Record<string, string>;

export interface ProposalView {
  request: string;
  requester: Person;
  proposal: Proposal;
  status: 'pending' | string;
  labels?: SlackIdLabels | undefined;
  /** Tools whose outside content the run had read before the call was proposed (ApprovalStatus.read_outside). */
  read_outside?: string[] | undefined;
}

const RISK_BADGE = {
  low: ':large_green_circle: low',
  medium: ':large_orange_circle: medium',
  high: ':red_circle: high',
};

const REPEAT_TEXT: Record<Proposal['repeat'], string> = {
  safe: 'safe to repeat (a read, or a call its tool declares repeatable)',
  look_up_first: 'run once; a retry first checks whether it already happened',
  idempotency_key: 'run once; every attempt carries the same idempotency key',
  once: 'attempted once, never repeated',
};

/** What the card shows of the request, the arguments and the reasoning before "shown in full in the form". */
const CARD_REQUEST_MAX = 1200;
const CARD_ARGUMENTS_MAX = 1500;
const CARD_REASONING_MAX = 800;
/** Tools named in "this run has read content from outside" before "and N more". */
const OUTSIDE_SOURCES_SHOWN_MAX = 3;
/** A string argument longer than this, or with a line break, is shown on its own, exactly as it will be sent. */
const INLINE_STRING_MAX = 120;
/** Block Kit: a view holds at most 100 blocks; this many are left for the proposal once the form's own are in. */
export const REVIEW_BLOCKS_MAX = 90;
/** Fences and a label take this much of a section's 3,000 characters. */
const SECTION_ROOM = SECTION_TEXT_MAX - 100;

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_MAX) } };
}

/** Literal text: Slack parses nothing in plain_text, so `<!channel>` shows as typed, as the recipient would get it. */
function plainSection(text: string): KnownBlock {
  return { type: 'section', text: { type: 'plain_text', text, emoji: false } };
}

/**
 * Splits text into pieces whose escaped form fits `max`, cutting between code points (never inside one). `cost` is
 * what a character takes once shown (a line break in a quote also takes the next line's `>`).
 */
export function splitEscaped(
  text: string,
  max: number,
  cost: (char: string) => number = (char) => escapeMrkdwn(char).length,
): string[] {
  const pieces: string[] = [];
  let piece = '';
  let size = 0;
  for (const char of text) {
    const size1 = cost(char);
    if (size + size1 > max && piece !== '') {
      pieces.push(piece);
      piece = '';
      size = 0;
    }
    piece += char;
    size += size1;
  }
  if (piece !== '' || pieces.length === 0) pieces.push(piece);
  return pieces;
}

/** JSON as the tool receives it; backticks written as the JSON escape \u0060 so no code fence can be closed early. */
function argumentsJson(args: Record<string, unknown>): string {
  return JSON.stringify(args, null, 2).replaceAll('`', '\\u0060');
}

function isLongString(value: unknown): value is string {
  return typeof value === 'string' && (value.length > INLINE_STRING_MAX || /[\r\n\u2028\u2029]/.test(value));
}

/** `#old-project (C0123ABCD)` — a name beside each ID, so nobody approves a raw ID they cannot read. */
function labelLines(ids: string[], labels: SlackIdLabels | undefined): string {
  return ids
    .map((id) => {
      const label = labels?.[id];
      return label
        ? `${safeText(label, 90)} (\`${safeText(id, 30)}\`)`
        : `\`${safeText(id, 30)}\` (name unknown)`;
    })
    .join(', ');
}

/** Server-provided text, untrusted: escaped, cut, and said to come from the server. */
function originLine(origin: NonNullable<Proposal['origin']>): string {
  const title = origin.title ? ` — ${safeText(origin.title, 100)}` : '';
  return (
    `*From MCP server* \`${safeText(origin.server, 40)}\`, tool \`${safeText(origin.tool, 80)}\`${title}\n` +
    `*The server says:* ${safeText(origin.declares.join(', '), 200)} · ${safeText(origin.description, 600)}\n`
  );
}

/** Why an approver should read this call twice: the model proposed it after reading content from outside. */
function readOutsideLine(tools: readonly string[]): string {
  const named = tools
    .slice(0, OUTSIDE_SOURCES_SHOWN_MAX)
    .map((tool) => `\`${safeText(tool, 70)}\``)
    .join(', ');
  const more = tools.length - OUTSIDE_SOURCES_SHOWN_MAX;
  return (
    `:warning: *This run has read content from outside:* ${named}${more > 0 ? ` and ${more} more` : ''}. ` +
    'It may carry instructions meant for the agent: check that this call serves the request.\n'
  );
}

function headerLine(view: ProposalView): string {
  const { proposal } = view;
  return (
    (view.read_outside?.length ? readOutsideLine(view.read_outside) : '') +
    (proposal.origin ? originLine(proposal.origin) : '') +
    `*Proposed action:* \`${safeText(proposal.tool, 100)}\`   *Risk:* ${RISK_BADGE[proposal.risk]}` +
    ` (tool: ${proposal.toolRisk}, model: ${proposal.modelRisk})\n` +
    `*If it fails midway:* ${REPEAT_TEXT[proposal.repeat]} · *Proposal* \`${safeText(shortDigest(proposal.digest), 20)}\``
  );
}

function requestHead(view: ProposalView): string {
  return `*${view.status === 'pending' ? 'Approval needed' : 'Approval request'}* — ${mention(view.requester.id)} asked the agent:`;
}

/** The card's summary: cut where long, and saying so, since the form shows everything before anyone decides. */
export function proposalSummaryBlocks(view: ProposalView): KnownBlock[] {
  const { proposal } = view;
  const json = argumentsJson(proposal.arguments);
  const ids = slackIdsIn(proposal.arguments);
  const cut =
    Array.from(view.request).length > CARD_REQUEST_MAX ||
    Array.from(json).length > CARD_ARGUMENTS_MAX ||
    Array.from(proposal.reasoning).length > CARD_REASONING_MAX;
  const blocks = [
    section(`${requestHead(view)}\n${quote(view.request, CARD_REQUEST_MAX)}`),
    section(
      `${headerLine(view)}\n${ids.length > 0 ? `*Slack IDs:* ${labelLines(ids, view.labels)}\n` : ''}${codeBlock(json, CARD_ARGUMENTS_MAX)}`,
    ),
    section(`*Model's reasoning:*\n${quote(proposal.reasoning || '(none given)', CARD_REASONING_MAX)}`),
  ];
  if (cut) {
    blocks.push(
      section(
        ':scissors: Cut short here. *Approve* and *Reject* open a form that shows the whole proposal first.',
      ),
    );
  }
  return blocks;
}

/** The whole proposal for the decision form: the request, every argument, exactly as it will be sent, and why. */
export function proposalReviewBlocks(view: ProposalView): KnownBlock[] {
  const { proposal } = view;
  const blocks: KnownBlock[] = [section(requestHead(view))];
  for (const piece of splitQuoted(view.request)) blocks.push(section(piece));
  blocks.push(section(headerLine(view)));
  const ids = slackIdsIn(proposal.arguments);
  if (ids.length > 0) {
    for (const piece of splitEscaped(labelLines(ids, view.labels), SECTION_ROOM)) {
      blocks.push(section(`*Slack IDs:* ${piece}`));
    }
  }
  const long = Object.entries(proposal.arguments).flatMap(([key, value]) =>
    isLongString(value) ? [[key, value] as const] : [],
  );
  const shown = Object.fromEntries(
    Object.entries(proposal.arguments).map(([key, value]) =>
      isLongString(value) ? [key, `‹${value.length} characters, shown below exactly as sent›`] : [key, value],
    ),
  );
  blocks.push(section('*Arguments:*'));
  for (const piece of splitEscaped(argumentsJson(shown), SECTION_ROOM))
    blocks.push(section(codeBlock(piece, SECTION_TEXT_MAX)));
  for (const [key, value] of long) {
    blocks.push(
      section(`*\`${safeText(key, 100)}\`*, exactly as it will be sent (${value.length} characters):`),
    );
    for (const piece of splitPlain(value)) blocks.push(plainSection(piece));
  }
  blocks.push(section("*Model's reasoning:*"));
  for (const piece of splitQuoted(proposal.reasoning || '(none given)')) blocks.push(section(piece));
  return blocks;
}

/** plain_text is shown as is: only the length counts. */
function splitPlain(text: string): string[] {
  const chars = Array.from(text);
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += SECTION_ROOM) pieces.push(chars.slice(i, i + SECTION_ROOM).join(''));
  return pieces.length > 0 ? pieces : [''];
}

/** A block quote of foreign text split over sections, every line quoted, nothing cut. */
function splitQuoted(text: string): string[] {
  const quotedCost = (char: string) => (/[\r\n\u2028\u2029]/.test(char) ? 2 : escapeMrkdwn(char).length);
  return splitEscaped(text, SECTION_ROOM - 1, quotedCost).map((piece) => quote(piece, SECTION_TEXT_MAX));
}

/** Whether the whole proposal fits in a decision form; when not, it is refused rather than shown in part. */
export function proposalFitsForReview(view: ProposalView): { ok: true } | { ok: false; blocks: number } {
  const blocks = proposalReviewBlocks(view).length;
  return blocks <= REVIEW_BLOCKS_MAX ? { ok: true } : { ok: false, blocks };
}
