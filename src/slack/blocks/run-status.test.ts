import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../approval/run.js';
import {
  noRunText,
  nothingToWithdrawText,
  runStatusText,
  withdrawnText,
  withdrawUnconfirmedText,
} from './run-status.js';

const status: AgentStatus = {
  run_id: 'run-abc',
  status: 'waiting_for_approval',
  request: 'archive <#C0OLD|old> <!channel>',
  requester: { id: 'U0REQ', name: 'rita' },
  started_at: '2025-01-01T00:00:00Z',
  steps: 1,
  pending_approval: { request_id: 'r1', workflow_id: 'run-abc/approval-1', tool: 'archive_channel' },
  thread: null,
  outcome: null,
  audit: [],
};

describe('runStatusText', () => {
  it('shows the run, who asked, the request escaped, and what it waits on', () => {
    const text = runStatusText(status);
    expect(text).toContain('run-abc');
    expect(text).toContain('waiting for approval');
    expect(text).toContain('<@U0REQ>');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('archive_channel');
  });
});

describe('noRunText', () => {
  it('names only the id it was given, escaped', () => {
    const text = noRunText('run-<!here>');
    expect(text).toContain('No run with id');
    expect(text).toContain('run-&lt;!here&gt;');
    expect(text).not.toContain('<!here>');
  });
});

describe('withdrawal texts', () => {
  it('say what happened in plain words, with foreign text escaped', () => {
    expect(nothingToWithdrawText({ run_id: 'run-abc', status: 'completed' })).toMatch(
      /Nothing to withdraw: run `run-abc` .*\(it is completed\)/,
    );
    expect(withdrawnText('run-abc', 'a<b>')).toContain('will not `a&lt;b&gt;`');
    expect(withdrawUnconfirmedText('run-abc')).toContain('/agent status run-abc');
  });
});
