import { describe, expect, it } from 'vitest';
import type { ActionRecord, RunOutcome } from '../../approval/run.js';
import { runResultText } from './run-result.js';
import { FALLBACK_TEXT_MAX } from './text.js';

const REQUESTER_ID = 'UREQUESTER1';

function outcome(overrides: Partial<RunOutcome> = {}): RunOutcome {
  return {
    status: 'completed',
    requester: { id: REQUESTER_ID },
    actions: [],
    approvals: [],
    ...overrides,
  };
}

const archived: ActionRecord = { tool: 'archive_channel', ok: true, summary: 'Archived <#C0OLDPROJ>.' };

function manyActions(count: number, summary = (i: number) => `Posted message ${i} in <#C123>.`) {
  return Array.from(
    { length: count },
    (_, i): ActionRecord => ({ tool: 'post_message', ok: true, summary: summary(i) }),
  );
}

describe('runResultText for a completed run', () => {
  it('mentions the requester and quotes the answer, escaped', () => {
    const text = runResultText(outcome({ answer: 'Done <!channel>, told <@U999>.' }));
    expect(text).toContain(`<@${REQUESTER_ID}> :white_check_mark: Done.`);
    expect(text).toContain('>Done &lt;!channel&gt;, told &lt;@U999&gt;.');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U999>');
  });

  it('lists what was done, with channel links re-enabled', () => {
    const text = runResultText(
      outcome({ actions: [archived, { tool: 'channel_info', ok: false, summary: 'channel_not_found' }] }),
    );
    expect(text).toContain('*What was done:*');
    expect(text).toContain('• :heavy_check_mark: `archive_channel` — Archived <#C0OLDPROJ>.');
    expect(text).toContain('• :x: `channel_info` — channel_not_found');
  });

  it('keeps user mentions and broadcasts in action summaries escaped', () => {
    const text = runResultText(
      outcome({
        actions: [{ tool: 'invite_to_channel', ok: true, summary: 'Invited <@U1> to <#C123> <!channel>' }],
      }),
    );
    expect(text).toContain('Invited &lt;@U1&gt; to <#C123> &lt;!channel&gt;');
    expect(text).not.toContain('<@U1>');
    expect(text).not.toContain('<!channel>');
  });

  it('says which standing approval let a call through without a card: whose, under which rule, until when', () => {
    const standing = {
      grantor: { id: 'U0ANA' },
      rule: 'tool <!channel>',
      expires_at: '2026-11-22T10:10:00Z',
    };
    const text = runResultText(outcome({ actions: [{ ...archived, standing }] }));
    expect(text).toContain(
      'no card: under the standing approval <@U0ANA> gave under the rule “tool &lt;!channel&gt;”, until',
    );
    expect(text).not.toContain('<!channel>');
    // Runs from before grants recorded their rule: no rule to name.
    const { rule: _, ...older } = standing;
    expect(runResultText(outcome({ actions: [{ ...archived, standing: older }] }))).toContain(
      'standing approval <@U0ANA> gave, until',
    );
  });

  it('says nothing about actions when the model only answered', () => {
    const text = runResultText(outcome({ answer: 'The channel has 12 members.' }));
    expect(text).not.toContain('What was done');
    expect(text).not.toContain('Nothing was run.');
  });

  it('lists ten actions and counts the rest', () => {
    const text = runResultText(outcome({ actions: manyActions(14) }));
    expect(text).toContain('Posted message 9 in <#C123>.');
    expect(text).not.toContain('Posted message 10 ');
    expect(text.endsWith('…and 4 more')).toBe(true);
  });

  it('lists exactly ten actions without "more"', () => {
    expect(runResultText(outcome({ actions: manyActions(10) }))).not.toContain('more');
  });
});

describe('runResultText for a run that did not complete', () => {
  it('mentions the requester and the escaped reason when cancelled', () => {
    const text = runResultText(outcome({ status: 'cancelled', reason: 'Stopped by <@U999> <!channel>' }));
    expect(
      text.startsWith(`<@${REQUESTER_ID}> :no_entry_sign: Stopped by &lt;@U999&gt; &lt;!channel&gt;`),
    ).toBe(true);
    expect(text).toContain('Nothing was run.');
  });

  it('mentions the requester and the escaped reason when failed', () => {
    const text = runResultText(outcome({ status: 'failed', reason: 'model said <!here>' }));
    expect(text).toContain(`<@${REQUESTER_ID}> :warning: The run failed: model said &lt;!here&gt;`);
    expect(text).not.toContain('<!here>');
    expect(text).toContain('Nothing was run.');
  });

  it('falls back to a generic reason', () => {
    expect(runResultText(outcome({ status: 'failed' }))).toContain('The run failed: unknown error');
    expect(runResultText(outcome({ status: 'cancelled' }))).toContain(':no_entry_sign: cancelled');
  });

  it('lists what was done before it stopped instead of "Nothing was run."', () => {
    const text = runResultText(outcome({ status: 'failed', reason: 'timeout', actions: [archived] }));
    expect(text).toContain('Archived <#C0OLDPROJ>.');
    expect(text).not.toContain('Nothing was run.');
  });
});

describe('runResultText approvals', () => {
  it('shows each decision with its reviewer and escaped notes', () => {
    const text = runResultText(
      outcome({
        status: 'cancelled',
        reason: 'rejected',
        approvals: [
          {
            tool: 'archive_channel',
            status: 'rejected',
            reviewer: { id: 'UREVIEWER1' },
            approvedBy: [],
            notes: 'No <!channel>',
          },
          { tool: 'post_message', status: 'approved', approvedBy: ['operator'], notes: null },
          { tool: 'call_webhook', status: 'timed_out', approvedBy: [], notes: null },
        ],
      }),
    );
    expect(text).toContain('`archive_channel` :x: rejected by <@UREVIEWER1> — “No &lt;!channel&gt;”');
    expect(text).toContain('`post_message` :white_check_mark: approved by an operator');
    expect(text).toContain('`call_webhook` :hourglass: not decided in time');
    expect(text).not.toContain('<!channel>');
  });

  it('names everyone whose approval counted, and says when a timeout counted as a rejection', () => {
    const text = runResultText(
      outcome({
        status: 'completed',
        approvals: [
          {
            tool: 'archive_channel',
            status: 'approved',
            reviewer: { id: 'U0SAM' },
            approvedBy: [{ id: 'U0ANA' }, { id: 'U0SAM' }],
            notes: null,
          },
          { tool: 'call_webhook', status: 'timed_out', approvedBy: [], notes: null, timeoutMeant: 'reject' },
        ],
      }),
    );
    expect(text).toContain('`archive_channel` :white_check_mark: approved by <@U0ANA>, <@U0SAM>');
    expect(text).toContain('`call_webhook` :hourglass: not approved in time, so treated as rejected');
  });
});

describe('runResultText for huge input', () => {
  const huge = `${'<!channel> & '.repeat(20_000)}`;
  const hugeOutcome = outcome({
    answer: huge,
    actions: manyActions(50, () => huge),
    approvals: Array.from({ length: 30 }, () => ({
      tool: huge,
      status: 'rejected' as const,
      reviewer: { id: 'UREVIEWER1' },
      approvedBy: [],
      notes: huge,
    })),
  });

  it.each(['completed', 'cancelled', 'failed'] as const)(
    'stays within the limit and escaped when %s',
    (status) => {
      const text = runResultText({ ...hugeOutcome, status, reason: huge });
      expect(Array.from(text).length).toBeLessThanOrEqual(FALLBACK_TEXT_MAX);
      expect(text).not.toContain('<!channel>');
      expect(text.startsWith(`<@${REQUESTER_ID}>`)).toBe(true);
    },
  );

  it('never ends in a cut-off entity, wherever the cut falls', () => {
    const summaries = manyActions(10, () => '&<>'.repeat(200));
    for (let padding = 0; padding < 12; padding++) {
      const text = runResultText(outcome({ answer: 'a'.repeat(padding + 1), actions: summaries }));
      expect(Array.from(text).length).toBeLessThanOrEqual(FALLBACK_TEXT_MAX);
      expect(text, `padding ${padding}`).not.toMatch(/&[a-z]*…$/);
    }
  });

  it('still says how many more actions there were when the summaries are long', () => {
    const text = runResultText(
      outcome({ actions: manyActions(25, (i) => `${i}: ${'long summary '.repeat(30)}`) }),
    );
    expect(Array.from(text).length).toBeLessThanOrEqual(FALLBACK_TEXT_MAX);
    expect(text).toContain('…and 15 more');
  });
});
