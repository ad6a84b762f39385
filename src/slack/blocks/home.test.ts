import { describe, expect, it } from 'vitest';
import type { ApprovalStatus, Proposal, StandingGrant } from '../../approval/schemas.js';
import type { Inbox } from '../inbox.js';
import { homeView, pendingMessage } from './home.js';

const HOSTILE = '<!channel> <@U999> <https://evil.example|click>';

const proposal: Proposal = {
  callId: 'call_1',
  tool: 'archive_channel',
  arguments: { channel: 'C0OLDPROJ' },
  reasoning: 'quiet for a year',
  modelRisk: 'high',
  toolRisk: 'high',
  risk: 'high',
  repeat: 'look_up_first',
  digest: `sha256:${'0f'.repeat(32)}`,
};

function approval(n: number, request = `archive old project ${n}`): ApprovalStatus {
  return {
    workflow_id: `run-${n}/approval-1`,
    request_id: `req-${n}`,
    run_id: `run-${n}`,
    requested_at: '2026-11-22T10:00:00Z',
    allow_self_approval: false,
    card: null,
    cards: [],
    stage_names: ['Approval'],
    stages: [],
    labels: {},
    audit: [],
    request,
    requester: { id: 'U0REQUESTER', name: 'rita' },
    proposal,
    eligibility: { kind: 'anyone' },
    expires_at: '2026-11-23T10:00:00Z',
    status: 'pending',
  };
}

const inbox = (overrides: Partial<Inbox> = {}): Inbox => ({
  waiting: [],
  more: false,
  mine: [],
  grants: [],
  agents: [],
  unreachable: false,
  ...overrides,
});

describe('homeView', () => {
  it('escapes what the requester wrote: no mention, broadcast or link of theirs reaches the Home', () => {
    const text = JSON.stringify(homeView(inbox({ waiting: [approval(1, HOSTILE)] }), '2026-11-22T10:00:00Z'));
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U999>');
    expect(text).not.toContain('<https://evil.example');
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('lists a standing approval with the rule and highest risk it covers, and an older one as covering nothing', () => {
    const grant: StandingGrant = {
      grant_id: 'run-1/approval-1/standing',
      status: 'active',
      requester: { id: 'U0REQUESTER' },
      tool: 'invite_to_channel',
      fixed: { channel: 'C0A' },
      vary: ['users'],
      grantor: { id: 'U0ANA' },
      rule: 'default',
      risk: 'medium',
      given_at: '2026-11-22T10:00:00Z',
      expires_at: '2026-11-22T11:00:00Z',
      request_id: 'req-1',
      run_id: 'run-1',
      uses: 0,
      audit: [],
    };
    const { rule: _, risk: __, ...older } = grant;
    const text = JSON.stringify(homeView(inbox({ grants: [grant, older] }), '2026-11-22T10:00:00Z'));
    expect(text).toContain('given by <@U0ANA> under the rule “default” for calls up to medium risk');
    expect(text).toContain('at the latest');
    expect(text).toContain('given before standing approvals recorded their rule, so it lets nothing through');
  });

  it('stays within Slack’s 100 blocks with a full inbox, and says that more wait', () => {
    const full = inbox({
      waiting: Array.from({ length: 40 }, (_, i) => approval(i)),
      more: true,
      mine: Array.from({ length: 10 }, (_, i) => ({
        workflowId: `run-m${i}/approval-1`,
        runId: `run-m${i}`,
        tool: 'archive_channel',
        status: 'pending' as const,
        requestedAt: '2026-11-22T10:00:00Z',
        request: 'mine',
      })),
    });
    const view = homeView(full, '2026-11-22T10:00:00Z');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(view.blocks)).toContain('and more waiting');
    // Connecting an agent is always offered.
    expect(JSON.stringify(view.blocks)).toContain('agent_connect');
    // Both sections are there, each request's buttons with it.
    expect(JSON.stringify(view.blocks)).toContain('Your requests');
    expect(JSON.stringify(view.blocks)).toContain('run_withdraw');
  });

  it('says why nothing can wait on a guest instead of an empty list', () => {
    const text = JSON.stringify(homeView(inbox({ cannotDecide: 'guest' }), '2026-11-22T10:00:00Z'));
    expect(text).toContain('Guests cannot decide');
    expect(text).not.toContain('Nothing waits on you');
  });
});

describe('connected agents in the Home', () => {
  it('lists each with Revoke, its name escaped, and offers to connect another', () => {
    const view = homeView(
      inbox({
        agents: [
          {
            token_id: '0123456789abcdef',
            status: 'active',
            owner: { id: 'U0REQUESTER' },
            client: 'Cursor <!channel> *bold*',
            created_at: '2026-11-22T10:00:00Z',
            audit: [],
          },
        ],
      }),
      '2026-11-22T10:00:00Z',
    );
    const json = JSON.stringify(view.blocks);
    expect(json).toContain('Connected agents');
    expect(json).not.toContain('<!channel>');
    expect(json).toContain('agent_token_revoke');
    expect(json).toContain('0123456789abcdef');
    expect(json).toContain('agent_connect');
  });
});

describe('pendingMessage', () => {
  it('stays within a message’s 50 blocks', () => {
    const message = pendingMessage(inbox({ waiting: Array.from({ length: 20 }, (_, i) => approval(i)) }));
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(message.text).toBe('20 approvals wait on you.');
  });
});
