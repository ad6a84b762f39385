import { describe, expect, it } from 'vitest';
import {
  codeBlock,
  escapeMrkdwn,
  mention,
  quote,
  safeText,
  slackDate,
  truncate,
  withChannelLinks,
} from './text.js';

/** Slack's special syntax: a broadcast, a mention, a disguised link. */
const HOSTILE = ['<!channel>', '<!here>', '<@U123>', '<https://evil|click>'];

const codePoints = (text: string) => Array.from(text).length;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every `&` starts a whole entity and no raw angle bracket is left. */
function expectOnlyWholeEntities(text: string) {
  const withoutEntities = text.replace(/&(?:amp|lt|gt);/g, '');
  expect(withoutEntities).not.toMatch(/[&<>]/);
}

describe('escapeMrkdwn', () => {
  it.each(HOSTILE)('neutralises %s', (hostile) => {
    const escaped = escapeMrkdwn(`hi ${hostile} there`);
    expect(escaped).not.toContain('<');
    expect(escaped).not.toContain('>');
    expect(escaped).toContain(hostile.replace('<', '&lt;').replace('>', '&gt;'));
  });

  it('escapes & first, so an already escaped-looking text shows as typed', () => {
    expect(escapeMrkdwn('Tom & Jerry &lt;3')).toBe('Tom &amp; Jerry &amp;lt;3');
  });

  it('leaves plain text alone', () => {
    expect(escapeMrkdwn('Archive #old-projects, please.')).toBe('Archive #old-projects, please.');
  });
});

describe('truncate', () => {
  it('leaves text at or under the limit unchanged', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hi', 100)).toBe('hi');
    expect(truncate('', 10)).toBe('');
  });

  it('cuts longer text to exactly the limit, ending in an ellipsis', () => {
    const cut = truncate('abcdefghij', 5);
    expect(cut).toBe('abcd…');
    expect(codePoints(cut)).toBe(5);
  });

  it('counts emoji as one character each and never splits one', () => {
    const emoji = '😀🚀🎉👍🔥'.repeat(4);
    expect(truncate('😀🚀🎉', 3)).toBe('😀🚀🎉');
    for (let max = 1; max <= 25; max++) {
      const cut = truncate(emoji, max);
      expect(codePoints(cut)).toBeLessThanOrEqual(max);
      expect(cut).not.toMatch(LONE_SURROGATE);
    }
    expect(truncate(emoji, 4)).toBe('😀🚀🎉…');
  });
});

describe('safeText', () => {
  it('escapes and keeps short text whole', () => {
    expect(safeText('ping <!channel> & <@U1>', 100)).toBe('ping &lt;!channel&gt; &amp; &lt;@U1&gt;');
  });

  it('never exceeds the limit and never leaves a partial entity at the cut', () => {
    const text = 'ab&cd<ef>g&&<<>>h <!channel> i';
    for (let max = 1; max <= escapeMrkdwn(text).length + 2; max++) {
      const safe = safeText(text, max);
      expect(codePoints(safe), `max ${max}: ${safe}`).toBeLessThanOrEqual(max);
      expect(safe, `max ${max}`).not.toMatch(/&[a-z]*…$/);
      expectOnlyWholeEntities(safe);
    }
  });

  it('marks a cut with an ellipsis even when it dropped a partial entity', () => {
    // '&' escapes to '&amp;'; a cut inside it must drop the whole entity.
    const safe = safeText('abc&def', 6);
    expect(safe).toBe('abc…');
  });
});

describe('quote', () => {
  it('prefixes every line with >', () => {
    expect(quote('first\nsecond\nthird', 100)).toBe('>first\n>second\n>third');
  });

  it('escapes what it quotes', () => {
    const quoted = quote('hey <!here>\n<@U123> look', 100);
    expect(quoted).toBe('>hey &lt;!here&gt;\n>&lt;@U123&gt; look');
  });

  it('stays within the limit for long multi-line text', () => {
    const text = Array.from({ length: 200 }, (_, i) => `line ${i} <!channel> & more`).join('\n');
    for (const max of [20, 50, 100, 500, 1200, 3000]) {
      const quoted = quote(text, max);
      expect(codePoints(quoted), `max ${max}`).toBeLessThanOrEqual(max);
      expectOnlyWholeEntities(quoted.replace(/^>/gm, ''));
    }
  });

  it('keeps the first lines of a text with many short lines', () => {
    const text = 'ok\n'.repeat(700);
    const quoted = quote(text, 1200);
    expect(codePoints(quoted)).toBeLessThanOrEqual(1200);
    expect(quoted.startsWith('>ok\n>ok\n>ok')).toBe(true);
  });

  it.each([
    ['carriage returns', '\r'],
    ['line separators', '\u2028'],
  ])('stays within the limit for text broken by %s', (_, lineBreak) => {
    const text = `x${lineBreak}`.repeat(1000);
    expect(codePoints(quote(text, 1200))).toBeLessThanOrEqual(1200);
  });
});

describe('codeBlock', () => {
  it('fences and escapes the text', () => {
    expect(codeBlock('<!channel> & <@U1>', 100)).toBe('```&lt;!channel&gt; &amp; &lt;@U1&gt;```');
  });

  it('neutralises a fence inside the text so it cannot close the block early', () => {
    const block = codeBlock('before ``` <!here> after ``` end', 100);
    expect(block.startsWith('```')).toBe(true);
    expect(block.endsWith('```')).toBe(true);
    expect(block.slice(3, -3)).not.toContain('```');
    expect(block).not.toContain('<!here>');
  });

  it('stays within the limit with fences included', () => {
    const text = '{"text": "<!channel>"}\n'.repeat(500);
    for (const max of [10, 100, 1500]) {
      const block = codeBlock(text, max);
      expect(codePoints(block)).toBeLessThanOrEqual(max);
      expect(block.endsWith('```')).toBe(true);
      expectOnlyWholeEntities(block.slice(3, -3));
    }
  });
});

describe('mention', () => {
  it('mentions a Slack user ID', () => {
    expect(mention('U123')).toBe('<@U123>');
    expect(mention('W0ABC12')).toBe('<@W0ABC12>');
  });

  it('shows anything that is not an ID as escaped text', () => {
    expect(mention('U1> <!channel')).toBe('U1&gt; &lt;!channel');
    expect(mention('u123')).toBe('u123');
    expect(mention('')).toBe('');
  });
});

describe('withChannelLinks', () => {
  it('re-enables channel links in escaped text', () => {
    expect(withChannelLinks(escapeMrkdwn('Archived <#C123> and <#G0PRIV>.'))).toBe(
      'Archived <#C123> and <#G0PRIV>.',
    );
  });

  it('keeps user mentions, broadcasts and labelled links escaped', () => {
    const escaped = escapeMrkdwn('<@U1> <!channel> <#C123|fake-label> <https://evil|click>');
    expect(withChannelLinks(escaped)).toBe(escaped);
    expect(withChannelLinks('&lt;@U1&gt;')).toBe('&lt;@U1&gt;');
    expect(withChannelLinks('&lt;!channel&gt;')).toBe('&lt;!channel&gt;');
  });

  it('does not turn text the user typed as an entity into a link', () => {
    const escaped = escapeMrkdwn('&lt;#C123&gt;');
    expect(withChannelLinks(escaped)).toBe(escaped);
  });
});

describe('slackDate', () => {
  it('formats a date for each reader, with the ISO text as fallback', () => {
    expect(slackDate('2024-03-05T10:00:00Z')).toBe(
      '<!date^1709632800^{date_short_pretty} at {time}|2024-03-05T10:00:00Z>',
    );
  });

  it('shows an unparseable date as escaped text', () => {
    expect(slackDate('soon <!channel>')).toBe('soon &lt;!channel&gt;');
    expect(slackDate('')).toBe('');
  });
});
