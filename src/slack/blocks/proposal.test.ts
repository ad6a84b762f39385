import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { proposalDigest } from '../../approval/digest.js';
import type { Proposal } from '../../approval/schemas.js';
import {
  type ProposalView,
  proposalFitsForReview,
  proposalReviewBlocks,
  proposalSummaryBlocks,
  REVIEW_BLOCKS_MAX,
  splitEscaped,
} from './proposal.js';
import { escapeMrkdwn, SECTION_TEXT_MAX } from './text.js';

function proposalOf(tool: string, args: Record<string, unknown>): Proposal {
  return {
    callId: 'call_1',
    tool,
    arguments: args,
    reasoning: 'Because.',
    modelRisk: 'medium',
    toolRisk: 'medium',
    risk: 'medium',
    repeat: 'look_up_first',
    digest: proposalDigest({ tool, arguments: args }),
  };
}

function view(args: Record<string, unknown>, overrides: Partial<ProposalView> = {}): ProposalView {
  return {
    request: 'post the release notes',
    requester: { id: 'U0RITA' },
    proposal: proposalOf('post_message', args),
    status: 'pending',
    ...overrides,
  };
}

/** What a person reads, with Slack's entities turned back into the characters they show. */
function shown(blocks: KnownBlock[]): string {
  return blocks
    .flatMap((b) => (b.type === 'section' && b.text ? [b.text] : []))
    .map((t) =>
      t.type === 'plain_text'
        ? t.text
        : t.text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&'),
    )
    .join('\n');
}

function expectWithinSectionLimit(blocks: KnownBlock[]) {
  for (const block of blocks) {
    if (block.type === 'section' && block.text)
      expect(block.text.text.length).toBeLessThanOrEqual(SECTION_TEXT_MAX);
  }
}

describe('the decision form shows the whole proposal', () => {
  const text = Array.from(
    { length: 80 },
    (_, i) => `Line ${i}: <!channel> ship it & \`\`\`code\`\`\` — ${'x'.repeat(30)}`,
  ).join('\n');

  it('shows a 4,000-character message exactly as it will be posted, over as many blocks as it needs', () => {
    expect(text.length).toBeGreaterThan(4000);
    const blocks = proposalReviewBlocks(view({ channel: 'C0RELEASE', text }));
    expectWithinSectionLimit(blocks);
    // Literal text: plain_text sections, which Slack never parses, holding every character in order.
    const plain = blocks.flatMap((b) =>
      b.type === 'section' && b.text?.type === 'plain_text' ? [b.text.text] : [],
    );
    expect(plain.join('')).toBe(text);
    expect(plain.length).toBeGreaterThan(1);
  });

  it('shows the whole request, every line quoted, whatever its length', () => {
    const request = Array.from({ length: 400 }, (_, i) => `request line ${i} <@U0BOB>`).join('\n');
    const blocks = proposalReviewBlocks(view({ channel: 'C0RELEASE', text: 'hi' }, { request }));
    expectWithinSectionLimit(blocks);
    const quoted = shown(blocks);
    for (const i of [0, 199, 399]) expect(quoted).toContain(`>request line ${i} <@U0BOB>`);
    expect(JSON.stringify(blocks)).not.toContain('<@U0BOB>');
  });

  it('shows every argument of a large structured call as JSON, nothing cut', () => {
    const args = { channel: 'C0RELEASE', items: Array.from({ length: 300 }, (_, i) => `item-${i}`) };
    const blocks = proposalReviewBlocks({ ...view({}), proposal: proposalOf('some_tool', args) });
    expectWithinSectionLimit(blocks);
    const json = shown(blocks);
    expect(json).toContain('"item-0"');
    expect(json).toContain('"item-299"');
    expect(json).not.toContain('…');
  });

  it('names each Slack ID beside it, and says when it could not', () => {
    const blocks = proposalReviewBlocks(
      view({ channel: 'C0123ABCD', text: 'hi <@U0ANA>' }, { labels: { C0123ABCD: '#old-project' } }),
    );
    expect(shown(blocks)).toContain('#old-project (`C0123ABCD`)');
    const unnamed = proposalReviewBlocks(view({ channel: 'C0123ABCD', text: 'hi' }));
    expect(shown(unnamed)).toContain('`C0123ABCD` (name unknown)');
  });

  it('escapes a label Slack returned, so a channel name cannot ping anyone', () => {
    const blocks = proposalReviewBlocks(
      view({ channel: 'C0123ABCD', text: 'hi' }, { labels: { C0123ABCD: '#<!channel>' } }),
    );
    expect(JSON.stringify(blocks)).not.toContain('<!channel>');
  });

  it('shows the proposal digest on the card and in the form', () => {
    const v = view({ channel: 'C0123ABCD', text: 'hi' });
    const short = v.proposal.digest.slice('sha256:'.length, 'sha256:'.length + 12);
    expect(shown(proposalSummaryBlocks(v))).toContain(short);
    expect(shown(proposalReviewBlocks(v))).toContain(short);
  });
});

describe('the card’s summary', () => {
  it('says it was cut and that the form shows everything', () => {
    const text = 'y'.repeat(4000);
    const blocks = proposalSummaryBlocks(view({ channel: 'C0RELEASE', text }));
    expectWithinSectionLimit(blocks);
    expect(shown(blocks)).toMatch(/Cut short here.*whole proposal/);
  });

  it('says nothing of cutting when everything fits', () => {
    expect(shown(proposalSummaryBlocks(view({ channel: 'C0RELEASE', text: 'hi' })))).not.toMatch(/Cut short/);
  });
});

describe('a call proposed after the run read content from outside', () => {
  const read = view(
    { channel: 'C0RELEASE', text: 'hi' },
    { read_outside: ['web__fetch', 'call_webhook', 'docs__<!channel>', 'news__get'] },
  );

  it('says so on the card and in the form, naming the tools, escaped', () => {
    for (const blocks of [proposalSummaryBlocks(read), proposalReviewBlocks(read)]) {
      expect(shown(blocks)).toContain(
        'This run has read content from outside:* `web__fetch`, `call_webhook`, `docs__<!channel>` and 1 more.',
      );
      expect(JSON.stringify(blocks)).not.toContain('<!channel>');
    }
  });

  it('says nothing of it otherwise', () => {
    expect(shown(proposalSummaryBlocks(view({ channel: 'C0RELEASE', text: 'hi' })))).not.toMatch(/outside/);
  });
});

describe('proposalFitsForReview', () => {
  it('accepts what a form can show whole and refuses what it cannot', () => {
    expect(proposalFitsForReview(view({ channel: 'C0RELEASE', text: 'x'.repeat(4000) }))).toEqual({
      ok: true,
    });
    const huge = { blob: 'z'.repeat(REVIEW_BLOCKS_MAX * SECTION_TEXT_MAX) };
    const verdict = proposalFitsForReview({ ...view({}), proposal: proposalOf('some_tool', huge) });
    expect(verdict.ok).toBe(false);
  });
});

describe('splitEscaped', () => {
  it('keeps every escaped piece within the bound and loses nothing', () => {
    const text = '<&>'.repeat(1000);
    const pieces = splitEscaped(text, 100);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) expect(escapeMrkdwn(piece).length).toBeLessThanOrEqual(100);
  });
});
