// What a run reads besides the model: the approval rules in force (from the worker's configuration, once per run),
// and a standing approval that lets a call through without asking (from Temporal's visibility of grant workflows).
import { Context } from '@temporalio/activity';
import type { ApprovalPolicy, StandingGrant } from '../approval/schemas.js';
import { grantCovers } from '../approval/standing.js';
import type { Config } from '../config.js';
import { standingGrantWorkflow } from '../workflows/grant.js';
import { grantStatusQuery } from '../workflows/messages.js';
import { APPROVAL_STATUS_KEY, REQUESTER_KEY, TOOL_KEY } from '../workflows/search-attributes.js';

/** Grants looked at per call: a requester rarely holds more for one tool. */
const GRANTS_READ_MAX = 20;
/** Only Slack user IDs and tool names go into the visibility query. */
const QUERY_SAFE = /^[A-Za-z0-9_-]+$/;

export function createRunActivities(config: Config) {
  return {
    /** Runs started before the rules came with the first model step (beginRun) still ask for them on their own. */
    async runPolicy(): Promise<ApprovalPolicy> {
      return config.approval.policy;
    },

    /** A standing approval that covers this call now, if any: listed by search attributes, then read and checked. */
    async findStandingGrant(call: {
      requesterId: string;
      tool: string;
      arguments: Record<string, unknown>;
    }): Promise<StandingGrant | null> {
      if (!QUERY_SAFE.test(call.requesterId) || !QUERY_SAFE.test(call.tool)) return null;
      const { client } = Context.current();
      const query =
        `WorkflowType = '${standingGrantWorkflow.name}' AND ${APPROVAL_STATUS_KEY.name} = 'active' AND ` +
        `${REQUESTER_KEY.name} = '${call.requesterId}' AND ${TOOL_KEY.name} = '${call.tool}'`;
      let read = 0;
      for await (const execution of client.workflow.list({ query, pageSize: GRANTS_READ_MAX })) {
        if (read++ >= GRANTS_READ_MAX) break;
        // The listing may lag; the grant's own state decides.
        const grant = await client.workflow.getHandle(execution.workflowId).query(grantStatusQuery);
        if (grantCovers(grant, call, Date.now())) return grant;
      }
      return null;
    },
  };
}
