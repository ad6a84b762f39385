// A standing approval: given with an approval, it lets the same requester's same call (the arguments the grantor
// fixed), under the same rule at no higher risk, run without a card until it expires or is revoked, or stops counting
// (src/approval/standing.ts). Its own workflow, so it is durable, listed through its search attributes (the inbox's
// keys, with the grant's status), and audited when given, used, revoked and expired.
import { setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { StandingGrant } from '../approval/schemas.js';
import { recorder, untilOrAt } from './audit.js';
import { grantStatusQuery, grantUsedSignal, revokeGrantSignal } from './messages.js';
import { APPROVAL_STATUS_KEY, DECIDERS_KEY, REQUESTER_KEY, TOOL_KEY } from './search-attributes.js';

export type GrantInput = Omit<StandingGrant, 'status' | 'uses' | 'audit' | 'revoked_by'>;

export async function standingGrantWorkflow(input: GrantInput): Promise<StandingGrant> {
  const grant: StandingGrant = { ...input, status: 'active', uses: 0, audit: [] };
  const record = recorder(grant.audit, {
    runId: input.run_id,
    requestId: input.request_id,
    details: { grant_id: input.grant_id },
  });
  // Listed for the requester (whose calls it lets through) and the grantor (who may revoke it).
  const index = () =>
    upsertSearchAttributes([
      { key: APPROVAL_STATUS_KEY, value: grant.status },
      { key: REQUESTER_KEY, value: grant.requester.id },
      { key: TOOL_KEY, value: grant.tool },
      { key: DECIDERS_KEY, value: [grant.grantor.id] },
    ]);

  setHandler(grantStatusQuery, () => grant);
  setHandler(revokeGrantSignal, ({ by } = {}) => {
    if (grant.status !== 'active') return;
    // Only the two people it concerns (or an operator through Temporal, with no `by`).
    if (by && by.id !== grant.grantor.id && by.id !== grant.requester.id) {
      record('decision_ignored', by, {
        reason: 'not_party',
        explanation: 'only the grantor or the requester may revoke',
      });
      return;
    }
    grant.status = 'revoked';
    if (by) grant.revoked_by = by;
    record('grant_revoked', by ?? 'operator', {});
  });
  setHandler(grantUsedSignal, ({ run_id, digest }) => {
    grant.uses += 1;
    record('grant_used', 'system', { run_id, digest, uses: grant.uses });
  });

  index();
  record('grant_given', input.grantor, {
    requester: input.requester,
    tool: input.tool,
    fixed: input.fixed,
    vary: input.vary,
    rule: input.rule,
    risk: input.risk,
    expires_at: input.expires_at,
  });
  const revoked = await untilOrAt(() => grant.status !== 'active', Date.parse(input.expires_at));
  if (!revoked) {
    grant.status = 'expired';
    record('grant_expired', 'system', { uses: grant.uses });
  }
  index();
  return grant;
}
