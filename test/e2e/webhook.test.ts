// The webhook tool end to end, as a person drives it from Slack: a real endpoint on 127.0.0.1, the real Bolt app,
// worker and dev server. What is checked is what the endpoint received, what the model was told and what Slack
// shows — and that the allowlist, whose entries carry secrets, is shown to neither.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../src/approval/run.js';
import { functionCall, message } from '../fakes/openai.js';
import {
  type Engine,
  isApprovalCard,
  PEOPLE,
  proposal,
  runOutcome,
  scriptModel,
  startEngine,
  toolOutputs,
  userText,
  waitForCard,
} from '../support/engine.js';
import {
  askAgent,
  openDecisionForm,
  type SlackAppHarness,
  startSlackApp,
  submitDecisionForm,
} from '../support/slack-app.js';

/** The path of an allowlist entry nobody asks for: it must never reach the model or Slack. */
const SECRET_PATH = 'hooks-7Kq2ZxW9-not-for-anyone';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** A local endpoint that records every request and answers as `answers` says for its path (200 otherwise). */
async function startEndpoint(answers: Map<string, (res: ServerResponse) => void> = new Map()) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ method: req.method ?? '', path, headers: req.headers });
      const answer = answers.get(path);
      if (answer) answer(res);
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    received,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let endpoint: Awaited<ReturnType<typeof startEndpoint>>;
/** Off the allowlist (another port): a redirect's target, which nothing may reach. */
let elsewhere: Awaited<ReturnType<typeof startEndpoint>>;
let engine: Engine;
let slack: SlackAppHarness;
let allowlist: string[];

beforeAll(async () => {
  endpoint = await startEndpoint();
  elsewhere = await startEndpoint();
  allowlist = [`${endpoint.origin}/hook/`, `${endpoint.origin}/${SECRET_PATH}/`];
  engine = await startEngine({
    prefix: 'webhook',
    env: { WEBHOOK_ALLOWLIST: allowlist.join(','), APPROVERS: PEOPLE.ana.id, APPROVAL_TIMEOUT: '1h' },
  });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
  await endpoint?.close();
  await elsewhere?.close();
});

const webhook = (url: string, callId: string) =>
  functionCall('call_webhook', proposal({ url, payload: { service: 'web' } }, 'high'), { callId });

/** The requests the model got for this request text; the last one carries every tool output so far. */
function lastModelInput(request: string) {
  const last = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
  if (!last) throw new Error(`the model was never asked about "${request}"`);
  return last;
}

/** Ana approves the run's card as a person does: click Approve, then submit the modal it opens. */
async function approveInSlack(runId: string) {
  const card = await waitForCard(engine.slackApi, runId);
  const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
  expect((await submitDecisionForm(slack, form, PEOPLE.ana.id, 'Go ahead.')).status).toBe(200);
  return card;
}

async function outcomeOf(runId: string): Promise<RunOutcome> {
  return await runOutcome(engine.client, runId);
}

// Runs first, on purpose: every Slack call recorded by its end belongs to these refused runs.
describe('a URL the allowlist does not hold', () => {
  it('is refused before any card, and neither the model nor Slack learns any allowlist entry', async () => {
    const asked = {
      'poke the admin hook': `${endpoint.origin}/hook/..%2fadmin`,
      'poke the hook as root': `http://root:hunter2@${endpoint.origin.slice('http://'.length)}/hook/deploy`,
      'poke the hook on another port': `${elsewhere.origin}/hook/deploy`,
    };
    scriptModel(
      engine.openai,
      Object.fromEntries(
        Object.entries(asked).map(([request, url]) => [
          request,
          [webhook(url, 'call_refused'), message(`Not allowed: ${request}.`)],
        ]),
      ),
    );
    const runIds = await Promise.all(Object.keys(asked).map((request) => askAgent(slack.sender, request)));
    const outcomes = await Promise.all(runIds.map(outcomeOf));

    for (const outcome of outcomes)
      expect(outcome).toMatchObject({ status: 'completed', actions: [], approvals: [] });
    for (const request of Object.keys(asked)) {
      expect(toolOutputs(lastModelInput(request))).toEqual([
        { status: 'not_run', error: 'the URL asked for is not on the webhook allowlist' },
      ]);
      await engine.slackApi.waitForCall('chat.postMessage', (c) =>
        String(c.args.text).includes(`Not allowed: ${request}.`),
      );
    }
    expect(endpoint.received).toEqual([]);
    expect(elsewhere.received).toEqual([]);
    expect(engine.slackApi.calls.filter(isApprovalCard)).toEqual([]);

    const slackText = JSON.stringify(engine.slackApi.calls.map((c) => c.args));
    const toldModel = JSON.stringify(engine.openai.requests.map((r) => toolOutputs(r)));
    for (const entry of allowlist) {
      expect(slackText).not.toContain(entry);
      expect(toldModel).not.toContain(entry);
    }
    expect(slackText).not.toContain(endpoint.origin);
    expect(slackText).not.toContain(elsewhere.origin);
    expect(slackText).not.toContain('hunter2');
    expect(toldModel).not.toContain('hunter2');
  });
});

describe('an approved call', () => {
  it('whose endpoint answers 503 is sent once, with the call key, and reported as "may have run"', async () => {
    const request = 'deploy web';
    const path = '/hook/deploy-503';
    endpoint.answers.set(path, (res) => res.writeHead(503).end('upstream busy'));
    scriptModel(engine.openai, {
      [request]: [
        webhook(`${endpoint.origin}${path}`, 'call_deploy'),
        message('The deploy may have started.'),
      ],
    });
    const runId = await askAgent(slack.sender, request);
    const card = await approveInSlack(runId);

    const result = await engine.slackApi.waitForCall(
      'chat.postMessage',
      (c) => c.args.thread_ts === card.ts && String(c.args.text).includes(`<@${PEOPLE.requester.id}>`),
    );
    expect(String(result.args.text)).toContain('may have run');
    const outcome = await outcomeOf(runId);
    expect(outcome.actions).toEqual([
      expect.objectContaining({ tool: 'call_webhook', ok: false, unknown: true }),
    ]);

    const sent = endpoint.received.filter((r) => r.path === path);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.method).toBe('POST');
    expect(sent[0]?.headers['idempotency-key']).toBe(`${runId}/call_deploy`);
    expect(toolOutputs(lastModelInput(request))).toEqual([
      expect.objectContaining({
        status: 'outcome_unknown',
        error: expect.stringMatching(/HTTP 503.*may have run/),
      }),
    ]);
  });

  it.each([307, 302])(
    'answered with a %i is not followed; the model is told of the redirect',
    async (status) => {
      const request = `restart web (${status})`;
      const path = `/hook/restart-${status}`;
      const target = `${elsewhere.origin}/caught-${status}`;
      endpoint.answers.set(path, (res) => res.writeHead(status, { location: target }).end());
      scriptModel(engine.openai, {
        [request]: [webhook(`${endpoint.origin}${path}`, `call_restart_${status}`), message('It moved.')],
      });
      const runId = await askAgent(slack.sender, request);
      await approveInSlack(runId);
      const outcome = await outcomeOf(runId);

      expect(outcome.actions).toEqual([expect.objectContaining({ tool: 'call_webhook', ok: false })]);
      expect(outcome.actions[0]?.unknown).toBeUndefined();
      expect(endpoint.received.filter((r) => r.path === path)).toHaveLength(1);
      expect(elsewhere.received).toEqual([]);
      const told = toolOutputs(lastModelInput(request));
      expect(told).toEqual([{ status: 'failed', error: expect.stringContaining(`HTTP ${status}`) }]);
      expect(told[0]?.error).toContain('redirects are not followed');
      expect(JSON.stringify(told)).not.toContain(target);
    },
  );
});

describe('across the whole file', () => {
  it('never shows the unasked allowlist entry to the model or to Slack', () => {
    expect(JSON.stringify(engine.openai.requests.map((r) => r.body))).not.toContain(SECRET_PATH);
    expect(JSON.stringify(engine.slackApi.calls.map((c) => c.args))).not.toContain(SECRET_PATH);
  });
});
