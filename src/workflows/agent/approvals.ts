// The approvals a run asks for in its own workflow (the current code; runs from before started a child workflow for
// each). Each is an ApprovalRequest, as in an approval's own workflow (../approval.ts), and the run answers the same
// messages for it, found by the request id the message carries: the Slack app addresses an approval by its
// `workflow_id` and `request_id`, whichever workflow it lives in. The run's search attributes stand for its approvals.
import { setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { ApprovalInput } from '../../approval/schemas.js';
import { ApprovalRequest } from '../approval/request.js';
import { answerApprovalMessages, askUntilEnded } from '../approval.js';
import { runApprovalsQuery } from '../messages.js';
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
   * The messages an approval's own workflow answers, and the list of the run's approvals, registered with its first
   * approval: a run without one is not an approval to anyone who asks. A message for a request id the run does not
   * hold goes to the approval the query would answer with, whose rules refuse it as for another request, as an
   * approval's own workflow does.
   */
  private listen(): void {
    answerApprovalMessages((requestId) => this.find(requestId));
    setHandler(runApprovalsQuery, () => [...this.requests.values()].map((r) => r.snapshot));
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
