// `npm run doctor` as a newcomer runs it: the built dist/doctor.js against Slack and the model service (local fakes
// speaking their wire formats) and a real Temporal dev server. All well: exit 0. Each thing it can find wrong: exit 1
// and the words that say how to fix it. Whatever it finds, it prints its report and nothing else.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { manifestBotScopes } from '../../src/doctor/checks.js';
import { setupCacheCliPath } from '../../src/temporal/dev-server.js';
import { type FakeOpenAI, message, startFakeOpenAI } from '../fakes/openai.js';
import { FAKE_SLACK_BOT, type FakeSlackApi, startFakeSlackApi } from '../fakes/slack-api.js';
import { PEOPLE, SECURITY_GROUP, WORKSPACE_USERS } from '../support/engine.js';
import { startEntryPoint } from '../support/entry-point.js';

const BOT_TOKEN = 'xoxb-doctor-token-1234';
const REVOKED = 'xoxb-revoked-token';
const ONE_DAY_SECONDS = proto.google.protobuf.Duration.fromObject({ seconds: 24 * 3600 }).seconds;
const GUEST = { id: 'U0GUEST', name: 'gus', isRestricted: true };
const APPEND_SERVER = fileURLToPath(new URL('../fixtures/mcp-append-server.mjs', import.meta.url));
const HINTS_SERVER = fileURLToPath(new URL('../fixtures/mcp-hints-server.mjs', import.meta.url));
const execFileAsync = promisify(execFile);
/** A line of the report: a check, a Fix (or its continuation), the blank line, the verdict. */
const REPORT_LINE = /^(?:[✓!✗-] \S.*| {4,}\S.*|All checks passed\.|\d+ problems? found\.|)$/;

let slack: FakeSlackApi;
let narrowSlack: FakeSlackApi;
/** A token installed before the app was an agent: without the scopes mentions, the Messages tab and sessions need. */
let preAgentSlack: FakeSlackApi;
const AGENT_SCOPES = ['app_mentions:read', 'im:history', 'assistant:write'];
let openai: FakeOpenAI;
let chatOnly: FakeOpenAI;

const slackOptions = (scopes: string[]) => ({
  users: [...WORKSPACE_USERS, GUEST],
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
  preAgentSlack = await startFakeSlackApi(
    slackOptions(manifestBotScopes().filter((s) => !AGENT_SCOPES.includes(s))),
  );
  openai = await startFakeOpenAI({ models: ['gpt-test'] });
  openai.otherwise(message('OK'));
  chatOnly = await startFakeOpenAI({ models: ['gpt-test'], apis: ['chat'] });
  chatOnly.otherwise(message('OK'));
});

afterAll(async () => {
  await Promise.all([
    slack?.close(),
    narrowSlack?.close(),
    preAgentSlack?.close(),
    openai?.close(),
    chatOnly?.close(),
  ]);
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
  const output = run.output();
  // No log lines (JSON or the Slack client's) among the report's.
  for (const line of output.trimEnd().split('\n')) expect(line).toMatch(REPORT_LINE);
  return { code, output };
}

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'doctor-')), name);
  writeFileSync(file, text);
  return file;
}

describe('npm run doctor', () => {
  it('passes every check when all is well, and prints no secret', async () => {
    const { code, output } = await doctor(goodEnv());
    expect(output).toContain('All checks passed.');
    expect(code).toBe(0);
    for (const line of [
      /^✓ Configuration +valid \(\.env and the environment\), Node\.js \d+/m,
      /^✓ Slack bot token +valid for workspace .+ as @/m,
      new RegExp(`^✓ Bot scopes +all ${manifestBotScopes().length} the app needs$`, 'm'),
      /^✓ HTTP mode +signing secret set/m,
      /^✓ Approvals channel +#approvals exists and the bot is in it$/m,
      /^✓ Approvers +1 people and 1 user groups, all found$/m,
      /^✓ Requesters +REQUESTERS unset: every full member of the workspace may ask$/m,
      /^✓ Model service +.+ answers with gpt-test over the Responses API$/m,
      /^✓ Temporal +.+, namespace default, search attributes registered$/m,
      /^✓ Approval policy +calls of medium risk or higher wait for approval$/m,
      /^✓ MCP servers +none configured$/m,
    ])
      expect(output).toMatch(line);
    for (const secret of [BOT_TOKEN, 'doctor-secret', 'sk-doctor-key']) expect(output).not.toContain(secret);
  });

  it('in Socket Mode, opens a connection with the app-level token; with MCP servers, starts each and shows its tools as calls will meet them', async () => {
    const mcp = tempFile(
      'mcp.json',
      JSON.stringify({
        mcpServers: {
          ledger: { command: process.execPath, args: [APPEND_SERVER] },
          hints: { command: process.execPath, args: [HINTS_SERVER], trustAnnotations: true },
        },
      }),
    );
    const { code, output } = await doctor({
      ...goodEnv(),
      SLACK_SIGNING_SECRET: '',
      SLACK_APP_TOKEN: 'xapp-1-doctor',
      MCP_CONFIG: mcp,
      REQUESTERS: `${PEOPLE.bob.id},${SECURITY_GROUP}`,
      POLICY_FILE: tempFile('policy.jsonc', JSON.stringify({ tools: { hints__lookup: { risk: 'high' } } })),
    });
    expect(output).toMatch(/^✓ Socket Mode +the app-level token opens a connection$/m);
    expect(output).toMatch(/^✓ Requesters +1 people and 1 user groups, all found$/m);
    expect(output).toMatch(
      /^✓ MCP server ledger +started, [1-9]\d* tools \(annotations not trusted: each tool medium risk or higher, attempted once, reaching outside\): append high, .*count high/m,
    );
    expect(output).toMatch(
      /^✓ MCP server hints +started, 5 tools \(annotations trusted\): lookup high \(pinned by the policy\), fetch_page low, purge high, relabel low, verbose low$/m,
    );
    expect(output).not.toContain('xapp-1-doctor');
    expect(output).toContain('All checks passed.');
    expect(code).toBe(0);
  });

  it.each<[string, Record<string, string> | (() => Record<string, string>), RegExp[]]>([
    [
      'a bot token Slack refuses',
      { SLACK_BOT_TOKEN: REVOKED },
      [
        /^✗ Slack bot token +Slack refuses SLACK_BOT_TOKEN \(invalid_auth\)$/m,
        /Fix: Copy the Bot User OAuth Token \(xoxb-…\) from your app’s OAuth & Permissions page again; reinstall the app if it was uninstalled$/m,
        /^- Bot scopes +skipped: needs the bot token to work first$/m,
        /^- Approvers +skipped: needs the bot token to work first$/m,
        /^- Requesters +skipped: needs the bot token to work first$/m,
      ],
    ],
    [
      'a Slack API that does not answer',
      { SLACK_API_URL: 'http://127.0.0.1:1/api/' },
      [
        /^✗ Slack bot token +Slack could not be asked \(.+\)$/m,
        /Fix: Check that this machine reaches http:\/\/127\.0\.0\.1:1\/api\/ \(SLACK_API_URL\)$/m,
      ],
    ],
    [
      'a missing scope',
      () => ({ SLACK_API_URL: narrowSlack.url }),
      [
        /^✗ Bot scopes +missing users:read$/m,
        /Fix: Add them under OAuth & Permissions → Bot Token Scopes \(or import manifest\.json again\), then reinstall the app to the workspace: a token keeps the scopes it was installed with$/m,
      ],
    ],
    [
      'a token installed before the app was an agent (no mentions, Messages tab or stop button)',
      () => ({ SLACK_API_URL: preAgentSlack.url }),
      [
        /^✗ Bot scopes +missing app_mentions:read, im:history, assistant:write$/m,
        /Fix: Add them under OAuth & Permissions → Bot Token Scopes \(or import manifest\.json again\), then reinstall the app/m,
      ],
    ],
    [
      'an app-level token Slack refuses (Socket Mode)',
      { SLACK_APP_TOKEN: 'xapp-revoked' },
      [
        /^✗ Socket Mode +Slack refuses SLACK_APP_TOKEN \(invalid_auth\)$/m,
        /Fix: Create an app-level token with the connections:write scope \(Basic Information → App-Level Tokens, xapp-…\) and put it in SLACK_APP_TOKEN/,
      ],
    ],
    [
      'HTTP mode without a signing secret',
      { SLACK_SIGNING_SECRET: '' },
      [
        /^✗ HTTP mode +SLACK_SIGNING_SECRET is not set$/m,
        /Fix: Copy the Signing Secret from Basic Information → App Credentials, or set SLACK_APP_TOKEN for Socket Mode$/m,
      ],
    ],
    [
      'an approvals channel that does not exist',
      { APPROVALS_CHANNEL: 'C0GONE' },
      [
        /^✗ Approvals channel +C0GONE: channel_not_found$/m,
        /Fix: Set APPROVALS_CHANNEL \(or the policy file’s channel\) to the ID of an existing channel .+; a private channel is found only once the bot is in it: \/invite @countersign there$/m,
      ],
    ],
    [
      'an approvals channel the bot is not in',
      { APPROVALS_CHANNEL: 'C0NOBOT' },
      [
        /^✗ Approvals channel +the bot is not in #no-bot-here$/m,
        /Fix: Invite it: type \/invite @countersign in #no-bot-here$/m,
      ],
    ],
    [
      'an unknown approver, an unknown user group and a guest',
      { APPROVERS: `U0GHOST,S0GHOST,${GUEST.id}` },
      [
        /^✗ Approvers +S0GHOST: no_such_subteam; U0GHOST: user_not_found; U0GUEST is a guest \(only full members may decide\)$/m,
        /Fix: Use member IDs of full members \(U…, a profile’s ⋮ → Copy member ID\) and user group IDs \(S…\) in APPROVERS and the policy file$/m,
      ],
    ],
    [
      'an unknown requester, an unknown user group and a guest',
      { REQUESTERS: `U0GHOST,S0GHOST,${GUEST.id}` },
      [
        /^✗ Requesters +S0GHOST: no_such_subteam; U0GHOST: user_not_found; U0GUEST is a guest \(only full members may ask\)$/m,
        /Fix: Use member IDs of full members \(U…, a profile’s ⋮ → Copy member ID\) and user group IDs \(S…\) in REQUESTERS$/m,
      ],
    ],
    [
      'a model the service does not have',
      { OPENAI_MODEL: 'gpt-nope' },
      [
        /^✗ Model service +.+ has no model gpt-nope$/m,
        /Fix: Set OPENAI_MODEL to a model this service offers$/m,
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
      [
        /^✗ Temporal +127\.0\.0\.1:1 is not reachable/m,
        /Fix: Check TEMPORAL_ADDRESS \(or the temporal\.toml profile\), the TLS settings and that the server is up$/m,
      ],
    ],
    [
      'a namespace Temporal does not have',
      { TEMPORAL_NAMESPACE: 'doctor-no-such-namespace' },
      [
        /^✗ Temporal +.+ has no namespace doctor-no-such-namespace$/m,
        /Fix: Create it \(temporal operator namespace create --namespace doctor-no-such-namespace\) or set TEMPORAL_NAMESPACE$/m,
      ],
    ],
    [
      'a temporal.toml profile that is not in the file',
      () => ({
        TEMPORAL_CONFIG_FILE: tempFile('temporal.toml', '[profile.default]\naddress = "127.0.0.1:7233"\n'),
        TEMPORAL_PROFILE: 'prod',
      }),
      [
        /^✗ Configuration +Invalid configuration — TEMPORAL_PROFILE: Profile 'prod' not found in config data$/m,
      ],
    ],
    [
      'an invalid policy file',
      () => ({ POLICY_FILE: tempFile('policy.jsonc', '{\n  "threshold": "extreme"\n}\n') }),
      [
        /^✗ Configuration +Invalid approval policy .+policy\.jsonc — line 2, column 16, threshold: must be "low", "medium" or "high"$/m,
        /Fix: Correct what it names: a variable in \.env or the environment \(see \.env\.example\), or the field at the line it gives$/m,
        /^- Other checks +skipped: Slack, the model service, Temporal and the MCP servers are asked once the configuration is valid$/m,
      ],
    ],
    [
      'an MCP server that does not start',
      () => ({
        MCP_CONFIG: tempFile(
          'mcp.json',
          JSON.stringify({
            mcpServers: {
              ledger: { command: process.execPath, args: [APPEND_SERVER] },
              broken: {
                command: process.execPath,
                args: ['-e', 'console.error("cannot open the database"); process.exit(3)'],
              },
            },
          }),
        ),
      }),
      [
        /^✓ MCP server ledger +started, [1-9]\d* tools \(annotations not trusted: .*\): append high/m,
        /^✗ MCP server broken +.+ — stderr: cannot open the database$/m,
        /Fix: Fix its entry in .*mcp\.json, or run its command by hand to see why it stops$/m,
      ],
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

  it('shows a failed MCP server’s stderr without the credentials its entry gave it, and exits 1', async () => {
    const token = 'doctor-mcp-token-0123456789';
    const literal = 'doctor-mcp-literal-secret-42';
    // A server that prints its environment and arguments on stderr, then stops.
    const script =
      'console.error(JSON.stringify({ env: process.env, argv: process.argv.slice(1) })); process.exit(3)';
    const mcp = tempFile(
      'mcp.json',
      JSON.stringify({
        mcpServers: {
          leaky: {
            command: process.execPath,
            // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is the MCP config's own syntax
            args: ['-e', script, '${DOCTOR_MCP_TOKEN}'],
            // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is the MCP config's own syntax
            env: { DOCS_AUTH: '${DOCTOR_MCP_TOKEN}', DOCS_LOGIN: literal },
          },
        },
      }),
    );
    const { code, output } = await doctor({ ...goodEnv(), MCP_CONFIG: mcp, DOCTOR_MCP_TOKEN: token });
    expect(output).toMatch(
      /^✗ MCP server leaky +.+ — stderr: .*"DOCS_AUTH":"\[redacted\]".*"argv":\["\[redacted\]"\]/m,
    );
    expect(output).toMatch(/"DOCS_LOGIN":"\[redacted\]"/);
    expect(output).not.toContain(token);
    expect(output).not.toContain(literal);
    expect(code).toBe(1);
  });

  it('reads a temporal.toml profile as the pinned temporal CLI reads it: one file serves both', async () => {
    const address = inject('temporalAddress');
    const namespace = inject('temporalNamespace');
    const file = tempFile(
      'temporal.toml',
      `[profile.countersign]\naddress = "${address}"\nnamespace = "${namespace}"\n`,
    );
    const { TEMPORAL_ADDRESS: _address, TEMPORAL_NAMESPACE: _namespace, ...rest } = goodEnv();
    const fromProfile = { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'countersign' };
    const { code, output } = await doctor({ ...rest, ...fromProfile });
    expect(output).toMatch(
      new RegExp(
        `^✓ Temporal +${address} \\(profile countersign\\), namespace ${namespace}, search attributes registered$`,
        'm',
      ),
    );
    expect(code).toBe(0);
    // The pinned CLI the tests' dev server runs (npm run setup:temporal).
    const cli = setupCacheCliPath();
    const cliEnv = { HOME: mkdtempSync(join(tmpdir(), 'doctor-home-')), ...fromProfile };
    const resolved = await execFileAsync(cli, ['config', 'get', '-o', 'json'], { env: cliEnv });
    expect(JSON.parse(resolved.stdout)).toEqual({ address, namespace });
    // And the CLI reaches that server through it, as Countersign did.
    await execFileAsync(cli, ['workflow', 'list', '--limit', '1'], { env: cliEnv });
  });

  it('says which search attributes the namespace lacks, with the commands that register them, and exits 1', async () => {
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
        `^✗ Temporal +.+, namespace ${namespace}: search attributes missing: CountersignApprovalStatus`,
        'm',
      ),
    );
    expect(output).toMatch(
      /Fix: The worker registers them at start when Temporal lets it; otherwise register them once:$/m,
    );
    expect(output).toMatch(
      new RegExp(
        `^ +temporal operator search-attribute create --namespace ${namespace} --name CountersignDeciders --type KeywordList$`,
        'm',
      ),
    );
    expect(output).toMatch(/^ +On Temporal Cloud: tcld namespace search-attributes add, or the Cloud UI\.$/m);
    expect(output).toContain('1 problem found.');
    expect(code).toBe(1);
  });
});
