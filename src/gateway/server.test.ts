import { describe, expect, it } from 'vitest';
import { answerUntilMs } from '../workflows/gateway-call.js';
import { callResult, gatewayCallId, stillAnswers } from './server.js';

const text = (result: ReturnType<typeof callResult>) =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('what an MCP client is given', () => {
  it('the upstream tool’s own text and structured content when the call ran', () => {
    const result = callResult({
      status: 'ran',
      result: {
        ok: true,
        result: { summary: 'files · read', data: { text: 'hello', structured: { n: 1 } } },
      },
    });
    expect(result.isError).toBeUndefined();
    expect(text(result)).toBe('hello');
    expect(result.structuredContent).toEqual({ n: 1 });
  });

  it('an error result with the approver and their notes when rejected, saying nothing ran', () => {
    const result = callResult({
      status: 'rejected',
      reviewer: { id: 'U0ANA', name: 'ana' },
      notes: 'not there',
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('Rejected by ana in Slack; nothing was run. Their notes: not there');
  });

  it('an error result when nobody approved in time, or the call may have run', () => {
    expect(callResult({ status: 'timed_out', notes: null })).toMatchObject({ isError: true });
    const unknown = callResult({ status: 'ran', result: { ok: false, unknown: true, error: 'timeout' } });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toContain('may have run');
  });

  it('says when an approver changed the call before it ran', () => {
    const result = callResult({
      status: 'ran',
      result: { ok: true, result: { summary: 'done' } },
      edits: ['content: "a" → "b"'],
    });
    expect(text(result)).toContain('An approver changed this call before approving it: content: "a" → "b"');
  });

  it('names a call by its caller and its digest, so the same call from the same client is one workflow', () => {
    expect(gatewayCallId('0123456789abcdef', 'sha256:ff00')).toBe('gateway/0123456789abcdef/ff00');
  });
});

describe('asking the same call again after its outcome', () => {
  const HOUR_MS = 3_600_000;
  const asked = Date.parse('2026-12-06T10:00:00Z');

  it('is given the outcome for the approval’s whole possible lifetime, and at least an hour after a decision', () => {
    // Two stages of 4h: decided after 10 minutes, the outcome stands until the 8h the approval could have taken.
    expect(answerUntilMs(asked, [4 * HOUR_MS, 4 * HOUR_MS], asked + 600_000)).toBe(asked + 8 * HOUR_MS);
    // A 2h stage decided at its last minute: an hour after the decision.
    const late = asked + 2 * HOUR_MS - 60_000;
    expect(answerUntilMs(asked, [2 * HOUR_MS], late)).toBe(late + HOUR_MS);
  });

  it('is a new call once that time has passed, or when the outcome says no such time', () => {
    const outcome = { answer_until: new Date(asked + HOUR_MS).toISOString() };
    expect(stillAnswers(outcome, asked + HOUR_MS - 1)).toBe(true);
    expect(stillAnswers(outcome, asked + HOUR_MS)).toBe(false);
    expect(stillAnswers({}, asked)).toBe(false);
  });
});
