// What a run reads besides the model: the approval rules in force (from the worker's configuration, once per run),
// and a standing approval that lets a call through without asking (from Temporal's visibility of grant workflows,
// checked against the worker's policy now and against Slack: does its grantor still stand behind it).
import type { WebClient } from '@slack/web-api';
import { Context, log } from '@temporalio/activity';
import { planNamed } from '../approval/policy.js';
import type { ApprovalPlan, ApprovalPolicy, StandingGrant } from '../approval/schemas.js';
import {
  type CoveringGrant,
  grantCountsUntil,
  grantCovers,
  grantorMayStillDecide,
  ruleApprovers,
  type StandingCall,
} from '../approval/standing.js';
import type { Config } from '../config.js';
import { createMembershipCheck } from '../slack/membership.js';
import { standingGrantWorkflow } from '../workflows/grant.js';
import { grantStatusQuery } from '../workflows/messages.js';
import { APPROVAL_STATUS_KEY, REQUESTER_KEY, TOOL_KEY } from '../workflows/search-attributes.js';
import { approversOf } from './slack.js';

/** Grants looked at per call: a requester rarely holds more for one tool. */
const GRANTS_READ_MAX = 20;
/** How long one grant's state may take to read (a query its workflow's worker answers). */
const GRANT_READ_MS = 2_000;
/** Only Slack user IDs and tool names go into the visibility query. */
const QUERY_SAFE = /^[A-Za-z0-9_-]+$/;

export function createRunActivities(deps: { config: Config; slack: WebClient }) {
  const { config, slack } = deps;
  const membership = createMembershipCheck();

  /**
   * Whether the grantor may still approve under the rule now: a full member of the workspace (Slack's word), and one
   * of the rule's approvers as they resolve now. When Slack cannot say, the grant does not count: a person is asked.
   */
  const grantorStillDecides = async (grant: StandingGrant, rule: ApprovalPlan): Promise<boolean> => {
    const about = { grant_id: grant.grant_id, grantor: grant.grantor.id, rule: rule.rule };
    const member = await membership(slack, grant.grantor.id);
    if (!member.ok) {
      log.info('a standing approval does not count: its grantor is not a full member now', {
        ...about,
        reason: member.reason,
      });
      return false;
    }
    try {
      const eligibility = await approversOf(slack, ruleApprovers(rule));
      if (grantorMayStillDecide(grant, rule, eligibility)) return true;
      log.info('a standing approval does not count: its grantor may no longer approve under its rule', about);
    } catch (error) {
      log.warn('a standing approval does not count: the rule’s approvers could not be resolved', {
        ...about,
        error: (error as Error).message,
      });
    }
    return false;
  };

  return {
    /** Runs started before the rules came with the first model step (beginRun) still ask for them on their own. */
    async runPolicy(): Promise<ApprovalPolicy> {
      return config.approval.policy;
    },

    /**
     * A standing approval that covers this call now, if any: listed by search attributes, read, checked against the
     * call's rule as this worker's policy has it now (a rule gone or shortened since counts for less or nothing), and
     * against its grantor's authority now.
     */
    async findStandingGrant(call: StandingCall): Promise<CoveringGrant | null> {
      if (!QUERY_SAFE.test(call.requesterId) || !QUERY_SAFE.test(call.tool)) return null;
      const rule = call.rule === undefined ? undefined : planNamed(config.approval.policy, call.rule);
      if (!rule) return null;
      const { client } = Context.current();
      const query =
        `WorkflowType = '${standingGrantWorkflow.name}' AND ${APPROVAL_STATUS_KEY.name} = 'active' AND ` +
        `${REQUESTER_KEY.name} = '${call.requesterId}' AND ${TOOL_KEY.name} = '${call.tool}'`;
      let read = 0;
      for await (const execution of client.workflow.list({ query, pageSize: GRANTS_READ_MAX })) {
        if (read++ >= GRANTS_READ_MAX) break;
        // The listing may lag; the grant's own state decides. A grant whose state cannot be read now (no worker
        // answers for it) counts for nothing: a person is asked.
        let grant: StandingGrant;
        try {
          grant = await client.withDeadline(Date.now() + GRANT_READ_MS, () =>
            client.workflow.getHandle(execution.workflowId).query(grantStatusQuery),
          );
        } catch (error) {
          log.warn('a standing approval does not count: its state could not be read', {
            grant_id: execution.workflowId,
            error: (error as Error).message,
          });
          continue;
        }
        if (!grantCovers(grant, call, rule, Date.now()) || !(await grantorStillDecides(grant, rule)))
          continue;
        return { ...grant, counts_until: new Date(grantCountsUntil(grant, rule)).toISOString() };
      }
      return null;
    },
  };
}
