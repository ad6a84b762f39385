import { describe, expect, it } from 'vitest';
import { EARLIER_RUNS_MAX, EARLIER_TURN_TEXT_MAX, earlierTurns } from './conversation.js';
import type { AgentStatus, RunOutcome } from './run.js';

type Run = Pick<AgentStatus, 'request' | 'started_at' | 'outcome'>;

const requester = { id: 'U0REQUESTER' };

function run(request: string, startedAt: string, outcome: Partial<RunOutcome> | null): Run {
  return {
    request,
    started_at: startedAt,
    outcome: outcome && { status: 'completed', requester, actions: [], approvals: [], ...outcome },
  };
}

describe('earlierTurns', () => {
  it('gives each run’s request and what the agent said, oldest first', () => {
    const turns = earlierTurns([
      run('archive it', '2026-12-06T10:05:00Z', { answer: 'Archived.' }),
      run('what is #x?', '2026-12-06T10:00:00Z', { answer: 'A channel.' }),
    ]);
    expect(turns).toEqual([
      { role: 'user', text: 'what is #x?' },
      { role: 'agent', text: 'A channel.' },
      { role: 'user', text: 'archive it' },
      { role: 'agent', text: 'Archived.' },
    ]);
  });

  it('tells the model a run that ended without an answer, and why', () => {
    const turns = earlierTurns([
      run('archive it', '2026-12-06T10:00:00Z', {
        status: 'cancelled',
        reason: 'withdrawn by the requester before anyone decided',
      }),
    ]);
    expect(turns[1]).toEqual({
      role: 'agent',
      text: '(The run ended cancelled: withdrawn by the requester before anyone decided.)',
    });
  });

  it('carries only the last runs, each text cut to its bound', () => {
    const runs = Array.from({ length: EARLIER_RUNS_MAX + 2 }, (_, i) =>
      run(`request ${i} ${'x'.repeat(EARLIER_TURN_TEXT_MAX)}`, `2026-12-06T10:0${i}:00Z`, {
        answer: `answer ${i}`,
      }),
    );
    const turns = earlierTurns(runs);
    expect(turns).toHaveLength(EARLIER_RUNS_MAX * 2);
    expect(turns[0]?.text.startsWith('request 2 ')).toBe(true);
    expect(Array.from(turns[0]?.text ?? '')).toHaveLength(EARLIER_TURN_TEXT_MAX);
    expect(turns[0]?.text.endsWith('…')).toBe(true);
  });
});
