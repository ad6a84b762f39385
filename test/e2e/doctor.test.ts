// `npm run doctor` as a newcomer runs it: the built dist/doctor.js against Slack and the model service (local fakes
// speaking their wire formats) and a real Temporal dev server. All well: exit 0. Each thing it can find wrong: exit 1
// (a warning: 0) and the words that say how to fix it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { manifestBotScopes } from '../../src/doctor/checks.js';
import { type FakeOpenAI, message, startFakeOpenAI } from '../fakes/openai.js';
import { FAKE_SLACK_BOT, type FakeSlackApi, startFakeSlackApi } from '../fakes/slack-api.js';
import { PEOPLE, SECURITY_GROUP, WORKSPACE_USERS } from '../support/engine.js';
import { startEntryPoint } from '../support/entry-point.js';

const BOT_TOKEN = 'xoxb-doctor-token-1234';
const REVOKED = 'xoxb-revoked-token';
const ONE_DAY_SECONDS = proto.google.protobuf.Duration.fromObject({ seconds: 24 * 3600 }).seconds;

let slack: FakeSlackApi;
let narrowSlack: FakeSlackApi;
let openai: FakeOpenAI;
let chatOnly: FakeOpenAI;

const slackOptions = (scopes: string[]) => ({
  users: WORKSPACE_USERS,
  userGroups: { [SECURITY_GROUP]: [PEOPLE.ana.id] },
  channels: [
    { id: 'C0APPROVALS', name: 'approvals', members: [FAKE_SLACK_BOT.userId] },
    { id: 'C0NOBOT', name: 'no-bot-here', members: [PEOPLE.ana.id] },
  ],
  onlyListedChannels: true,
  botScopes: scopes,
  rejectedTokens: [REVOKED, 'xapp-revoked'],
});

beforeAll(async () => {
  slack = await startFakeSlackApi(slackOptions(manifestBotScopes()));
  narrowSlack = await startFakeSlackApi(slackOptions(manifestBotScopes().filter((s) => s !== 'users:read')));
  openai = await startFakeOpenAI({ models: ['gpt-test'] });
  openai.otherwise(message('OK'));
  chatOnly = await startFakeOpenAI({ models: ['gpt-test'], apis: ['chat'] });
  chatOnly.otherwise(message('OK'));
});

afterAll(async () => {
  await Promise.all([slack?.close(), narrowSlack?.close(), openai?.close(), chatOnly?.close()]);
});

/** Everything right: the configuration a newcomer ends the quick start with. */
function goodEnv(): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: 'doctor-secret',
    SLACK_API_URL: slack.url,
    APPROVALS_CHANNEL: 'C0APPROVALS',
    APPROVERS: `${PEOPLE.ana.id},${SECURITY_GROUP}`,
    OPENAI_API_KEY: 'sk-doctor-key',
    OPENAI_BASE_URL: openai.url,
    OPENAI_MODEL: 'gpt-test',
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
  };
}

async function doctor(env: Record<string, string>) {
  const run = startEntryPoint('dist/doctor.js', env);
  const { code } = await run.exited;
  return { code, output: run.output() };
}

describe('npm run doctor', () => {
  it('passes every check when all is well, and prints no secret', async () => {
    const { code, output } = await doctor(goodEnv());
    expect(output).toContain('All checks passed.');
    expect(code).toBe(0);
    for (const line of [
      /^✓ Configuration +valid/m,
      /^✓ Slack bot token +valid for workspace .+ as @/m,
      new RegExp(`^✓ Bot scopes +all ${manifestBotScopes().length} the app needs$`, 'm'),
      /^✓ HTTP mode +signing secret set/m,
      /^✓ Approvals channel +#approvals exists and the bot is in it$/m,
      /^✓ Approvers +1 people and 1 user groups, all found$/m,
      /^✓ Model service +.+ answers with gpt-test over the Responses API$/m,
      /^✓ Temporal +.+, namespace default, search attributes registered$/m,
      /^✓ Approval policy +calls of medium risk or higher wait for approval$/m,
      /^✓ MCP servers +none configured$/m,
    ])
      expect(output).toMatch(line);
    for (const secret of [BOT_TOKEN, 'doctor-secret', 'sk-doctor-key']) expect(output).not.toContain(secret);
  });

  it.each<[string, Record<string, string> | (() => Record<string, string>), RegExp[]]>([
    [
      'a bot token Slack refuses',
      { SLACK_BOT_TOKEN: REVOKED },
      [
        /^✗ Slack bot token +Slack refuses SLACK_BOT_TOKEN \(invalid_auth\)$/m,
        /Fix: Copy the Bot User OAuth Token \(xoxb-…\) from your app’s OAuth & Permissions page again/,
      ],
    ],
    [
      'a missing scope',
      () => ({ SLACK_API_URL: narrowSlack.url }),
      [
        /^✗ Bot scopes +missing users:read$/m,
        /Fix: Add them under OAuth & Permissions .+then reinstall the app/,
      ],
    ],
    [
      'an app-level token Slack refuses (Socket Mode)',
      { SLACK_APP_TOKEN: 'xapp-revoked' },
      [
        /^✗ Socket Mode +Slack refuses SLACK_APP_TOKEN \(invalid_auth\)$/m,
        /Fix: Create an app-level token with the connections:write scope/,
      ],
    ],
    [
      'an approvals channel that does not exist',
      { APPROVALS_CHANNEL: 'C0GONE' },
      [
        /^✗ Approvals channel +C0GONE: channel_not_found$/m,
        /Fix: Set APPROVALS_CHANNEL .+ to the ID of an existing channel/,
      ],
    ],
    [
      'an approvals channel the bot is not in',
      { APPROVALS_CHANNEL: 'C0NOBOT' },
      [
        /^✗ Approvals channel +the bot is not in #no-bot-here$/m,
        /Fix: Invite it: type \/invite @<your app> in #no-bot-here/,
      ],
    ],
    [
      'an unknown approver and an unknown user group',
      { APPROVERS: 'U0GHOST,S0GHOST' },
      [/^✗ Approvers +S0GHOST: no_such_subteam; U0GHOST: user_not_found$/m, /Fix: Use member IDs \(U…/],
    ],
    [
      'a model the service does not have',
      { OPENAI_MODEL: 'gpt-nope' },
      [
        /^✗ Model service +.+ has no model gpt-nope$/m,
        /Fix: Set OPENAI_MODEL to a model this service offers/,
      ],
    ],
    [
      'a service that does not speak the configured API',
      () => ({ OPENAI_BASE_URL: chatOnly.url }),
      [/^✗ Model service +.+ does not speak the Responses API$/m, /Fix: Set OPENAI_API=chat$/m],
    ],
    [
      'a Temporal that is not there',
      { TEMPORAL_ADDRESS: '127.0.0.1:1' },
      [/^✗ Temporal +127\.0\.0\.1:1 is not reachable/m, /Fix: Check TEMPORAL_ADDRESS/],
    ],
    [
      'an invalid policy file',
      () => {
        const file = join(mkdtempSync(join(tmpdir(), 'doctor-policy-')), 'policy.jsonc');
        writeFileSync(file, '{ "threshold": "extreme" }');
        return { POLICY_FILE: file };
      },
      [/^✗ Configuration +.*threshold/m, /Fix: Set the variables it names/],
    ],
    [
      'an MCP server that does not start',
      () => {
        const file = join(mkdtempSync(join(tmpdir(), 'doctor-mcp-')), 'mcp.json');
        writeFileSync(
          file,
          JSON.stringify({
            mcpServers: { broken: { command: process.execPath, args: ['-e', 'process.exit(3)'] } },
          }),
        );
        return { MCP_CONFIG: file };
      },
      [/^✗ MCP server broken +/m, /Fix: Fix its entry in .*mcp\.json/],
    ],
  ])('says what to do about %s, and exits 1', async (_what, change, expected) => {
    const { code, output } = await doctor({
      ...goodEnv(),
      ...(typeof change === 'function' ? change() : change),
    });
    for (const line of expected) expect(output).toMatch(line);
    expect(output).toMatch(/^\d+ problems? found\.$/m);
    expect(code).toBe(1);
  });

  it('warns, with the commands, when the namespace lacks the search attributes (the worker adds them when it may)', async () => {
    const namespace = `doctor-${Date.now().toString(36)}`;
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: { seconds: ONE_DAY_SECONDS },
      });
    } finally {
      await connection.close();
    }
    const { code, output } = await doctor({ ...goodEnv(), TEMPORAL_NAMESPACE: namespace });
    expect(output).toMatch(
      new RegExp(
        `^! Temporal +.+, namespace ${namespace}: search attributes missing: CountersignApprovalStatus`,
        'm',
      ),
    );
    expect(output).toContain(
      `temporal operator search-attribute create --namespace ${namespace} --name CountersignDeciders --type KeywordList`,
    );
    expect(output).toContain('All checks passed.');
    expect(code).toBe(0);
  });
});
