import { describe, expect, it } from 'vitest';
import type { StageSummary } from '../../approval/schemas.js';
import { approvalNoteText } from './approval-notes.js';

const stage = (overrides: Partial<StageSummary> = {}): StageSummary => ({
  name: 'Security',
  required: 2,
  status: 'pending',
  eligibility: { kind: 'listed', users: ['U0ANA', 'U0BOB'], userGroups: ['S0SEC'] },
  approvals: [],
  opened_at: '2024-03-04T08:00:00Z',
  expires_at: '2024-03-05T10:00:00Z',
  escalated: false,
  ...overrides,
});
const ana = { approved: true, notes: null, decidedAt: '2024-03-04T09:00:00Z', reviewer: { id: 'U0ANA' } };

describe('approval notes in the card thread', () => {
  it('announces the next stage and mentions its approvers, so they are notified', () => {
    const text = approvalNoteText({
      kind: 'stage_opened',
      passed: stage({ name: 'Team lead', required: 1, status: 'approved', approvals: [ana] }),
      stage: stage({ required: 1 }),
      stageNumber: 2,
      stageCount: 2,
    });
    expect(text).toContain('Stage *Team lead* approved by <@U0ANA>');
    expect(text).toContain('Stage 2 of 2, *Security*, is open: <!subteam^S0SEC>, <@U0ANA>, <@U0BOB>');
    expect(text).toContain('1 approval needed');
  });

  it('says where an edited call stands with the rules, the rule names escaped', () => {
    const edit = {
      by: { id: 'U0ANA' },
      at: '2024-03-04T08:30:00Z',
      before: { users: ['U0BOB'] },
      after: { users: ['U0BOB', 'U0SAM'] },
      changes: 'users: ["U0BOB"] → ["U0BOB","U0SAM"]',
    };
    const note = (more: object) =>
      approvalNoteText({ kind: 'edited', edit: { ...edit, ...more }, stage: stage(), stageCount: 2 });
    expect(note({ rule: 'default, then <!channel>' })).toContain(
      'It now needs what the rule “default, then &lt;!channel&gt;” asks.',
    );
    expect(note({ own_rule: 'default' })).toContain(
      'It stays under its rule, which asks at least what its own rule “default” does.',
    );
    expect(note({})).toContain(
      '<@U0ANA> changed the call before approving: users: ["U0BOB"] → ["U0BOB","U0SAM"].',
    );
  });

  it('reminds only the approvers who have not approved yet', () => {
    const text = approvalNoteText({
      kind: 'reminder',
      stage: stage({ approvals: [ana] }),
      quietMs: 3_600_000,
      counted: ['U0ANA'],
    });
    expect(text).toContain('waited 1h without a decision');
    expect(text).toContain('1 of 2 approvals: <@U0ANA>');
    expect(text).toContain('<!subteam^S0SEC>, <@U0BOB>, please decide');
    expect(text).not.toContain('<!subteam^S0SEC>, <@U0ANA>');
  });

  it('says who was added and where the card went on escalation', () => {
    const text = approvalNoteText({
      kind: 'escalation',
      stage: stage(),
      afterMs: 7_200_000,
      added: { kind: 'listed', users: ['U0ONCALL'], userGroups: [] },
      channel: 'C0ONCALL',
    });
    expect(text).toContain('waited 2h without passing');
    expect(text).toContain('<@U0ONCALL> may now decide too, and the card was also posted in <#C0ONCALL>');
  });

  it('escapes a hostile stage name from the policy file', () => {
    const text = approvalNoteText({
      kind: 'reminder',
      stage: stage({ name: '<!channel>' }),
      quietMs: 1000,
      counted: [],
    });
    expect(text).not.toContain('<!channel>');
  });
});
