// `npm run doctor`: each check asks the real service what the app will need from it, and says in plain words what
// is wrong and how to fix it. A check never prints a credential.
import { readFileSync } from 'node:fs';
import { WebClient } from '@slack/web-api';
import { Connection } from '@temporalio/client';
import OpenAI from 'openai';
import { describePolicy } from '../approval/policy-summary.js';
import type { ApprovalPlan } from '../approval/schemas.js';
import type { Config } from '../config.js';
import { createLogger } from '../logger.js';
import { connectMcpTools } from '../mcp/tools.js';
import { tlsFrom } from '../temporal/connection.js';
import { chooseTemporalCli } from '../temporal/dev-server.js';
import { searchAttributeCommand } from '../temporal/search-attributes.js';
import { INBOX_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

export interface CheckResult {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  /** What was found, in a few words. */
  found: string;
  /** What to do about it, when something is wrong. */
  fix?: string;
}

/** How long any one service may take to answer a check. */
const CHECK_TIMEOUT_MS = 5_000;

const ok = (name: string, found: string): CheckResult => ({ name, status: 'ok', found });
const fail = (name: string, found: string, fix: string): CheckResult => ({
  name,
  status: 'fail',
  found,
  fix,
});
const warn = (name: string, found: string, fix?: string): CheckResult => ({
  name,
  status: 'warn',
  found,
  ...(fix ? { fix } : {}),
});

/** The bot scopes the app is built for: manifest.json's, as Slack's app settings import it. */
export function manifestBotScopes(): string[] {
  const manifest = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8'));
  return manifest.oauth_config.scopes.bot as string[];
}

/** The scopes `needed` that `granted` lacks. */
export function missingScopes(needed: readonly string[], granted: readonly string[]): string[] {
  const have = new Set(granted);
  return needed.filter((scope) => !have.has(scope));
}

function slackError(error: unknown): string {
  const data = (error as { data?: { error?: string } }).data;
  return data?.error ?? (error as Error).message;
}

const TOKEN_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'account_inactive',
  'token_expired',
]);

function slackClient(config: Config, token: string): WebClient {
  return new WebClient(token, {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 0 },
    timeout: CHECK_TIMEOUT_MS,
  });
}

async function checkSlack(config: Config): Promise<CheckResult[]> {
  const token = config.slack.botToken;
  if (!token)
    return [
      fail(
        'Slack bot token',
        'SLACK_BOT_TOKEN is not set',
        'Copy the Bot User OAuth Token (xoxb-…) from your app’s OAuth & Permissions page into SLACK_BOT_TOKEN',
      ),
    ];
  const slack = slackClient(config, token);
  let scopes: string[] | undefined;
  const results: CheckResult[] = [];
  try {
    const auth = await slack.auth.test();
    scopes = auth.response_metadata?.scopes;
    results.push(ok('Slack bot token', `valid for workspace ${auth.team ?? auth.team_id} as @${auth.user}`));
  } catch (error) {
    const code = slackError(error);
    return [
      TOKEN_ERRORS.has(code)
        ? fail(
            'Slack bot token',
            `Slack refuses SLACK_BOT_TOKEN (${code})`,
            'Copy the Bot User OAuth Token (xoxb-…) from your app’s OAuth & Permissions page again; reinstall the app if it was uninstalled',
          )
        : fail(
            'Slack bot token',
            `Slack could not be asked (${code})`,
            `Check that this machine reaches ${config.slack.apiUrl} (SLACK_API_URL)`,
          ),
    ];
  }

  const needed = manifestBotScopes();
  if (!scopes) {
    results.push(warn('Bot scopes', 'Slack did not say which scopes the token has'));
  } else {
    const missing = missingScopes(needed, scopes);
    results.push(
      missing.length === 0
        ? ok('Bot scopes', `all ${needed.length} the app needs`)
        : fail(
            'Bot scopes',
            `missing ${missing.join(', ')}`,
            'Add them under OAuth & Permissions → Bot Token Scopes (or import manifest.json again), then reinstall the app to the workspace',
          ),
    );
  }

  if (config.slack.socketMode) {
    try {
      await slackClient(config, config.slack.appToken ?? '').apps.connections.open();
      results.push(ok('Socket Mode', 'the app-level token opens a connection'));
    } catch (error) {
      results.push(
        fail(
          'Socket Mode',
          `Slack refuses SLACK_APP_TOKEN (${slackError(error)})`,
          'Create an app-level token with the connections:write scope (Basic Information → App-Level Tokens, xapp-…) and put it in SLACK_APP_TOKEN; or leave it empty for HTTP mode',
        ),
      );
    }
  } else {
    results.push(
      config.slack.signingSecret
        ? ok(
            'HTTP mode',
            `signing secret set (Slack alone can verify it: a wrong one shows as requests refused with 401), port ${config.slack.port}`,
          )
        : fail(
            'HTTP mode',
            'SLACK_SIGNING_SECRET is not set',
            'Copy the Signing Secret from Basic Information → App Credentials, or set SLACK_APP_TOKEN for Socket Mode',
          ),
    );
  }

  results.push(...(await checkChannels(config, slack)));
  results.push(...(await checkApprovers(config, slack)));
  return results;
}

function plans(config: Config): ApprovalPlan[] {
  const { policy } = config.approval;
  return [
    policy.default,
    ...Object.values(policy.risks),
    ...Object.values(policy.tools),
    ...Object.values(policy.servers ?? {}),
  ].filter((plan): plan is ApprovalPlan => plan !== undefined);
}

async function checkChannels(config: Config, slack: WebClient): Promise<CheckResult[]> {
  const channels = new Set<string>();
  for (const plan of plans(config)) {
    if (plan.channel) channels.add(plan.channel);
    for (const stage of plan.stages) if (stage.escalateTo?.channel) channels.add(stage.escalateTo.channel);
  }
  if (channels.size === 0)
    return [ok('Approvals channel', 'none set: cards go to the channel each request is made in')];
  return Promise.all(
    [...channels].map(async (channel) => {
      try {
        const info = await slack.conversations.info({ channel });
        const name = `#${info.channel?.name ?? channel}`;
        return info.channel?.is_member
          ? ok('Approvals channel', `${name} exists and the bot is in it`)
          : fail(
              'Approvals channel',
              `the bot is not in ${name}`,
              `Invite it: type /invite @<your app> in ${name}`,
            );
      } catch (error) {
        return fail(
          'Approvals channel',
          `${channel}: ${slackError(error)}`,
          'Set APPROVALS_CHANNEL (or the policy file’s channel) to the ID of an existing channel (C…, from the channel’s details)',
        );
      }
    }),
  );
}

async function checkApprovers(config: Config, slack: WebClient): Promise<CheckResult[]> {
  const users = new Set<string>();
  const groups = new Set<string>();
  for (const plan of plans(config)) {
    for (const stage of plan.stages) {
      for (const approvers of [stage.approvers, stage.escalateTo?.approvers]) {
        for (const user of approvers?.users ?? []) users.add(user);
        for (const group of approvers?.userGroups ?? []) groups.add(group);
      }
    }
  }
  if (users.size + groups.size === 0)
    return [
      warn(
        'Approvers',
        'none configured: any full member of the workspace may approve',
        'Set APPROVERS (user IDs U…, user group IDs S…) unless that is what you want',
      ),
    ];
  const problems: string[] = [];
  await Promise.all([
    ...[...users].map(async (user) => {
      try {
        const info = await slack.users.info({ user });
        if (info.user?.deleted) problems.push(`${user} is deactivated`);
        else if (info.user?.is_bot) problems.push(`${user} is a bot`);
      } catch (error) {
        problems.push(`${user}: ${slackError(error)}`);
      }
    }),
    ...[...groups].map(async (usergroup) => {
      try {
        await slack.usergroups.users.list({ usergroup });
      } catch (error) {
        problems.push(`${usergroup}: ${slackError(error)}`);
      }
    }),
  ]);
  if (problems.length === 0)
    return [ok('Approvers', `${users.size} people and ${groups.size} user groups, all found`)];
  return [
    fail(
      'Approvers',
      problems.sort().join('; '),
      'Use member IDs (U…, a profile’s ⋮ → Copy member ID) and user group IDs (S…) in APPROVERS and the policy file',
    ),
  ];
}

async function checkModel(config: Config): Promise<CheckResult[]> {
  const { apiKey, baseUrl, model, api } = config.openai;
  if (!apiKey)
    return [
      fail(
        'Model service',
        'OPENAI_API_KEY is not set',
        'Set OPENAI_API_KEY (and OPENAI_BASE_URL for a service other than OpenAI)',
      ),
    ];
  const openai = new OpenAI({
    apiKey,
    ...(baseUrl ? { baseURL: baseUrl } : {}),
    maxRetries: 0,
    timeout: CHECK_TIMEOUT_MS,
  });
  const where = baseUrl ?? 'OpenAI';
  try {
    await openai.models.retrieve(model);
  } catch (error) {
    if (error instanceof OpenAI.NotFoundError)
      return [
        fail(
          'Model service',
          `${where} has no model ${model}`,
          'Set OPENAI_MODEL to a model this service offers',
        ),
      ];
    if (error instanceof OpenAI.AuthenticationError)
      return [
        fail(
          'Model service',
          `${where} refuses OPENAI_API_KEY`,
          'Set OPENAI_API_KEY to a key this service accepts',
        ),
      ];
    return [
      fail(
        'Model service',
        `${where} did not answer: ${(error as Error).message}`,
        'Check OPENAI_BASE_URL and that this machine reaches it',
      ),
    ];
  }
  try {
    if (api === 'chat') {
      await openai.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Say OK.' }],
        max_tokens: 4,
      });
    } else {
      await openai.responses.create({ model, input: 'Say OK.', max_output_tokens: 16, store: false });
    }
    return [
      ok(
        'Model service',
        `${where} answers with ${model} over the ${api === 'chat' ? 'Chat Completions' : 'Responses'} API`,
      ),
    ];
  } catch (error) {
    if (error instanceof OpenAI.NotFoundError) {
      const other = api === 'chat' ? 'responses' : 'chat';
      return [
        fail(
          'Model service',
          `${where} does not speak the ${api === 'chat' ? 'Chat Completions' : 'Responses'} API`,
          `Set OPENAI_API=${other}`,
        ),
      ];
    }
    return [
      fail(
        'Model service',
        `${where} refused a test request: ${(error as Error).message}`,
        'Check OPENAI_MODEL and OPENAI_API',
      ),
    ];
  }
}

async function checkTemporal(config: Config): Promise<CheckResult[]> {
  const { temporal } = config;
  if (!temporal.address) {
    try {
      const cli = chooseTemporalCli({ cliPath: temporal.cliPath, searchPath: temporal.searchPath });
      return [
        ok(
          'Temporal',
          `TEMPORAL_ADDRESS unset: npm start runs an embedded dev server (CLI from ${cli.source}), state in ${temporal.stateFile}`,
        ),
      ];
    } catch (error) {
      return [
        fail(
          'Temporal',
          (error as Error).message,
          'Run npm run setup:temporal, install the Temporal CLI, or set TEMPORAL_ADDRESS',
        ),
      ];
    }
  }
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address: temporal.address,
      connectTimeout: CHECK_TIMEOUT_MS,
      ...(tlsFrom(temporal) !== undefined ? { tls: tlsFrom(temporal) } : {}),
      ...(temporal.apiKey ? { apiKey: temporal.apiKey } : {}),
    });
  } catch (error) {
    return [
      fail(
        'Temporal',
        `${temporal.address} is not reachable: ${(error as Error).message}`,
        'Check TEMPORAL_ADDRESS, the TLS settings and that the server is up',
      ),
    ];
  }
  try {
    const { namespace } = temporal;
    const deadline = () => Date.now() + CHECK_TIMEOUT_MS;
    try {
      await connection.withDeadline(deadline(), () =>
        connection.workflowService.describeNamespace({ namespace }),
      );
    } catch (error) {
      return [
        fail(
          'Temporal',
          `${temporal.address} has no namespace ${namespace} (${(error as Error).message})`,
          `Create it (temporal operator namespace create --namespace ${namespace}) or set TEMPORAL_NAMESPACE`,
        ),
      ];
    }
    const listed = await connection.withDeadline(deadline(), () =>
      connection.operatorService.listSearchAttributes({ namespace }),
    );
    const present = { ...listed.customAttributes, ...listed.systemAttributes };
    const missing = INBOX_SEARCH_ATTRIBUTES.filter((key) => present[key.name] === undefined);
    if (missing.length > 0)
      return [
        warn(
          'Temporal',
          `${temporal.address}, namespace ${namespace}: search attributes missing: ${missing.map((k) => k.name).join(', ')}`,
          `The worker registers them at start when it may; otherwise run: ${missing.map((k) => searchAttributeCommand(namespace, k)).join(' && ')}`,
        ),
      ];
    return [ok('Temporal', `${temporal.address}, namespace ${namespace}, search attributes registered`)];
  } catch (error) {
    return [
      fail(
        'Temporal',
        `${temporal.address} did not answer: ${(error as Error).message}`,
        'Check that the server is up',
      ),
    ];
  } finally {
    await connection.close();
  }
}

async function checkPolicyAndTools(config: Config): Promise<CheckResult[]> {
  const results = [
    ok(
      'Approval policy',
      `${describePolicy(config.approval.policy)[0]}${config.approval.policyFile ? ` (${config.approval.policyFile})` : ''}`,
    ),
  ];
  if (config.mcp.servers.length === 0) return [...results, ok('MCP servers', 'none configured')];
  const mcp = await connectMcpTools(config.mcp.servers, createLogger('error', { service: 'doctor' }), []);
  try {
    for (const server of config.mcp.servers) {
      const problem = mcp.problems.find((p) => p.server === server.name);
      const tools = mcp.tools.filter((t) => t.origin?.server === server.name).length;
      results.push(
        problem
          ? fail(
              `MCP server ${server.name}`,
              problem.error,
              `Fix its entry in ${config.mcp.configFile ?? 'MCP_CONFIG'}, or run its command by hand to see why it stops`,
            )
          : ok(`MCP server ${server.name}`, `started, ${tools} tools`),
      );
    }
  } finally {
    await mcp.close();
  }
  return results;
}

/** Every check, in the order a person would fix things; those needing a valid configuration run only with one. */
export async function runChecks(config: Config): Promise<CheckResult[]> {
  const [slack, model, temporal, policy] = await Promise.all([
    checkSlack(config),
    checkModel(config),
    checkTemporal(config),
    checkPolicyAndTools(config),
  ]);
  return [...slack, ...model, ...temporal, ...policy];
}
