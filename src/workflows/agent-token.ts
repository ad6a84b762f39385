// A token an MCP client uses with the gateway: its own workflow, like a standing approval (./grant.ts), so it is
// durable without a database of ours, found in one query by its id (the token's hash), listed for its owner through
// the inbox's search attributes, and audited when created and revoked. It holds no timer: it lives until revoked.
import { condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { AgentToken } from '../approval/schemas.js';
import { recorder } from './audit.js';
import { agentTokenStatusQuery, revokeAgentTokenSignal } from './messages.js';
import { APPROVAL_STATUS_KEY, REQUESTER_KEY } from './search-attributes.js';

export type AgentTokenInput = Pick<AgentToken, 'token_id' | 'owner' | 'client' | 'created_at'>;

export async function agentTokenWorkflow(input: AgentTokenInput): Promise<AgentToken> {
  const token: AgentToken = { ...input, status: 'active', audit: [] };
  const record = recorder(token.audit, { runId: input.token_id, details: { token_id: input.token_id } });
  // Listed for its owner, who may revoke it; REQUESTER because the owner is the requester of every call it makes.
  const index = () =>
    upsertSearchAttributes([
      { key: APPROVAL_STATUS_KEY, value: token.status },
      { key: REQUESTER_KEY, value: token.owner.id },
    ]);

  setHandler(agentTokenStatusQuery, () => token);
  setHandler(revokeAgentTokenSignal, ({ by } = {}) => {
    if (token.status !== 'active') return;
    if (by && by.id !== token.owner.id) {
      record('decision_ignored', by, {
        reason: 'not_owner',
        explanation: 'only its owner may revoke a token',
      });
      return;
    }
    token.status = 'revoked';
    if (by) token.revoked_by = by;
    record('token_revoked', by ?? 'operator', {});
  });

  index();
  record('token_created', input.owner, { client: input.client });
  await condition(() => token.status !== 'active');
  index();
  return token;
}
