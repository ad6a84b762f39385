// The approver's inbox (App Home and `/agent pending`): what waits on this person, and their own requests. Found
// through the search attributes of the workflows approvals live in (src/workflows/search-attributes.ts): a run's, for
// the approvals it asks for itself (the current code), or an approval's own workflow. So it survives restarts and
// is the same from any Slack app process; every approval listed as waiting is then read and put through the same
// rules as a click, so the list shows exactly what this person may decide now, nothing another may.
import type { Client } from '@temporalio/client';
import type {
  AgentToken,
  ApprovalStatus,
  ApprovalStatusName,
  Person,
  StandingGrant,
} from '../approval/schemas.js';
import { agentWorkflow } from '../workflows/agent.js';
import { agentTokenWorkflow } from '../workflows/agent-token.js';
import { approvalWorkflow } from '../workflows/approval.js';
import { gatewayCallWorkflow } from '../workflows/gateway-call.js';
import { standingGrantWorkflow } from '../workflows/grant.js';
import { agentTokenStatusQuery, grantStatusQuery } from '../workflows/messages.js';
import {
  ANY_MEMBER,
  APPROVAL_STATUS_KEY,
  DECIDERS_KEY,
  REQUESTER_KEY,
  TOOL_KEY,
} from '../workflows/search-attributes.js';
import { type ApprovalLookup, approvalsIn, lookupFailure, readApproval, whyNot } from './approvals.js';
import { SLACK_USER_ID } from './ids.js';
import type { Membership } from './membership.js';
import { listWithinSlackDeadline, withinSlackDeadline } from './temporal-deadline.js';

/** Approvals read per inbox: more than a person can review at a glance; past it, the inbox says there are more. */
export const INBOX_WAITING_MAX = 20;
/** The person's own requests listed, newest first. */
export const INBOX_MINE_MAX = 10;
/** Time for the whole inbox: list calls and one query per workflow an approval waits in, in parallel. */
const INBOX_BUDGET_MS = 5_000;

/**
 * The workflows approvals live in: runs and MCP gateway calls, which ask for theirs themselves (the current code), and
 * approvals' own workflows (runs and calls from before).
 */
const HOLDING_APPROVALS = `WorkflowType IN ('${agentWorkflow.name}', '${gatewayCallWorkflow.name}', '${approvalWorkflow.name}')`;

export interface OwnRequest {
  workflowId: string;
  runId: string;
  tool: string;
  status: ApprovalStatusName;
  requestedAt: string;
  /** The request as the requester wrote it, for pending ones (read from the workflow). */
  request?: string;
}

export interface Inbox {
  /** Approvals this person may decide now. */
  waiting: ApprovalStatus[];
  /** More may wait than were read. */
  more: boolean;
  mine: OwnRequest[];
  /** Active standing approvals this person gave or holds. */
  grants: StandingGrant[];
  /** The MCP clients this person connected to the gateway, with tokens not revoked. */
  agents: AgentToken[];
  /** Why nothing can wait on them (a guest, …): shown instead of an empty list. */
  cannotDecide?: Exclude<Membership, { ok: true }>['reason'];
  /** Temporal could not be asked: the lists may be incomplete. */
  unreachable: boolean;
}

function isStatus(value: unknown): value is ApprovalStatusName {
  return ['pending', 'approved', 'rejected', 'timed_out', 'cancelled'].includes(value as string);
}

export async function readInbox(
  temporal: Client,
  viewer: Person,
  membership: Membership,
  nowMs = Date.now(),
): Promise<Inbox> {
  const inbox: Inbox = { waiting: [], more: false, mine: [], grants: [], agents: [], unreachable: false };
  // The ID goes into a visibility query: only a well-formed Slack user ID may.
  if (!SLACK_USER_ID.test(viewer.id)) return inbox;
  const deadline = Date.now() + INBOX_BUDGET_MS;
  /** What is left of the budget for one more read (at least 1 ms: 0 would mean no deadline). */
  const left = () => Math.max(1, deadline - Date.now());

  const waiting = async () => {
    if (!membership.ok) {
      inbox.cannotDecide = membership.reason;
      return;
    }
    const query =
      `${HOLDING_APPROVALS} AND ${APPROVAL_STATUS_KEY.name} = 'pending' AND ` +
      `${DECIDERS_KEY.name} IN ('${viewer.id}', '${ANY_MEMBER}')`;
    const listed: { workflowId: string; run: boolean }[] = [];
    const listing = await listWithinSlackDeadline(
      temporal,
      query,
      INBOX_WAITING_MAX,
      (execution) =>
        listed.push({ workflowId: execution.workflowId, run: execution.type !== approvalWorkflow.name }),
      INBOX_BUDGET_MS,
    );
    inbox.more = listing.more;
    const reads = await Promise.all(
      listed.map(({ workflowId, run }) =>
        run ? readPendingOfRun(temporal, workflowId, left()) : readApproval(temporal, { workflowId }, left()),
      ),
    );
    for (const read of reads.flat()) {
      if (!read.ok) inbox.unreachable ||= read.reason !== 'not_found';
      else if (whyNot(read.status, viewer, nowMs) === undefined) inbox.waiting.push(read.status);
    }
    inbox.waiting.sort((a, b) => Date.parse(a.expires_at) - Date.parse(b.expires_at));
  };

  const mine = async () => {
    // Approvals only: a standing approval carries the requester too, and is listed on its own.
    const query = `${HOLDING_APPROVALS} AND ${REQUESTER_KEY.name} = '${viewer.id}'`;
    await listWithinSlackDeadline(
      temporal,
      query,
      INBOX_MINE_MAX,
      (execution) => {
        const status = execution.typedSearchAttributes.get(APPROVAL_STATUS_KEY);
        inbox.mine.push({
          workflowId: execution.workflowId,
          runId: execution.workflowId.split('/approval-')[0] ?? execution.workflowId,
          tool: execution.typedSearchAttributes.get(TOOL_KEY) ?? 'a tool',
          // Not yet indexed (just started) while running: pending, and read below. Ended without saying how
          // (terminated by an operator): cancelled, as far as the requester can tell.
          status: isStatus(status) ? status : execution.status.name === 'RUNNING' ? 'pending' : 'cancelled',
          requestedAt: execution.startTime.toISOString(),
        });
      },
      INBOX_BUDGET_MS,
    );
    await Promise.all(
      inbox.mine
        .filter((own) => own.status === 'pending')
        .map(async (own) => {
          const read = await readApproval(temporal, { workflowId: own.workflowId }, left());
          // Only what the requester wrote themselves, and only if this is indeed their request.
          if (read.ok && read.status.requester.id === viewer.id) {
            own.request = read.status.request;
            own.status = read.status.status;
          }
        }),
    );
  };

  const grants = async () => {
    const query =
      `WorkflowType = '${standingGrantWorkflow.name}' AND ${APPROVAL_STATUS_KEY.name} = 'active' AND ` +
      `(${DECIDERS_KEY.name} = '${viewer.id}' OR ${REQUESTER_KEY.name} = '${viewer.id}')`;
    const ids: string[] = [];
    await listWithinSlackDeadline(
      temporal,
      query,
      INBOX_MINE_MAX,
      (execution) => ids.push(execution.workflowId),
      INBOX_BUDGET_MS,
    );
    const read = await Promise.all(
      ids.map((id) =>
        withinSlackDeadline(
          temporal,
          () => temporal.workflow.getHandle(id).query(grantStatusQuery),
          left(),
        ).catch(() => undefined),
      ),
    );
    // The listing may lag: the grant's own state, and only the two people it concerns.
    inbox.grants = read.filter(
      (g): g is StandingGrant =>
        g !== undefined &&
        g.status === 'active' &&
        Date.parse(g.expires_at) > nowMs &&
        (g.grantor.id === viewer.id || g.requester.id === viewer.id),
    );
  };

  const agents = async () => {
    inbox.agents = await listAgentTokens(temporal, viewer, left());
  };

  const results = await Promise.allSettled([waiting(), mine(), grants(), agents()]);
  if (results.some((r) => r.status === 'rejected')) inbox.unreachable = true;
  return inbox;
}

/** The approvals pending in a run (or gateway call) that asks for them itself, each as `readApproval` reads one. */
async function readPendingOfRun(
  temporal: Client,
  runId: string,
  budgetMs: number,
): Promise<ApprovalLookup[]> {
  try {
    const approvals = await withinSlackDeadline(temporal, () => approvalsIn(temporal, runId), budgetMs);
    return approvals.filter((status) => status.status === 'pending').map((status) => ({ ok: true, status }));
  } catch (error) {
    return [lookupFailure(error)];
  }
}

/** Connected clients listed at most: more than a person keeps; past it, the oldest are not shown. */
export const AGENTS_SHOWN_MAX = 10;

/** A token as listed: with its workflow's id, which Revoke signals. */
export type ListedAgentToken = AgentToken & { workflow_id: string };

/** The tokens `owner` has that are not revoked, newest first, each read from its own workflow. */
export async function listAgentTokens(
  temporal: Client,
  owner: Person,
  budgetMs: number,
): Promise<ListedAgentToken[]> {
  if (!SLACK_USER_ID.test(owner.id)) return [];
  const deadline = Date.now() + budgetMs;
  const query =
    `WorkflowType = '${agentTokenWorkflow.name}' AND ${APPROVAL_STATUS_KEY.name} = 'active' AND ` +
    `${REQUESTER_KEY.name} = '${owner.id}'`;
  const ids: string[] = [];
  await listWithinSlackDeadline(
    temporal,
    query,
    AGENTS_SHOWN_MAX,
    (execution) => ids.push(execution.workflowId),
    budgetMs,
  );
  const read = await Promise.all(
    ids.map((id) =>
      withinSlackDeadline(
        temporal,
        async () => ({
          ...(await temporal.workflow.getHandle(id).query(agentTokenStatusQuery)),
          workflow_id: id,
        }),
        Math.max(1, deadline - Date.now()),
      ).catch(() => undefined),
    ),
  );
  // The listing may lag: the token's own state, and only its owner's.
  return read.filter(
    (t): t is ListedAgentToken => t !== undefined && t.status === 'active' && t.owner.id === owner.id,
  );
}
