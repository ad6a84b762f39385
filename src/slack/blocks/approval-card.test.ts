import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type {
  ApprovalDecisionRecord,
  ApprovalStatus,
  Eligibility,
  Proposal,
  StageSummary,
} from '../../approval/schemas.js';
import { APPROVE_ACTION_ID, approvalCard, approvalCardText, REJECT_ACTION_ID } from './approval-card.js';
import {
  BUTTON_VALUE_MAX,
  CONTEXT_TEXT_MAX,
  FALLBACK_TEXT_MAX,
  MESSAGE_BLOCKS_MAX,
  SECTION_TEXT_MAX,
} from './text.js';

const REQUESTER_ID = 'UREQUESTER1';
const HOSTILE = ['<!channel>', '<@U999>', '<https://x|y>'];
const hostileText = (label: string) => `${label}: ping ${HOSTILE.join(' ')} & done`;

const proposal: Proposal = {
  callId: 'call_1',
  tool: 'archive_channel',
  arguments: { channel: 'C0OLDPROJ' },
  reasoning: 'The channel has been quiet for a year.',
  modelRisk: 'medium',
  toolRisk: 'high',
  risk: 'high',
  repeat: 'look_up_first',
  digest: `sha256:${'0f'.repeat(32)}`,
};

function view(overrides: Partial<ApprovalStatus> = {}): ApprovalStatus {
  return {
    workflow_id: 'run-42/approval-1',
    request_id: 'req-7f3a',
    run_id: 'run-42',
    requested_at: '2024-03-04T10:00:00Z',
    allow_self_approval: false,
    card: null,
    cards: [],
    stage_names: ['Approval'],
    stages: [],
    labels: {},
    audit: [],
    request: 'Please archive the old projects channel',
    requester: { id: REQUESTER_ID, name: 'Requester' },
    proposal,
    eligibility: { kind: 'anyone' },
    expires_at: '2024-03-05T10:00:00Z',
    status: 'pending',
    ...overrides,
  };
}

function decision(overrides: Partial<ApprovalDecisionRecord> = {}): ApprovalDecisionRecord {
  return {
    approved: true,
    notes: null,
    decidedAt: '2024-03-04T09:30:00Z',
    reviewer: { id: 'UREVIEWER1', name: 'Reviewer' },
    ...overrides,
  };
}

function sectionTexts(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
}

function contextTexts(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((b) =>
    b.type === 'context'
      ? b.elements.flatMap((e) => ('text' in e && typeof e.text === 'string' ? [e.text] : []))
      : [],
  );
}

function buttons(blocks: KnownBlock[]) {
  return blocks.flatMap((b) =>
    b.type === 'actions' ? b.elements.flatMap((e) => (e.type === 'button' ? [e] : [])) : [],
  );
}

function allText(blocks: KnownBlock[]): string {
  return [...sectionTexts(blocks), ...contextTexts(blocks)].join('\n');
}

describe('a pending approval card', () => {
  const blocks = approvalCard(view());

  it('offers Approve (primary) and Reject (danger) buttons', () => {
    const [approve, reject, ...others] = buttons(blocks);
    expect(others).toEqual([]);
    expect(approve).toMatchObject({
      action_id: APPROVE_ACTION_ID,
      style: 'primary',
      text: { type: 'plain_text', text: 'Approve' },
    });
    expect(reject).toMatchObject({
      action_id: REJECT_ACTION_ID,
      style: 'danger',
      text: { type: 'plain_text', text: 'Reject' },
    });
  });

  it('carries the approval workflow and request in each button value', () => {
    for (const button of buttons(blocks)) {
      expect(JSON.parse(button.value ?? '')).toEqual({
        workflowId: 'run-42/approval-1',
        requestId: 'req-7f3a',
      });
    }
  });

  it('shows who asked, the tool, both risk assessments, the arguments and the reasoning', () => {
    const text = allText(blocks);
    expect(text).toContain(`<@${REQUESTER_ID}>`);
    expect(text).toContain('Please archive the old projects channel');
    expect(text).toContain('`archive_channel`');
    expect(text).toContain(':red_circle: high');
    expect(text).toContain('tool: high, model: medium');
    expect(text).toContain('"channel": "C0OLDPROJ"');
    expect(text).toContain('The channel has been quiet for a year.');
  });

  it('shows when it expires and that any full member but the requester may decide', () => {
    const [context] = contextTexts(blocks);
    expect(context).toContain('<!date^1709632800^');
    expect(context).toContain('any full member of this workspace but the requester');
    expect(context).toContain('req-7f3a');
  });

  it('has a fallback text that names the tool, risk and requester', () => {
    expect(approvalCardText(view())).toBe(
      `Approval needed: archive_channel (high risk), requested by <@${REQUESTER_ID}>`,
    );
  });
});

describe('foreign text on the card', () => {
  const hostileView = view({
    request: hostileText('request'),
    proposal: {
      ...proposal,
      tool: 'post_message',
      arguments: { channel: 'C123', text: hostileText('argument'), nested: { deeper: '<!channel>' } },
      reasoning: hostileText('reasoning'),
    },
  });

  it('never broadcasts, mentions or links through the request, arguments or reasoning', () => {
    const json = JSON.stringify(approvalCard(hostileView));
    for (const hostile of HOSTILE) expect(json).not.toContain(hostile);
    expect(json).toContain('&lt;!channel&gt;');
    expect(json).toContain('&lt;@U999&gt;');
    expect(json).toContain('&lt;https://x|y&gt;');
  });

  it('shows a hostile request ID as text', () => {
    const text = allText(approvalCard(view({ request_id: 'req-<!here>' })));
    expect(text).not.toContain('<!here>');
    expect(text).toContain('req-&lt;!here&gt;');
  });

  it('still mentions the requester', () => {
    expect(JSON.stringify(approvalCard(hostileView))).toContain(`<@${REQUESTER_ID}>`);
  });

  it('keeps hostile text out of the fallback text too', () => {
    const fallback = approvalCardText(hostileView);
    for (const hostile of HOSTILE) expect(fallback).not.toContain(hostile);
    expect(fallback).toContain(`<@${REQUESTER_ID}>`);
  });

  it('shows a requester that is not a Slack ID as text rather than a mention', () => {
    const json = JSON.stringify(approvalCard(view({ requester: { id: 'U1> <!channel' } })));
    expect(json).not.toContain('<!channel>');
    expect(json).toContain('U1&gt; &lt;!channel');
  });
});

describe('a card for huge input', () => {
  const huge = 'x'.repeat(100_000);
  const hugeView = view({
    request: `${huge} <!channel>`,
    proposal: {
      ...proposal,
      tool: 'post_message',
      arguments: {
        channel: 'C123',
        text: `<@U999>&${huge}`,
        many: Array.from({ length: 5_000 }, (_, i) => `item ${i} <!here>`),
      },
      reasoning: `${'because & <reasons> '.repeat(10_000)}`,
    },
    eligibility: {
      kind: 'listed',
      users: Array.from({ length: 5_000 }, (_, i) => `U${String(i).padStart(8, '0')}`),
      userGroups: ['SOPS'],
    },
  });

  it.each(['pending', 'approved', 'rejected'] as const)('stays within Block Kit limits when %s', (status) => {
    const blocks = approvalCard({
      ...hugeView,
      status,
      decision: status === 'pending' ? undefined : decision({ notes: `${huge}<!channel>` }),
    });
    expect(blocks.length).toBeLessThanOrEqual(MESSAGE_BLOCKS_MAX);
    for (const text of sectionTexts(blocks)) expect(text.length).toBeLessThanOrEqual(SECTION_TEXT_MAX);
    for (const text of contextTexts(blocks)) expect(text.length).toBeLessThanOrEqual(CONTEXT_TEXT_MAX);
    for (const button of buttons(blocks)) {
      expect(button.value?.length ?? 0).toBeLessThanOrEqual(BUTTON_VALUE_MAX);
      expect(JSON.parse(button.value ?? '')).toEqual({
        workflowId: hugeView.workflow_id,
        requestId: 'req-7f3a',
      });
    }
    expect(JSON.stringify(blocks)).not.toContain('<!channel>');
    expect(approvalCardText({ ...hugeView, status }).length).toBeLessThanOrEqual(FALLBACK_TEXT_MAX);
  });

  it('still shows the beginning of a long request', () => {
    const [first] = sectionTexts(approvalCard(hugeView));
    expect(first).toContain('xxxxxxxxxx');
  });

  it('still shows the first lines of a long multi-line request', () => {
    const request = Array.from({ length: 1_000 }, (_, i) => `step ${i}`).join('\n');
    const [first] = sectionTexts(approvalCard(view({ request })));
    expect(first).toContain('>step 0\n>step 1');
  });
});

describe('a decided card', () => {
  it('shows an approval with its reviewer, time and escaped notes, and no buttons', () => {
    const blocks = approvalCard(
      view({ status: 'approved', decision: decision({ notes: 'Fine by me <!channel> & <@U999>' }) }),
    );
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
    const text = allText(blocks);
    expect(text).toContain('*Approved* by <@UREVIEWER1>');
    expect(text).toContain('<!date^1709544600^');
    expect(text).toContain('>Fine by me &lt;!channel&gt; &amp; &lt;@U999&gt;');
    expect(JSON.stringify(blocks)).not.toContain('<!channel>');
    expect(text).toContain('Approval request');
    expect(text).not.toContain('Approval needed');
  });

  it('shows a rejection with its reviewer and says nothing was run', () => {
    const blocks = approvalCard(
      view({
        status: 'rejected',
        decision: decision({ approved: false, notes: 'Not that channel <@U999>' }),
      }),
    );
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
    const text = allText(blocks);
    expect(text).toContain('*Rejected* by <@UREVIEWER1>');
    expect(text).toContain('nothing was run');
    expect(text).toContain('>Not that channel &lt;@U999&gt;');
  });

  it('credits an operator when the decision came through Temporal', () => {
    const blocks = approvalCard(view({ status: 'approved', decision: decision({ reviewer: undefined }) }));
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(allText(blocks)).toContain('*Approved* by an operator (through Temporal)');
  });

  it('shows an expired card with how long it waited', () => {
    const blocks = approvalCard(
      view({ status: 'timed_out', timed_out: { stage: 'Approval', after_ms: 5_400_000 } }),
    );
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
    const text = allText(blocks);
    expect(text).toContain('*Expired*');
    expect(text).toContain('1h30m');
    expect(text).toContain('nothing was run');
  });

  it('shows a cancelled card', () => {
    const blocks = approvalCard(view({ status: 'cancelled' }));
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(allText(blocks)).toContain('*Cancelled*');
  });

  it('names the request and the run', () => {
    const [context] = contextTexts(approvalCard(view({ status: 'cancelled' })));
    expect(context).toContain('req-7f3a');
    expect(context).toContain('run-42');
  });

  it.each([
    ['approved', 'Approval approved'],
    ['rejected', 'Approval rejected'],
    ['timed_out', 'Approval timed out'],
    ['cancelled', 'Approval cancelled'],
  ] as const)('has a %s fallback text', (status, words) => {
    expect(approvalCardText(view({ status }))).toBe(
      `${words}: archive_channel (high risk), requested by <@${REQUESTER_ID}>`,
    );
  });
});

describe('who may decide, on a pending card', () => {
  const listed = (users: string[], userGroups: string[] = []): Eligibility => ({
    kind: 'listed',
    users,
    userGroups,
  });
  const mayDecide = (eligibility: Eligibility) => contextTexts(approvalCard(view({ eligibility })))[0] ?? '';

  it('lists user groups and users', () => {
    const text = mayDecide(listed(['UALICE', 'UBOB'], ['SOPS']));
    expect(text).toContain('May decide: <!subteam^SOPS>, <@UALICE>, <@UBOB>');
    expect(text).not.toContain('more');
  });

  it('names ten approvers, user groups first, and counts the rest', () => {
    const users = Array.from({ length: 13 }, (_, i) => `U${i + 10}`);
    const text = mayDecide(listed(users, ['SOPS']));
    expect(text).toContain('<!subteam^SOPS>');
    for (const user of users.slice(0, 9)) expect(text).toContain(`<@${user}>`);
    for (const user of users.slice(9)) expect(text).not.toContain(`<@${user}>`);
    expect(text).toContain('<@U18> and 4 more');
  });

  it('caps many user groups too', () => {
    const groups = Array.from({ length: 40 }, (_, i) => `S${i + 10}`);
    const text = mayDecide(listed([], groups));
    expect(text).toContain('<!subteam^S19> and 30 more');
    expect(text).not.toContain('<!subteam^S20>');
  });

  it('shows exactly ten users without "more"', () => {
    const users = Array.from({ length: 10 }, (_, i) => `U${i + 10}`);
    expect(mayDecide(listed(users))).not.toContain('more');
  });

  it('says so when nobody could be resolved', () => {
    expect(mayDecide(listed([]))).toContain('nobody');
  });
});

describe('quorum and chains on the card', () => {
  const ana = decision({ reviewer: { id: 'U0ANA' }, decidedAt: '2024-03-04T09:00:00Z' });
  const sam = decision({ reviewer: { id: 'U0SAM' }, decidedAt: '2024-03-04T09:10:00Z' });
  const stage = (overrides: Partial<StageSummary> = {}): StageSummary => ({
    name: 'Security',
    required: 2,
    status: 'pending',
    eligibility: { kind: 'listed', users: ['U0ANA', 'U0BOB', 'U0SAM'], userGroups: [] },
    approvals: [],
    opened_at: '2024-03-04T08:00:00Z',
    expires_at: '2024-03-05T10:00:00Z',
    escalated: false,
    ...overrides,
  });

  it('shows how far a quorum has come and who counted, keeping the buttons', () => {
    const blocks = approvalCard(view({ stage_names: ['Security'], stages: [stage({ approvals: [ana] })] }));
    expect(allText(blocks)).toContain('*1 of 2 approvals: <@U0ANA>*');
    expect(buttons(blocks)).toHaveLength(2);
  });

  it('shows no progress line for a single approval, as before quorums existed', () => {
    const blocks = approvalCard(view({ stage_names: ['Approval'], stages: [stage({ required: 1 })] }));
    expect(allText(blocks)).not.toContain('approvals');
    expect(allText(blocks)).not.toContain('Approval chain');
  });

  it('shows a chain stage by stage: passed, current with its quorum, and still to come', () => {
    const blocks = approvalCard(
      view({
        stage_names: ['Team lead', 'Security', 'CTO <!channel>'],
        stages: [
          stage({ name: 'Team lead', required: 1, status: 'approved', approvals: [ana] }),
          stage({ approvals: [sam] }),
        ],
      }),
    );
    const text = allText(blocks);
    expect(text).toContain(':white_check_mark: 1. *Team lead* — approved by <@U0ANA>');
    expect(text).toContain(':hourglass_flowing_sand: 2. *Security* — 1 of 2 approvals: <@U0SAM>');
    expect(text).toContain(':white_circle: 3. *CTO &lt;!channel&gt;* — after the stage before');
    expect(text).toContain('Stage 2 of 3 (Security)');
    expect(JSON.stringify(blocks)).not.toContain('<!channel>');
  });

  it('credits everyone whose approval counted once approved', () => {
    const blocks = approvalCard(
      view({
        status: 'approved',
        decision: sam,
        stage_names: ['Security'],
        stages: [stage({ status: 'approved', approvals: [ana, sam] })],
      }),
    );
    expect(allText(blocks)).toContain('*Approved* by <@U0ANA>, <@U0SAM>');
  });

  it('shows a veto with the reviewer and notes, and the chain where it stopped', () => {
    const veto = decision({ approved: false, reviewer: { id: 'U0BOB' }, notes: 'Not during the freeze.' });
    const blocks = approvalCard(
      view({
        status: 'rejected',
        decision: veto,
        stage_names: ['Team lead', 'Security'],
        stages: [
          stage({ name: 'Team lead', required: 1, status: 'approved', approvals: [ana] }),
          stage({ status: 'rejected' }),
        ],
      }),
    );
    const text = allText(blocks);
    expect(text).toContain('*Rejected* by <@U0BOB>');
    expect(text).toContain('Not during the freeze.');
    expect(text).toContain(':x: 2. *Security* — rejected');
    expect(buttons(blocks)).toEqual([]);
  });
});

describe('a quorum that cannot be reached', () => {
  const stage = (users: string[], approvals: ApprovalDecisionRecord[] = []): StageSummary => ({
    name: 'Security',
    required: 2,
    status: 'pending',
    eligibility: { kind: 'listed', users, userGroups: ['S0SEC'] },
    approvals,
    opened_at: '2024-03-04T08:00:00Z',
    expires_at: '2024-03-05T10:00:00Z',
    escalated: false,
  });

  it('warns when fewer people may approve than approvals are missing, not counting the requester', () => {
    const text = allText(
      approvalCard(view({ stage_names: ['Security'], stages: [stage(['U0ANA', REQUESTER_ID])] })),
    );
    expect(text).toContain(':warning: 2 more approvals needed, but only 1 more person may give one');
  });

  it('counts the requester when self-approval is allowed, and stays quiet when the quorum is reachable', () => {
    const blocks = approvalCard(
      view({
        stage_names: ['Security'],
        stages: [stage(['U0ANA', REQUESTER_ID])],
        allow_self_approval: true,
      }),
    );
    expect(allText(blocks)).not.toContain(':warning:');
  });

  it('does not count someone who already approved twice', () => {
    const ana = decision({ reviewer: { id: 'U0ANA' } });
    const text = allText(
      approvalCard(view({ stage_names: ['Security'], stages: [stage(['U0ANA'], [ana])] })),
    );
    expect(text).toContain(':warning: 1 more approval needed, but only 0 more people may give one');
  });
});
