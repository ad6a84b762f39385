// A run asked for in a conversation, as its thread shows it while it works: Slack's agent session (a status and a
// title) and the run's plan streamed into one message, one task per tool call. The workflow produces these; the
// session activity and its Block Kit-free builders read them.

import type { AgentInput, RunOutcome } from './run.js';
import type { ApprovalRef } from './schemas.js';

/** Slack's agent session statuses (https://docs.slack.dev/ai/agent-sessions). */
export const SESSION_STATUSES = ['processing', 'suspended', 'active', 'closed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export type AgentSession = NonNullable<AgentInput['session']>;

/** Where one tool call of the run stands. */
export type TaskState =
  | 'pending'
  | 'waiting_for_approval'
  | 'running'
  | 'done'
  | 'rejected'
  | 'failed'
  | 'may_have_run';

export interface SessionTask {
  /** The model's call id: one task per tool call, for the whole run. */
  id: string;
  tool: string;
  state: TaskState;
  /** The approval it waits for, while it waits: the workflow it lives in, and its request id. */
  approval?: ApprovalRef;
  /** What a person or the tool said: the reviewer's notes on a rejection, the error of a failure. */
  note?: string;
}

/**
 * The run's stream in the thread: not yet started, open at `ts` (with what each task showed last, so that only what
 * changed is sent), or refused by Slack (the run then posts as it does without a session).
 */
export type SessionStream =
  | { kind: 'none' }
  | { kind: 'open'; ts: string; shown: Record<string, string> }
  | { kind: 'refused'; error: string };

/** One change of the session as the workflow asks for it: everything the thread should show now. */
export interface SessionUpdate {
  runId: string;
  session: AgentSession;
  requesterId: string;
  request: string;
  status: SessionStatus;
  /** The status shown before this update: an unchanged one is not set again. */
  previous?: SessionStatus;
  /** The first update creates the session (with its title and who started it); later ones only change it. */
  first: boolean;
  /** The title changes: it names who the run now waits for, or no longer does. */
  retitle?: boolean;
  /** The run ends here: its stream stops and its session is closed (after `status`, when that is not `closed`). */
  end?: boolean;
  tasks: SessionTask[];
  stream: SessionStream;
  /** The run's result, streamed into the same message, which then stops; the session becomes active, then closed. */
  answer?: RunOutcome;
}

export interface SessionShown {
  stream: SessionStream;
  /** The stream carried `answer`: the run must not post it again. */
  answered: boolean;
  /** What Slack refused for good (best effort: audited, never fatal). */
  refused: Array<{ what: string; error: string }>;
}
