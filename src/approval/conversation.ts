// A conversation with the agent in a Slack thread: each message of the requester's there is a run of its own, and the
// model hears the thread's earlier turns with it. What is carried, and how much, is decided here.
import type { AgentInput, AgentStatus } from './run.js';

export type Turn = NonNullable<AgentInput['earlier']>[number];

/**
 * Earlier runs of a thread whose turns the model hears: enough to follow up on the last few exchanges, few enough that
 * a long thread does not grow every model call (each carried run is also one Temporal query when a reply arrives).
 */
export const EARLIER_RUNS_MAX = 5;

/** Characters of one carried turn: a request or an answer past this is cut (the model only needs its gist). */
export const EARLIER_TURN_TEXT_MAX = 2_000;

const CUT = '…';

function bounded(text: string): string {
  const chars = Array.from(text);
  return chars.length <= EARLIER_TURN_TEXT_MAX
    ? text
    : `${chars.slice(0, EARLIER_TURN_TEXT_MAX - CUT.length).join('')}${CUT}`;
}

/** What the agent said at the end of a run: its answer, or why it stopped (the model should know it did not act). */
function agentSaid(run: Pick<AgentStatus, 'outcome'>): string | undefined {
  const outcome = run.outcome;
  if (!outcome) return undefined;
  if (outcome.answer !== undefined) return outcome.answer;
  return outcome.reason ? `(The run ended ${outcome.status}: ${outcome.reason}.)` : undefined;
}

/**
 * The turns of a thread's earlier runs, oldest first, for the model: the requester's request and what the agent said,
 * of the last EARLIER_RUNS_MAX runs only, each text cut to EARLIER_TURN_TEXT_MAX.
 */
export function earlierTurns(
  runs: readonly Pick<AgentStatus, 'request' | 'started_at' | 'outcome'>[],
): Turn[] {
  return runs
    .toSorted((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at))
    .slice(-EARLIER_RUNS_MAX)
    .flatMap((run): Turn[] => {
      const said = agentSaid(run);
      const asked: Turn = { role: 'user', text: bounded(run.request) };
      return said === undefined ? [asked] : [asked, { role: 'agent', text: bounded(said) }];
    });
}
