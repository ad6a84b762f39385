import { describe, expect, it } from 'vitest';
import { plainSlackText, SESSION_TITLE_MAX, sessionTitle, taskChunk } from './session.js';

describe('session titles', () => {
  it('shows Slack markup as the plain text Slack takes for a title', () => {
    expect(
      plainSlackText('archive <#C0OLD|old-project> for <@U0ANA> <!channel> <https://x.example|the doc>'),
    ).toBe('archive #old-project for @U0ANA channel the doc');
    expect(plainSlackText('ask <@U0ANA|ana>\nabout <!subteam^S1|@security>')).toBe(
      'ask @ana about @security',
    );
  });

  it('names who the run waits for, and fits Slack’s 200 characters', () => {
    expect(sessionTitle('archive <#C0OLD|old-project>', ['@ana'])).toBe(
      'Waiting for @ana: archive #old-project',
    );
    expect(sessionTitle('archive it', [])).toBe('Waiting for approval: archive it');
    expect(sessionTitle('archive it')).toBe('archive it');
    expect(Array.from(sessionTitle('x'.repeat(500), ['@ana'])).length).toBe(SESSION_TITLE_MAX);
    expect(sessionTitle('   ')).toBe('Countersign request');
  });
});

describe('task chunks', () => {
  it('maps each state of a call to a task Slack takes', () => {
    const task = { id: 'call_1', tool: 'archive_channel' };
    expect(taskChunk({ ...task, state: 'pending' })).toEqual({
      type: 'task_update',
      id: 'call_1',
      title: 'archive_channel — proposed',
      status: 'pending',
    });
    expect(taskChunk({ ...task, state: 'running' }).status).toBe('in_progress');
    expect(taskChunk({ ...task, state: 'done' }).status).toBe('complete');
    expect(taskChunk({ ...task, state: 'may_have_run', note: 'timed out' })).toMatchObject({
      title: 'archive_channel — may have run: check before retrying',
      status: 'error',
      details: 'timed out',
    });
  });

  it('says who a waiting call waits for, until when, with a link to its card', () => {
    const chunk = taskChunk(
      {
        id: 'c',
        tool: 'archive_channel',
        state: 'waiting_for_approval',
        approval: { workflowId: 'run', requestId: 'r1' },
      },
      {
        who: ['@ana', '@bob'],
        expiresAt: '2026-12-06T14:05:09.000Z',
        link: 'https://t.slack.com/archives/C1/p1',
      },
    );
    expect(chunk).toMatchObject({
      status: 'pending',
      details:
        'Waiting for @ana, @bob until 2026-12-06 14:05 UTC — [the approval card](https://t.slack.com/archives/C1/p1)',
    });
  });

  it('escapes notes, so that a reviewer’s words neither mention nor broadcast', () => {
    const chunk = taskChunk({ id: 'c', tool: 't', state: 'rejected', note: 'no <!channel> <@U0ANA>' });
    expect(chunk.details).toBe('no &lt;!channel&gt; &lt;@U0ANA&gt;');
  });
});
