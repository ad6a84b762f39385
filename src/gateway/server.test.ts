import { describe, expect, it } from 'vitest';
import { callResult, gatewayCallId } from './server.js';

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
