// The session activity reads each waiting call's approval for its streamed task: asked of the workflow it lives in, by
// its request id (an approval in its run), or of the approval's own workflow, named by the plain id a task scheduled by
// code from before carries. The Slack Web API is the local fake; Temporal's client is a stand-in that answers the query.
import { WebClient } from '@slack/web-api';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlackApi, startFakeSlackApi } from '../../test/fakes/slack-api.js';
import { approvalOfCall, checkedCall } from '../../test/support/calls.js';
import type { SessionUpdate } from '../approval/session.js';
import { createSessionActivities } from './session.js';

let fake: FakeSlackApi;
let slack: WebClient;

beforeAll(async () => {
  fake = await startFakeSlackApi({
    users: [
      { id: 'U0ANA', name: 'ana' },
      { id: 'U0REQ', name: 'rae' },
    ],
  });
  slack = new WebClient('xoxb-unit', { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
});

afterAll(() => fake.close());

/** What the stand-in client was asked: which workflow, with which query arguments. */
const asked: Array<{ workflowId: string; args: unknown[] }> = [];

const client = {
  // The activity environment binds the client to the activity's cancellation.
  withAbortSignal: <T>(_signal: AbortSignal, call: () => T) => call(),
  workflow: {
    getHandle: (workflowId: string) => ({
      query: async (_query: unknown, ...args: unknown[]) => {
        asked.push({ workflowId, args });
        // Pending, its stage open to Ana; its card in the approvals channel.
        return approvalOfCall(checkedCall('archive_channel', { channel: 'C0OLD' }, 'high'), {
          card: { channel: 'C0APPROVALS', ts: '1.1' },
        });
      },
    }),
  },
} as unknown as Client;

describe('showSession, for calls waiting for approval', () => {
  it('reads an approval in its run by its request id, and one from before by its own workflow id', async () => {
    const update: SessionUpdate = {
      runId: 'run-2',
      session: { channel: 'D0REQ', threadTs: '1.0', teamId: 'T0TEST', via: 'messages_tab' },
      requesterId: 'U0REQ',
      request: 'archive two channels',
      status: 'suspended',
      first: true,
      tasks: [
        {
          id: 'call-in-run',
          tool: 'archive_channel',
          state: 'waiting_for_approval',
          approval: { workflowId: 'run-2', requestId: 'req-2' },
        },
        // As code from before scheduled it: the approval's own workflow id, a string.
        {
          id: 'call-from-before',
          tool: 'archive_channel',
          state: 'waiting_for_approval',
          approval: 'run-1/approval-1' as unknown as { workflowId: string; requestId: string },
        },
      ],
      stream: { kind: 'none' },
    };
    const { showSession } = createSessionActivities({ slack });
    await new MockActivityEnvironment({}, { client }).run(showSession, update);

    expect(asked).toEqual([
      { workflowId: 'run-2', args: ['req-2'] },
      { workflowId: 'run-1/approval-1', args: [undefined] },
    ]);
    // Both tasks say who they wait for.
    const stream = fake.callsTo('chat.startStream')[0];
    const waiting = ((stream?.args.chunks ?? []) as Array<{ details?: string }>).filter((c) =>
      c.details?.startsWith('Waiting for @ana'),
    );
    expect(waiting).toHaveLength(2);
  });
});
