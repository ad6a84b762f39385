// A run's agent session in Slack (https://docs.slack.dev/ai/agent-sessions): its status and title
// (agents.sessions.setStatus / rename), and its plan streamed into the thread (chat.startStream / appendStream /
// stopStream), one task per tool call. All of it is best effort: a refusal is returned for the audit and never fails
// the run; Slack's own trouble is thrown, for Temporal's bounded retries.
import type { AnyChunk } from '@slack/types';
import { WebAPIPlatformError, type WebClient } from '@slack/web-api';
import { Context, log } from '@temporalio/activity';
import type { RunOutcome } from '../approval/run.js';
import type { ApprovalRef } from '../approval/schemas.js';
import type { SessionShown, SessionStream, SessionTask, SessionUpdate } from '../approval/session.js';
import { runResultText } from '../slack/blocks/run-result.js';
import { STREAM_MARKDOWN_MAX, sessionTitle, taskChunk, type WaitingView } from '../slack/blocks/session.js';
import { truncate } from '../slack/blocks/text.js';
import { approvalStatusQuery } from '../workflows/messages.js';
import { asTemporalFailure, labelsOf, refusedForGood } from './slack.js';

/**
 * How long waiting tasks look for their approvals' cards, which an approval posts just after it starts: well within
 * the activity's 30 seconds.
 */
const CARD_WAIT_MS = 10_000;
const CARD_POLL_MS = 250;
/** Slack's answer to an append or a stop on a stream that has ended (stopped, or past its lifetime). */
const STREAM_ENDED = 'message_not_in_streaming_state';

type Refusals = SessionShown['refused'];

function errorCode(error: unknown): string | undefined {
  return error instanceof WebAPIPlatformError ? error.data.error : undefined;
}

/** The code of a refusal for good, noted; Slack's own trouble goes to Temporal, to be retried. */
function noteRefusal(refused: Refusals, what: string, error: unknown): string {
  const code = refusedForGood(error);
  if (!code) asTemporalFailure(error, what);
  log.warn('Slack refused part of an agent session', { what, error: code });
  refused.push({ what, error: code });
  return code;
}

export function createSessionActivities(deps: { slack: WebClient }) {
  const { slack } = deps;

  /**
   * Who an approval waits for, until when, and its card's link (looked for until `deadline`); undefined when it cannot
   * be read.
   */
  const waitingView = async (
    approval: ApprovalRef | string,
    requesterId: string,
    deadline: number,
  ): Promise<WaitingView | undefined> => {
    // A task scheduled by code from before approvals lived in their runs names the approval's own workflow.
    const { workflowId, requestId } = typeof approval === 'string' ? { workflowId: approval } : approval;
    const handle = Context.current().client.workflow.getHandle(workflowId);
    try {
      let status = await handle.query(approvalStatusQuery, requestId);
      while (!status.card && status.status === 'pending' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, CARD_POLL_MS));
        status = await handle.query(approvalStatusQuery, requestId);
      }
      const users = status.eligibility.kind === 'listed' ? status.eligibility.users : [];
      const labels = await labelsOf(slack, { users }, requesterId);
      const who = users.map((id) => labels[id] ?? `@${id}`);
      const card = status.card;
      const link = card
        ? await slack.chat
            .getPermalink({ channel: card.channel, message_ts: card.ts })
            .then((answer) => answer.permalink)
            .catch(() => undefined)
        : undefined;
      return { who, expiresAt: status.expires_at, ...(link ? { link } : {}) };
    } catch (error) {
      log.info('could not read an approval for the session', {
        workflowId,
        requestId,
        error: (error as Error).message,
      });
      return undefined;
    }
  };

  return {
    /**
     * Shows one change of a run in its thread: the session's status (created on the first update with its title and
     * who started it; retitled while it waits for people), the tasks that changed in the stream, and at the end the
     * answer streamed into the same message. A stream Slack refuses is not tried again in this run.
     */
    async showSession(update: SessionUpdate): Promise<SessionShown> {
      const { session } = update;
      const refused: Refusals = [];
      const thread = { channel_id: session.channel, thread_ts: session.threadTs };
      // Calls asked together wait at once, so their cards are looked for together, within one bound.
      const deadline = Date.now() + CARD_WAIT_MS;
      const waiting = update.tasks.filter((t) => t.state === 'waiting_for_approval' && t.approval);
      const views = await Promise.all(
        waiting.map((t) => waitingView(t.approval as ApprovalRef | string, update.requesterId, deadline)),
      );
      const waits = new Map<string, WaitingView>();
      for (const [i, view] of views.entries()) if (view) waits.set((waiting[i] as SessionTask).id, view);
      const chunkOf = (task: SessionTask) => taskChunk(task, waits.get(task.id));
      const shownOf = (tasks: SessionTask[]) =>
        Object.fromEntries(tasks.map((t) => [t.id, JSON.stringify(chunkOf(t))]));
      let stream: SessionStream = update.stream;
      const changed = (): SessionTask[] => {
        if (stream.kind !== 'open') return [];
        const { shown } = stream;
        return update.tasks.filter((t) => shown[t.id] !== JSON.stringify(chunkOf(t)));
      };

      /** A stream in the thread with every task (a stream that ended is started again, its tasks replayed). */
      const start = async (extra: AnyChunk[]): Promise<string | undefined> => {
        try {
          const started = await slack.chat.startStream({
            channel: session.channel,
            thread_ts: session.threadTs,
            recipient_user_id: update.requesterId,
            recipient_team_id: session.teamId,
            task_display_mode: 'plan',
            chunks: [
              { type: 'plan_update', title: sessionTitle(update.request) },
              ...update.tasks.map(chunkOf),
              ...extra,
            ],
          });
          const ts = started.ts ?? '';
          stream = { kind: 'open', ts, shown: shownOf(update.tasks) };
          return ts;
        } catch (error) {
          stream = { kind: 'refused', error: noteRefusal(refused, 'starting the run’s stream', error) };
          return undefined;
        }
      };
      const stop = (ts: string, chunks: AnyChunk[], status: SessionUpdate['status']) =>
        slack.chat.stopStream({ channel: session.channel, ts, chunks, session_status: status });

      /** The answer into the stream, which stops with it: whether the stream carried it. */
      const streamAnswer = async (outcome: RunOutcome): Promise<boolean> => {
        // The same words the run would post: one text for both ways of telling the requester.
        const text: AnyChunk = {
          type: 'markdown_text',
          text: truncate(runResultText(outcome), STREAM_MARKDOWN_MAX),
        };
        if (stream.kind === 'open') {
          try {
            await stop(stream.ts, [...changed().map(chunkOf), text], 'active');
            return true;
          } catch (error) {
            // A retry that finds the stream stopped stopped it itself: only Slack's answer was lost.
            if (errorCode(error) === STREAM_ENDED && Context.current().info.attempt > 1) return true;
            if (errorCode(error) !== STREAM_ENDED) {
              stream = { kind: 'refused', error: noteRefusal(refused, 'ending the run’s stream', error) };
              return false;
            }
          }
        }
        // No stream yet (the model answered at once), or it ended before the answer (past its lifetime).
        const ts = await start([text]);
        if (ts === undefined) return false;
        await stop(ts, [], 'active').catch((error: unknown) =>
          noteRefusal(refused, 'ending the run’s stream', error),
        );
        return true;
      };

      const setStatus = (status: SessionUpdate['status'], creating: boolean) =>
        slack.agents.sessions
          .setStatus({
            ...thread,
            status,
            ...(creating
              ? { title: sessionTitle(update.request), initiator_user_id: update.requesterId }
              : {}),
          })
          .catch((error: unknown) => noteRefusal(refused, `setting the session ${status}`, error));

      if (update.answer !== undefined) {
        const answered = stream.kind !== 'refused' && (await streamAnswer(update.answer));
        // Not streamed: the run posts its answer and comes back to end the session.
        if (!answered) return { stream, answered, refused };
        await setStatus('closed', false);
        return { stream: { kind: 'none' }, answered, refused };
      }

      if (update.end) {
        // The stream's stop sets the session's status too; without one, setStatus does.
        let stopped = false;
        if (stream.kind === 'open') {
          const { ts } = stream;
          stopped = await stop(ts, changed().map(chunkOf), update.status).then(
            () => true,
            (error: unknown) => {
              if (errorCode(error) !== STREAM_ENDED) noteRefusal(refused, 'ending the run’s stream', error);
              return false;
            },
          );
          stream = { kind: 'none' };
        }
        if (!stopped) await setStatus(update.status, update.first);
        if (update.status !== 'closed') await setStatus('closed', false);
        return { stream, answered: false, refused };
      }

      if (update.first || update.status !== update.previous) await setStatus(update.status, update.first);
      if (update.retitle && !update.first) {
        const waitingFor =
          update.status === 'suspended' ? [...new Set([...waits.values()].flatMap((w) => w.who))] : undefined;
        await slack.agents.sessions
          .rename({ ...thread, title: sessionTitle(update.request, waitingFor) })
          .catch((error: unknown) => noteRefusal(refused, 'renaming the session', error));
      }
      if (stream.kind === 'none' && update.tasks.length > 0) await start([]);
      else if (stream.kind === 'open') {
        const fresh = changed();
        const open = stream;
        if (fresh.length > 0) {
          try {
            await slack.chat.appendStream({
              channel: session.channel,
              ts: open.ts,
              chunks: fresh.map(chunkOf),
            });
            stream = { ...open, shown: { ...open.shown, ...shownOf(fresh) } };
          } catch (error) {
            if (errorCode(error) === STREAM_ENDED) await start([]);
            else
              stream = { kind: 'refused', error: noteRefusal(refused, 'adding to the run’s stream', error) };
          }
        }
      }
      return { stream, answered: false, refused };
    },
  };
}
