// Every audit event is emitted as one JSON log line, ready for a SIEM.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunOutcome } from '../../src/approval/run.js';
import { createLogger } from '../../src/logger.js';
import { installTemporalRuntime } from '../../src/temporal/runtime.js';
import { agentStatusQuery } from '../../src/workflows/messages.js';
import { functionCall, message } from '../fakes/openai.js';
import { type Engine, PEOPLE, proposal, scriptModel, startEngine } from '../support/engine.js';

const lines: string[] = [];
let engine: Engine;

beforeAll(async () => {
  // Before any connection: this file's process logs through the same adapter as `npm start`.
  installTemporalRuntime(
    createLogger('info', { service: 'countersign' }, (line) => lines.push(line)),
    'info',
  );
  engine = await startEngine({ prefix: 'audit-log' });
});
afterAll(() => engine?.close());

it('logs each audit event of a run as one JSON line with time, actor and details', async () => {
  const request = 'look up <#C0GENERAL|general>';
  scriptModel(engine.openai, {
    [request]: [functionCall('channel_info', proposal({ channel: 'C0GENERAL' })), message('Looked it up.')],
  });
  const run = await engine.startRun(request);
  expect(((await run.result()) as RunOutcome).status).toBe('completed');
  const trail = (await run.query(agentStatusQuery)).audit;

  const logged = lines
    .map(
      (line) =>
        JSON.parse(line) as { msg: string; level: string; time: string; audit?: (typeof trail)[number] },
    )
    .filter((entry) => entry.msg === 'audit' && entry.audit?.runId === run.workflowId);
  expect(logged.map((entry) => entry.audit)).toEqual(trail);
  expect(logged.every((entry) => entry.level === 'info' && !Number.isNaN(Date.parse(entry.time)))).toBe(true);
  expect(logged[0]?.audit).toMatchObject({ type: 'request', actor: PEOPLE.requester });
  expect(lines.join('\n')).not.toContain('xoxb-engine-test');
  expect(lines.join('\n')).not.toContain('sk-engine-test');
});
