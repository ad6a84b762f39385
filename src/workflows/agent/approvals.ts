// The approvals a run asks for in its own workflow (the current code; runs from before started a child workflow for
// each). Each is an ApprovalRequest, as in an approval's own workflow (../approval.ts), and the run answers the same
// messages for it, found by the request id the message carries: the Slack app addresses an approval by its
// `workflow_id` and `request_id`, whichever workflow it lives in. The run's search attributes stand for its approvals.
import { setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { ApprovalInput } from '../../approval/schemas.js';
import { ApprovalRequest } from '../approval/request.js';
import { askUntilEnded } from '../approval.js';
import {
  approvalDecisionSignal,
  approvalStatusQuery,
  runApprovalsQuery,
  submitDecisionUpdate,
  withdrawRequestSignal,
} from '../messages.js';
import { runInboxAttributes } from '../search-attributes.js';

export class RunApprovals {
  /** By request id, oldest first. */
  private readonly requests = new Map<string, ApprovalRequest>();

  /** Asks for one approval in the run, `id` its place in it (`<run id>/approval-<n>`), until it ends. */
  ask(id: string, input: ApprovalInput) {
    const request = new ApprovalRequest(input, { id, index: () => this.index() });
    if (this.requests.size === 0) this.listen();
    this.requests.set(input.requestId, request);
    return askUntilEnded(request);
  }

  /**
   * The messages an approval's own workflow answers, registered with the run's first approval: a run without one is
   * not an approval to anyone who asks. A message for a request id the run does not hold goes to the approval the
   * query would answer with, whose rules refuse it as for another request, as an approval's own workflow does.
   */
  private listen(): void {
    setHandler(approvalStatusQuery, (requestId) => this.find(requestId).snapshot);
    setHandler(runApprovalsQuery, () => [...this.requests.values()].map((r) => r.snapshot));
    setHandler(submitDecisionUpdate, (payload) => this.find(payload?.request_id).submit(payload), {
      validator: (payload) => this.find(payload?.request_id).validate(payload),
    });
    setHandler(approvalDecisionSignal, (raw) => void this.find(requestIdOf(raw)).decide(raw, 'signal'));
    setHandler(withdrawRequestSignal, (raw) => this.find(requestIdOf(raw)).withdraw(raw));
  }

  /** The approval with this request id; else the first still pending; else the latest. */
  private find(requestId: unknown): ApprovalRequest {
    const all = [...this.requests.values()];
    const found =
      (typeof requestId === 'string' ? this.requests.get(requestId) : undefined) ??
      all.find((r) => r.pending) ??
      all.at(-1);
    // Registered with the first approval, so there is always one.
    return found as ApprovalRequest;
  }

  /** The run's search attributes, as its approvals stand: what the inbox lists it by. */
  private index(): void {
    upsertSearchAttributes(runInboxAttributes([...this.requests.values()].map((r) => r.snapshot)));
  }
}

/** A signal's request id, read from a payload nothing has checked yet. */
function requestIdOf(raw: unknown): unknown {
  return typeof raw === 'object' && raw !== null ? (raw as { request_id?: unknown }).request_id : undefined;
}
