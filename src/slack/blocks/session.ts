// What a run's agent session shows in Slack: its title, and one task chunk per tool call in the streamed plan.
import type { TaskUpdateChunk } from '@slack/types';
import type { SessionTask, TaskState } from '../../approval/session.js';
import { safeText, truncate } from './text.js';

/** agents.sessions.setStatus / rename take a title of 1-200 characters (docs.slack.dev/reference/methods/agents.sessions.rename). */
export const SESSION_TITLE_MAX = 200;
/** chat.startStream / appendStream / stopStream: "Limit this field to 12,000 characters" (markdown_text). */
export const STREAM_MARKDOWN_MAX = 12_000;
/** A task's title is one line of the plan; Slack cuts longer ones (observed near 256 characters, not documented). */
const TASK_TITLE_MAX = 120;
/** A task's details: who it waits for and until when, or a reviewer's notes. */
const TASK_DETAILS_MAX = 1000;

/**
 * Slack markup as the plain text a title shows: `<#C1|old-project>` → `#old-project`, `<@U1>` → `@U1`, a link → its
 * label. A title is plain text, so nothing in it may mention, broadcast or link.
 */
export function plainSlackText(text: string): string {
  return text
    .replace(/<([#@!])([^>|]*)\|([^>]*)>/g, (_, sigil: string, _id: string, label: string) =>
      sigil === '!' ? label : `${sigil}${label}`,
    )
    .replace(/<([#@])([^>|]*)>/g, '$1$2')
    .replace(/<!([^>|]*)>/g, '$1')
    .replace(/<([^>|]*)\|([^>]*)>/g, '$2')
    .replace(/<([^>]*)>/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The session's title: the request, or who it waits for first ("Waiting for @ana: archive #old-project"). */
export function sessionTitle(request: string, waitingFor?: readonly string[]): string {
  const asked = plainSlackText(request) || 'Countersign request';
  if (!waitingFor) return truncate(asked, SESSION_TITLE_MAX);
  const who = waitingFor.length > 0 ? ` for ${waitingFor.join(', ')}` : ' for approval';
  return truncate(`Waiting${who}: ${asked}`, SESSION_TITLE_MAX);
}

/** Where an approval stands, as the waiting task says it. */
export interface WaitingView {
  /** `@ana`, `@sam`…; empty when anyone in the workspace may decide. */
  who: string[];
  expiresAt: string;
  /** The card's permalink, when Slack gave one. */
  link?: string;
}

const CHUNK_STATUS: Record<TaskState, TaskUpdateChunk['status']> = {
  pending: 'pending',
  waiting_for_approval: 'pending',
  running: 'in_progress',
  done: 'complete',
  rejected: 'error',
  failed: 'error',
  may_have_run: 'error',
};

const STATE_WORDS: Record<TaskState, string> = {
  pending: 'proposed',
  waiting_for_approval: 'waiting for approval',
  running: 'running',
  done: 'done',
  rejected: 'rejected',
  failed: 'failed',
  may_have_run: 'may have run: check before retrying',
};

/** "2026-12-06 14:05 UTC": a stream shows text as written, so no reader-local date formatting. */
function utcMinute(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime())
    ? safeText(iso, 40)
    : `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function waitingDetails(waiting: WaitingView): string {
  const who = waiting.who.length > 0 ? waiting.who.map((w) => safeText(w, 80)).join(', ') : 'an approver';
  const card = waiting.link ? ` — [the approval card](${waiting.link})` : '';
  return `Waiting for ${who} until ${utcMinute(waiting.expiresAt)}${card}`;
}

/** One tool call as a task of the streamed plan; `waiting`: its approval, while it waits for one. */
export function taskChunk(task: SessionTask, waiting?: WaitingView): TaskUpdateChunk {
  const details =
    task.state === 'waiting_for_approval' && waiting
      ? waitingDetails(waiting)
      : task.note
        ? safeText(task.note, TASK_DETAILS_MAX)
        : undefined;
  return {
    type: 'task_update',
    id: task.id,
    title: truncate(`${task.tool} — ${STATE_WORDS[task.state]}`, TASK_TITLE_MAX),
    status: CHUNK_STATUS[task.state],
    ...(details ? { details: truncate(details, TASK_DETAILS_MAX) } : {}),
  };
}
