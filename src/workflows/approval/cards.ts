// The request's cards and notes in Slack: the first card (without which nothing can be decided), copies where a stage
// escalates, notes in the first card's thread, and every card kept in step with the snapshot. What Slack refuses for
// good after the first card is audited, and the approval goes on.
import { ActivityFailure, isCancellation } from '@temporalio/workflow';
import type { ApprovalNote, SlackMessageRef } from '../../approval/schemas.js';
import { approvalSlack as slack } from '../activities.js';
import { activityReason } from '../audit.js';
import type { ApprovalRequest } from './request.js';

export class ApprovalCards {
  /** Notes posted so far: each note's id is the request's and its number, so a retried post is not doubled. */
  private notes = 0;

  constructor(private readonly request: ApprovalRequest) {}

  /**
   * Slack I/O that must not undo a decision: Temporal retries what can succeed, so a failure here is Slack
   * refusing for good (a card deleted, the bot removed from a channel). It is audited, and the approval goes on.
   */
  private async bestEffort(what: string, post: () => Promise<unknown>): Promise<void> {
    try {
      await post();
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      this.request.record('slack_refused', 'system', { what, error: activityReason(error) });
    }
  }

  /** Every card shows the snapshot as it stands. */
  async update(): Promise<void> {
    const { snapshot } = this.request;
    await Promise.all(
      snapshot.cards.map((card) =>
        this.bestEffort(`updating the card in ${card.channel}`, () =>
          slack.updateApprovalCard(snapshot, card),
        ),
      ),
    );
  }

  /** A note in the first card's thread. */
  async postNote(note: ApprovalNote): Promise<void> {
    const thread = this.request.snapshot.card;
    if (!thread) return;
    this.notes += 1;
    const noteId = `${this.request.input.requestId}/note-${this.notes}`;
    await this.bestEffort(`posting the ${note.kind.replace('_', ' ')} note`, () =>
      slack.postApprovalNote({ channel: thread.channel, threadTs: thread.ts, noteId, note }),
    );
  }

  /** The first card, or false when Slack refuses it for good: then the request ends, nothing run. */
  async postFirst(): Promise<boolean> {
    const { request } = this;
    const channel = request.input.channel;
    try {
      this.add(await slack.postApprovalCard({ snapshot: request.snapshot, channel }), false);
      return true;
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      const reason = activityReason(error);
      request.snapshot.failure = `the approval card could not be posted (${reason})`;
      // A withdrawal while Slack was being asked stands: the request was cancelled either way.
      if (request.pending) request.snapshot.status = 'cancelled';
      request.record('card_not_posted', 'system', { channel, error: reason });
      return false;
    }
  }

  /** A copy of the card where an escalation asks, unless one is there already. */
  async postCopy(channel: string): Promise<void> {
    const { snapshot } = this.request;
    if (snapshot.cards.some((c) => c.channel === channel)) return;
    await this.bestEffort(`posting a copy of the card in ${channel}`, async () => {
      this.add(await slack.postApprovalCard({ snapshot, channel }), true);
    });
  }

  private add(card: SlackMessageRef, copy: boolean): void {
    const { snapshot } = this.request;
    snapshot.cards.push(card);
    snapshot.card ??= card;
    this.request.record('card_posted', 'system', {
      channel: card.channel,
      ts: card.ts,
      ...(copy ? { copy: true } : {}),
    });
  }
}
