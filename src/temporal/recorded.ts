// What Countersign's workflows have recorded, read back from Temporal for the operator's tools (`check-policy --replay`,
// `audit export`): the workflows started in a range, listed by type, each read through its own query. Thin: what the
// records mean is decided by pure functions (src/approval/policy-replay.ts, src/approval/audit-chain.ts). A query of a
// closed workflow replays its history on a worker, so one must be polling the task queue; what Temporal no longer holds
// (past the namespace's retention) is not there to read.
import { Client, Connection, QueryNotRegisteredError } from '@temporalio/client';
import type { AuditEntry } from '../approval/audit-chain.js';
import type { PastCall } from '../approval/policy-replay.js';
import type { AuditEvent, Proposal } from '../approval/schemas.js';
import type { Config } from '../config.js';
import { agentWorkflow } from '../workflows/agent.js';
import { agentTokenWorkflow } from '../workflows/agent-token.js';
import { approvalWorkflow } from '../workflows/approval.js';
import { gatewayCallWorkflow } from '../workflows/gateway-call.js';
import { standingGrantWorkflow } from '../workflows/grant.js';
import {
  agentStatusQuery,
  agentTokenStatusQuery,
  approvalStatusQuery,
  grantStatusQuery,
  runApprovalsQuery,
} from '../workflows/messages.js';
import { connectionOptions, resolveTemporal } from './connection.js';
import { USUAL_PORTS } from './dev-server.js';

/**
 * A run's (or gateway call's) own audit, then its approvals' where they live in it (the current code; one with none
 * has no such query).
 */
async function runAudit(client: Client, id: string): Promise<AuditEvent[]> {
  const handle = client.workflow.getHandle(id);
  // Both at once: a closed workflow replays its history on a worker for each query.
  const [status, approvals] = await Promise.all([
    handle.query(agentStatusQuery),
    handle.query(runApprovalsQuery).catch((error: unknown) => {
      if (error instanceof QueryNotRegisteredError) return [];
      throw error;
    }),
  ]);
  return [...status.audit, ...approvals.flatMap((a) => a.audit)];
}

/** Every workflow that keeps an audit, and how to read it. */
const AUDITED: Record<string, (client: Client, id: string) => Promise<AuditEvent[]>> = {
  [agentWorkflow.name]: runAudit,
  [gatewayCallWorkflow.name]: runAudit,
  [approvalWorkflow.name]: async (client, id) =>
    (await client.workflow.getHandle(id).query(approvalStatusQuery)).audit,
  [standingGrantWorkflow.name]: async (client, id) =>
    (await client.workflow.getHandle(id).query(grantStatusQuery)).audit,
  [agentTokenWorkflow.name]: async (client, id) =>
    (await client.workflow.getHandle(id).query(agentTokenStatusQuery)).audit,
};

/** A workflow that could not be read, with what to do about it. */
export class RecordReadError extends Error {
  override name = 'RecordReadError';
}

interface Listed {
  workflowId: string;
  type: string;
  startMs: number;
}

/** Which of the namespace's workflows are Countersign's: those on its task queue, started at or after `sinceMs`. */
export interface RecordRange {
  taskQueue: string;
  sinceMs: number;
}

/** The workflows of these types in the range, oldest first (ties by id, so an export is repeatable). */
async function listStarted(client: Client, types: readonly string[], range: RecordRange): Promise<Listed[]> {
  const query =
    `WorkflowType IN (${types.map((t) => `'${t}'`).join(', ')}) AND ` +
    `TaskQueue = '${range.taskQueue.replaceAll("'", "\\'")}' AND ` +
    `StartTime >= '${new Date(range.sinceMs).toISOString()}'`;
  const listed: Listed[] = [];
  for await (const execution of client.workflow.list({ query })) {
    listed.push({
      workflowId: execution.workflowId,
      type: execution.type,
      startMs: execution.startTime.getTime(),
    });
  }
  return listed.sort((a, b) => a.startMs - b.startMs || a.workflowId.localeCompare(b.workflowId));
}

/** Reads one workflow through its query; a failure says which workflow, and what it takes to answer. */
async function ask<T>(workflow: Listed, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new RecordReadError(
      `could not read the audit of ${workflow.workflowId}: ${error instanceof Error ? error.message : String(error)}; ` +
        'a Countersign worker must be polling the task queue to answer for its workflows',
      { cause: error },
    );
  }
}

async function auditOf(client: Client, workflow: Listed): Promise<AuditEvent[]> {
  const read = AUDITED[workflow.type];
  return read ? await ask(workflow, () => read(client, workflow.workflowId)) : [];
}

/** The audit events of every run, gateway call, approval, standing approval and token started in the range. */
export async function readAuditEntries(client: Client, range: RecordRange): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (const workflow of await listStarted(client, Object.keys(AUDITED), range)) {
    for (const event of await auditOf(client, workflow)) {
      entries.push({ workflow_id: workflow.workflowId, workflow_type: workflow.type, event });
    }
  }
  return entries;
}

/**
 * The calls proposed in the runs and gateway calls started in the range, each with what the policy of the time did
 * with it (its `verdict` event) and the standing approval given with its approval, if any.
 */
export async function readPastCalls(client: Client, range: RecordRange): Promise<PastCall[]> {
  const runs = await listStarted(client, [agentWorkflow.name, gatewayCallWorkflow.name], range);
  const grants = await listStarted(client, [standingGrantWorkflow.name], range);
  /** How long each standing approval was given for, by the approval it was given with. */
  const grantedFor = new Map<string, number>();
  for (const grant of grants) {
    const status = await ask(grant, () =>
      client.workflow.getHandle(grant.workflowId).query(grantStatusQuery),
    );
    grantedFor.set(status.request_id, Date.parse(status.expires_at) - Date.parse(status.given_at));
  }
  const calls: PastCall[] = [];
  for (const run of runs) {
    const status = await ask(run, () => client.workflow.getHandle(run.workflowId).query(agentStatusQuery));
    const gateway = run.type === gatewayCallWorkflow.name;
    const proposals = new Map<string, Proposal>();
    for (const event of status.audit) {
      if (event.type === 'proposal') proposals.set(String(event.details.callId), event.details as Proposal);
      if (event.type !== 'verdict') continue;
      // A gateway call proposes one call; its verdict names none.
      const proposal = gateway ? [...proposals.values()][0] : proposals.get(String(event.details.call_id));
      const verdict = event.details.verdict as PastCall['verdict'];
      if (!proposal) continue;
      const granted = event.requestId === undefined ? undefined : grantedFor.get(event.requestId);
      calls.push({
        workflowId: run.workflowId,
        at: event.at,
        requesterId: status.requester.id,
        proposal,
        // What a gateway client has read is out of sight: its calls are met as after outside content (gateway-call.ts).
        readOutside:
          gateway || (Array.isArray(event.details.read_outside) && event.details.read_outside.length > 0),
        verdict,
        ...(verdict === 'standing_approval' ? { standingRule: String(event.details.rule) } : {}),
        ...(granted !== undefined ? { grantedForMs: granted } : {}),
      });
    }
  }
  return calls;
}

/**
 * A client of the Temporal Countersign runs on, for a command that only reads: the configured cluster, else the
 * embedded dev server `npm start` keeps on Temporal's usual port (it must be running; this starts none).
 */
export async function connectToRecords(
  temporal: Config['temporal'],
): Promise<{ client: Client; close(): Promise<void> }> {
  const target = temporal.address
    ? await resolveTemporal(temporal)
    : { address: `127.0.0.1:${USUAL_PORTS.frontend}`, namespace: temporal.namespace, connection: {} };
  const connection = await Connection.connect(connectionOptions(target)).catch((error: unknown) => {
    throw new RecordReadError(
      `could not reach Temporal at ${target.address}: ${error instanceof Error ? error.message : String(error)}; ` +
        'set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE) as the worker has them, or start Countersign (npm start)',
      { cause: error },
    );
  });
  return { client: new Client({ connection, namespace: target.namespace }), close: () => connection.close() };
}
