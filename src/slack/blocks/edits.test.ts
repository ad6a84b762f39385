import { describe, expect, it } from 'vitest';
import type { ApprovalStatus, ProposalEdit } from '../../approval/schemas.js';
import { decisionModal } from '../decision-form/index.js';
import { approvalCard } from './approval-card.js';
import { editedCallBlocks, editLines } from './edits.js';
import { homeView } from './home.js';

const HOSTILE = '<!channel> <@U999> <https://evil.example|click>';

const edit = (overrides: Partial<ProposalEdit> = {}): ProposalEdit => ({
  by: { id: 'U0ANA', name: 'ana' },
  at: '2026-11-22T10:05:00Z',
  before: { channel: 'C0EDITA', users: ['U0BOB', 'U0MALLORY'] },
  after: { channel: 'C0EDITA', users: ['U0BOB', 'U0MALLORY', 'U0A', 'U0B', 'U0C', 'U0D', 'U0E'] },
  changes: 'users: ["U0BOB","U0MALLORY"] → (7 items)',
  ...overrides,
});

function edited(edits: ProposalEdit[]): ApprovalStatus {
  const last = edits.at(-1);
  return {
    workflow_id: 'run-1/approval-1',
    request_id: 'req-1',
    run_id: 'run-1',
    requested_at: '2026-11-22T10:00:00Z',
    allow_self_approval: false,
    card: null,
    cards: [],
    stage_names: ['Approval'],
    stages: [
      {
        name: 'Approval',
        required: 2,
        status: 'pending',
        eligibility: { kind: 'anyone' },
        approvals: [],
        opened_at: '2026-11-22T10:05:00Z',
        expires_at: '2026-11-22T11:05:00Z',
        escalated: false,
      },
    ],
    labels: {},
    audit: [],
    request: 'invite two people',
    requester: { id: 'U0REQUESTER', name: 'rita' },
    proposal: {
      callId: 'call_1',
      tool: 'invite_to_channel',
      arguments: last?.after ?? {},
      reasoning: 'asked for',
      modelRisk: 'medium',
      toolRisk: 'high',
      risk: 'high',
      repeat: 'look_up_first',
      digest: `sha256:${'0f'.repeat(32)}`,
    },
    eligibility: { kind: 'anyone' },
    expires_at: '2026-11-22T11:05:00Z',
    status: 'pending',
    edits,
  };
}

describe('editLines', () => {
  it('says who changed what, before → after, and where the call stands with the rules', () => {
    expect(editLines([edit({ own_rule: 'default' })], 600)).toBe(
      ':pencil2: Edited by <@U0ANA> <!date^1795341900^{date_short_pretty} at {time}|2026-11-22T10:05:00Z>: users: ["U0BOB","U0MALLORY"] → (7 items) · kept under its rule, which asks at least what the edited call’s own rule “default” does',
    );
    expect(editLines([edit({ rule: 'default, then risk high' })], 600)).toContain(
      '· now under the rule “default, then risk high”',
    );
  });

  it('escapes the changes and the rule names, and lists the latest three edits', () => {
    const text = editLines(
      [1, 2, 3, 4].map((n) => edit({ changes: `text: "${n} ${HOSTILE}"`, rule: HOSTILE })),
      600,
    );
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U999>');
    expect(text).not.toContain('<https://evil.example');
    expect(text.split('\n')).toHaveLength(3);
    expect(text).not.toContain('"1 ');
  });
});

describe('an edited call, for whoever decides after the edit', () => {
  it('is shown as edited in the decision form, with the model’s own arguments, escaped', () => {
    const status = edited([edit({ before: { text: HOSTILE }, changes: `text: ${JSON.stringify(HOSTILE)}` })]);
    const text = JSON.stringify(decisionModal({ status, approved: true, privateMetadata: 'sealed' }).blocks);
    expect(text).toContain('Edited by <@U0ANA>');
    expect(text).toContain('As the model proposed it');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U999>');
  });

  it('says when the model’s arguments are too long to show beside the call', () => {
    const [, proposed] = editedCallBlocks(edited([edit({ before: { text: 'x'.repeat(5_000) } })]));
    const text = JSON.stringify(proposed);
    expect(text).toContain('(cut short)');
    expect(text.length).toBeLessThan(3_200);
  });

  it('shows nothing of the kind for a call nobody changed', () => {
    expect(editedCallBlocks(edited([]))).toEqual([]);
    expect(JSON.stringify(approvalCard(edited([])))).not.toContain('Edited by');
  });

  it('warns on the card when only its editor could still approve it', () => {
    const status = edited([edit()]);
    const only = { kind: 'listed' as const, users: ['U0ANA'], userGroups: [] };
    status.stages = status.stages.map((stage) => ({ ...stage, required: 1, eligibility: only }));
    expect(JSON.stringify(approvalCard(status))).toContain('but only 0 more people may give one');
  });

  it('is shown as edited in App Home and on the card', () => {
    const status = edited([edit()]);
    const home = JSON.stringify(
      homeView(
        { waiting: [status], more: false, mine: [], grants: [], agents: [], unreachable: false },
        '2026-11-22T10:06:00Z',
      ),
    );
    expect(home).toContain('Edited by <@U0ANA>');
    expect(home).toContain('users: [\\"U0BOB\\",\\"U0MALLORY\\"] → (7 items)');
    expect(JSON.stringify(approvalCard(status))).toContain('Edited by <@U0ANA>');
  });
});
