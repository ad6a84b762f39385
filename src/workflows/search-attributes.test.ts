// What a workflow that holds approvals tells visibility, for the inbox's one list call: an approval's own workflow
// about itself, a run about all of its approvals (the calls of one model turn are asked together).
import { describe, expect, it } from 'vitest';
import { approvalOfCall, checkedCall } from '../../test/support/calls.js';
import type { ApprovalStatus, Eligibility, StageSummary } from '../approval/schemas.js';
import { ANY_MEMBER, inboxAttributes, runInboxAttributes } from './search-attributes.js';

function approval(
  tool: string,
  status: ApprovalStatus['status'],
  eligibility: Eligibility,
  stageStatus: ApprovalStatus['status'] = status,
): ApprovalStatus {
  const pending = approvalOfCall(checkedCall(tool, {}, 'high'));
  const stage = { ...(pending.stages[0] as StageSummary), status: stageStatus, eligibility };
  return { ...pending, status, eligibility, stages: [stage] };
}

const listed = (...users: string[]): Eligibility => ({ kind: 'listed', users, userGroups: [] });
const values = (pairs: ReturnType<typeof inboxAttributes>) => pairs.map((pair) => pair.value);

describe('a run’s search attributes, for the approvals that live in it', () => {
  it('while several wait: pending, decidable by whoever may decide any of them, once each, with the first one’s tool', () => {
    const attributes = runInboxAttributes([
      approval('post_message', 'approved', listed('U0ANA')),
      approval('archive_channel', 'pending', listed('U0ANA', 'U0BOB')),
      approval('set_channel_topic', 'pending', listed('U0BOB', 'U0SEC')),
    ]);
    expect(values(attributes)).toEqual(['pending', ['U0ANA', 'U0BOB', 'U0SEC'], 'U0REQ', 'archive_channel']);
  });

  it('names nobody for an approval whose next stage has not opened yet, and any member where a stage is open to all', () => {
    const attributes = runInboxAttributes([
      approval('archive_channel', 'pending', listed('U0ANA'), 'approved'),
      approval('set_channel_topic', 'pending', { kind: 'anyone' }),
    ]);
    expect(values(attributes)[1]).toEqual([ANY_MEMBER]);
  });

  it('once none waits: how the latest ended, and nobody to decide', () => {
    const attributes = runInboxAttributes([
      approval('archive_channel', 'approved', listed('U0ANA')),
      approval('set_channel_topic', 'rejected', listed('U0BOB')),
    ]);
    expect(values(attributes)).toEqual(['rejected', [], 'U0REQ', 'set_channel_topic']);
  });

  it('with one approval: exactly what its own workflow would write about it', () => {
    const one = approval('archive_channel', 'pending', listed('U0ANA'));
    expect(runInboxAttributes([one])).toEqual(inboxAttributes(one));
  });
});
