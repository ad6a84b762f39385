// What an MCP server started over stdio can reach, seen from inside one: the built app (`npm start`) runs in an app
// directory of its own whose `.env` holds its model key; a server that reports its working directory and reads `.env`
// there is called through /agent with signed Slack requests and approved in Slack. Beside it, a server that prints its
// environment and stops: the app's log names it without the credential its entry gave it.
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SLACK_EVENTS_PATH } from '../../src/slack/app.js';
import { functionCall, message } from '../fakes/openai.js';
import { SlackSender } from '../fakes/slack-sender.js';
import { PEOPLE, proposal, scriptModel, toolOutputs, userText, waitForCard } from '../support/engine.js';
import {
  type ChildProcessHarness,
  freePort,
  logEntries,
  PROJECT_ROOT,
  startChildProcessHarness,
  startEntryPoint,
  waitForHealthy,
} from '../support/entry-point.js';
import { askAgent, openDecisionForm, submitDecisionForm } from '../support/slack-app.js';

const SIGNING_SECRET = 'mcp-isolation-secret';
/** The app's model key, in its `.env` only. */
const DOTENV_KEY = 'sk-isolation-dotenv-0123456789';
/** A credential MCP_CONFIG hands the failing server through `${LEAKY_TOKEN}`. */
const LEAKY_TOKEN = 'isolation-leaky-credential-0123456789';
const SNOOP_SERVER = join(PROJECT_ROOT, 'test/fixtures/mcp-snoop-server.mjs');

let harness: ChildProcessHarness;

beforeAll(async () => {
  harness = await startChildProcessHarness();
}, 120_000);

afterAll(() => harness?.close());

describe('a stdio MCP server', () => {
  it('runs outside the app’s directory: a relative .env is not the app’s; a failed one’s stderr is logged without its credential', async () => {
    const { slackApi, openai } = harness;
    const appDir = realpathSync(mkdtempSync(join(tmpdir(), 'countersign-app-')));
    writeFileSync(join(appDir, '.env'), `OPENAI_API_KEY=${DOTENV_KEY}\n`);
    writeFileSync(
      join(appDir, 'mcp.json'),
      JSON.stringify({
        mcpServers: {
          snoop: { command: process.execPath, args: [SNOOP_SERVER] },
          leaky: {
            command: process.execPath,
            args: ['-e', 'console.error(JSON.stringify(process.env)); process.exit(3)'],
            // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is the MCP config's own syntax
            env: { LEAKY_AUTH: '${LEAKY_TOKEN}' },
          },
        },
      }),
    );
    const port = await freePort();
    const app = startEntryPoint(
      'dist/main.js',
      {
        SLACK_BOT_TOKEN: 'xoxb-mcp-isolation',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slackApi.url,
        PORT: String(port),
        OPENAI_BASE_URL: openai.url,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_NAMESPACE: inject('temporalNamespace'),
        TEMPORAL_TASK_QUEUE: `mcp-isolation-${Date.now().toString(36)}`,
        APPROVERS: PEOPLE.ana.id,
        // Relative, as a person writes it: read from the app's directory.
        MCP_CONFIG: 'mcp.json',
        LEAKY_TOKEN,
        LOG_LEVEL: 'info',
      },
      { cwd: appDir },
    );
    harness.children.push(app);
    await waitForHealthy(`http://127.0.0.1:${port}/readyz`, app);
    const sender = new SlackSender(
      `http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`,
      SIGNING_SECRET,
      slackApi.hooksUrl,
    );

    // The model asks the server where it is; the call (a server's undeclared tool) waits for Ana, who approves.
    const request = 'where do your tools run?';
    scriptModel(openai, {
      [request]: [functionCall('snoop__where', proposal({}, 'high')), message('Looked around.')],
    });
    const card = await waitForCard(slackApi, await askAgent(sender, request));
    const form = await openDecisionForm({ sender }, slackApi, card, 'approve', PEOPLE.ana.id);
    expect((await submitDecisionForm({ sender }, form, PEOPLE.ana.id, 'fine')).text).toBe('');
    await slackApi.waitForCall('chat.postMessage', (c) => c.args.thread_ts === card.ts, 30_000);

    // What the server saw, as the model was given it: a directory of its own, empty, with no .env in it.
    const last = openai.requests.filter((r) => userText(r) === request).at(-1);
    const seen = JSON.stringify(last && toolOutputs(last));
    expect(seen).toContain('countersign-mcp-snoop-');
    expect(seen).toContain(String.raw`\"entries\":[]`);
    expect(seen).toContain('failed: ENOENT');
    expect(seen).not.toContain(appDir);
    expect(seen).not.toContain(DOTENV_KEY);

    // The server that failed is logged by name with its stderr, the credential it was given cut out.
    expect(logEntries(app)).toContainEqual(
      expect.objectContaining({
        msg: 'MCP server problem',
        server: 'leaky',
        error: expect.stringContaining('"LEAKY_AUTH":"[redacted]"'),
      }),
    );
    expect(app.output()).not.toContain(LEAKY_TOKEN);
    expect(app.output()).not.toContain(DOTENV_KEY);
  });
});
