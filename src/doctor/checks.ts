// `npm run doctor`: each check asks the real service what the app will need from it, and says in plain words what
// is wrong and how to fix it. A check never prints a credential.
import { readFileSync } from 'node:fs';
import { LogLevel, WebClient } from '@slack/web-api';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import OpenAI from 'openai';
import { modelClient } from '../activities/model-client.js';
import { describePolicy } from '../approval/policy-summary.js';
import type { ApprovalPlan } from '../approval/schemas.js';
import { type Config, ConfigError } from '../config.js';
import { createLogger } from '../logger.js';
import { annotationTrustWords, connectMcpTools, serverToolsText } from '../mcp/tools.js';
import { createMembershipCheck, type Membership } from '../slack/membership.js';
import { connectionOptions, resolveTemporal } from '../temporal/connection.js';
import { chooseTemporalCli } from '../temporal/dev-server.js';
import {
  CLOUD_SEARCH_ATTRIBUTES_HINT,
  compareSearchAttributes,
  searchAttributeCommand,
  wrongTypeProblem,
} from '../temporal/search-attributes.js';

export interface CheckResult {
  name: string;
  /** `skip`: not run, because what it needs failed first (`found` says what). */
  status: 'ok' | 'warn' | 'fail' | 'skip';
  /** What was found, in a few words. */
  found: string;
  /** What to do about it, when something is wrong; a line break starts a line to copy as is (a command). */
  fix?: string;
}

/** How long any one service may take to answer a check: a person is waiting at the terminal. */
const CHECK_TIMEOUT_MS = 5_000;
/** gRPC's status code for "no such thing" (here: no such namespace). */
const GRPC_NOT_FOUND = 5;

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
const skipped = (name: string, why: string): CheckResult => ({
  name,
  status: 'skip',
  found: `skipped: ${why}`,
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

/** What Slack answers for a token it will not accept. */
const TOKEN_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'account_inactive',
  'token_expired',
]);

const COPY_BOT_TOKEN = 'Copy the Bot User OAuth Token (xoxb-…) from your app’s OAuth & Permissions page';

/** A client for one question each: no retries, a short timeout, and no log lines of its own in the report. */
function slackClient(config: Config, token: string): WebClient {
  return new WebClient(token, {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 0 },
    timeout: CHECK_TIMEOUT_MS,
    logLevel: LogLevel.ERROR,
  });
}

interface BotIdentity {
  team: string;
  name: string;
  scopes: string[] | undefined;
}

async function checkBotToken(config: Config, slack: WebClient): Promise<CheckResult | BotIdentity> {
  const name = 'Slack bot token';
  try {
    const auth = await slack.auth.test();
    return {
      team: auth.team ?? auth.team_id ?? 'unnamed',
      name: auth.user ?? 'your app',
      scopes: auth.response_metadata?.scopes,
    };
  } catch (error) {
    const code = slackError(error);
    return TOKEN_ERRORS.has(code)
      ? fail(
          name,
          `Slack refuses SLACK_BOT_TOKEN (${code})`,
          `${COPY_BOT_TOKEN} again; reinstall the app if it was uninstalled`,
        )
      : fail(
          name,
          `Slack could not be asked (${code})`,
          `Check that this machine reaches ${config.slack.apiUrl} (SLACK_API_URL)`,
        );
  }
}

function checkScopes(granted: string[] | undefined): CheckResult {
  const name = 'Bot scopes';
  const needed = manifestBotScopes();
  if (!granted) return warn(name, 'Slack did not say which scopes the token has');
  const missing = missingScopes(needed, granted);
  return missing.length === 0
    ? ok(name, `all ${needed.length} the app needs`)
    : fail(
        name,
        `missing ${missing.join(', ')}`,
        'Add them under OAuth & Permissions → Bot Token Scopes (or import manifest.json again), then reinstall the app to the workspace: a token keeps the scopes it was installed with',
      );
}

/** Socket Mode's app-level token, or HTTP mode's signing secret (which only Slack can verify). */
async function checkConnectionMode(config: Config): Promise<CheckResult> {
  if (!config.slack.socketMode) {
    return config.slack.signingSecret
      ? ok(
          'HTTP mode',
          `signing secret set (Slack alone can verify it: a wrong one shows as requests refused with 401), port ${config.slack.port}`,
        )
      : fail(
          'HTTP mode',
          'SLACK_SIGNING_SECRET is not set',
          'Copy the Signing Secret from Basic Information → App Credentials, or set SLACK_APP_TOKEN for Socket Mode',
        );
  }
  try {
    // Asks for a WebSocket URL, as Socket Mode does at start; nothing connects to it.
    await slackClient(config, config.slack.appToken ?? '').apps.connections.open();
    return ok('Socket Mode', 'the app-level token opens a connection');
  } catch (error) {
    return fail(
      'Socket Mode',
      `Slack refuses SLACK_APP_TOKEN (${slackError(error)})`,
      'Create an app-level token with the connections:write scope (Basic Information → App-Level Tokens, xapp-…) and put it in SLACK_APP_TOKEN; or leave it empty for HTTP mode',
    );
  }
}

async function checkSlack(config: Config): Promise<CheckResult[]> {
  const token = config.slack.botToken;
  const [mode, bot] = await Promise.all([
    checkConnectionMode(config),
    token
      ? checkBotToken(config, slackClient(config, token))
      : fail('Slack bot token', 'SLACK_BOT_TOKEN is not set', `${COPY_BOT_TOKEN} into SLACK_BOT_TOKEN`),
  ]);
  if ('status' in bot) {
    const why = 'needs the bot token to work first';
    return [
      bot,
      skipped('Bot scopes', why),
      mode,
      skipped('Approvals channel', why),
      skipped('Approvers', why),
      skipped('Requesters', why),
    ];
  }
  const slack = slackClient(config, token ?? '');
  const [channels, approvers, requesters] = await Promise.all([
    checkChannels(config, slack, bot),
    checkApprovers(config, slack),
    checkRequesters(config, slack),
  ]);
  return [
    ok('Slack bot token', `valid for workspace ${bot.team} as @${bot.name}`),
    checkScopes(bot.scopes),
    mode,
    ...channels,
    approvers,
    requesters,
  ];
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

async function checkChannels(config: Config, slack: WebClient, bot: BotIdentity): Promise<CheckResult[]> {
  const name = 'Approvals channel';
  const channels = new Set<string>();
  for (const plan of plans(config)) {
    if (plan.channel) channels.add(plan.channel);
    for (const stage of plan.stages) if (stage.escalateTo?.channel) channels.add(stage.escalateTo.channel);
  }
  if (channels.size === 0) return [ok(name, 'none set: cards go to the channel each request is made in')];
  const invite = `/invite @${bot.name}`;
  return Promise.all(
    [...channels].map(async (channel) => {
      try {
        const info = await slack.conversations.info({ channel });
        const shown = `#${info.channel?.name ?? channel}`;
        return info.channel?.is_member
          ? ok(name, `${shown} exists and the bot is in it`)
          : fail(name, `the bot is not in ${shown}`, `Invite it: type ${invite} in ${shown}`);
      } catch (error) {
        const code = slackError(error);
        return code === 'channel_not_found'
          ? fail(
              name,
              `${channel}: channel_not_found`,
              `Set APPROVALS_CHANNEL (or the policy file’s channel) to the ID of an existing channel (C…, at the bottom of the channel’s details); a private channel is found only once the bot is in it: ${invite} there`,
            )
          : fail(
              name,
              `${channel}: Slack answered ${code}`,
              'Fix the problems above, then run the doctor again',
            );
      }
    }),
  );
}

/** Why a person can do neither, in the doctor's words; `does`: what only full members may do. */
const membershipProblem = (reason: Exclude<Membership, { ok: true }>['reason'], does: string): string =>
  ({
    deactivated: 'is deactivated',
    bot: 'is a bot or an app',
    other_workspace: `is in another workspace (only members of this one may ${does})`,
    guest: `is a guest (only full members may ${does})`,
    unverifiable: 'could not be checked',
  })[reason];

/** Problems with the people and user groups a setting lists: each must be a full member, each group must exist. */
async function peopleProblems(
  slack: WebClient,
  users: ReadonlySet<string>,
  groups: ReadonlySet<string>,
  does: string,
): Promise<string[]> {
  // The same rule a click and a request are checked by: only full members of this workspace may decide or ask.
  const membership = createMembershipCheck();
  const problems: string[] = [];
  await Promise.all([
    ...[...users].map(async (user) => {
      const verdict = await membership(slack, user);
      if (verdict.ok) return;
      if (verdict.reason !== 'unverifiable') {
        problems.push(`${user} ${membershipProblem(verdict.reason, does)}`);
        return;
      }
      // Asked again for Slack's own word on why (user_not_found, missing_scope, …).
      const why = await slack.users.info({ user }).then(
        () => membershipProblem('unverifiable', does),
        (error: unknown) => slackError(error),
      );
      problems.push(`${user}: ${why}`);
    }),
    ...[...groups].map(async (usergroup) => {
      try {
        await slack.usergroups.users.list({ usergroup });
      } catch (error) {
        problems.push(`${usergroup}: ${slackError(error)}`);
      }
    }),
  ]);
  return problems.sort();
}

const MEMBER_IDS_FIX =
  'Use member IDs of full members (U…, a profile’s ⋮ → Copy member ID) and user group IDs (S…) in';

async function checkApprovers(config: Config, slack: WebClient): Promise<CheckResult> {
  const name = 'Approvers';
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
    return warn(
      name,
      'none configured: any full member of the workspace may approve',
      'Set APPROVERS (user IDs U…, user group IDs S…) unless that is what you want',
    );
  const problems = await peopleProblems(slack, users, groups, 'decide');
  if (problems.length === 0)
    return ok(name, `${users.size} people and ${groups.size} user groups, all found`);
  return fail(name, problems.join('; '), `${MEMBER_IDS_FIX} APPROVERS and the policy file`);
}

async function checkRequesters(config: Config, slack: WebClient): Promise<CheckResult> {
  const name = 'Requesters';
  if (!config.requesters) return ok(name, 'REQUESTERS unset: every full member of the workspace may ask');
  const users = new Set(config.requesters.users);
  const groups = new Set(config.requesters.userGroups);
  const problems = await peopleProblems(slack, users, groups, 'ask');
  if (problems.length === 0)
    return ok(name, `${users.size} people and ${groups.size} user groups, all found`);
  return fail(name, problems.join('; '), `${MEMBER_IDS_FIX} REQUESTERS`);
}

/** A 404 that names the model (or says model_not_found) is about the model, not about the endpoint. */
export function isModelNotFound(error: unknown, model: string): boolean {
  return (
    error instanceof OpenAI.NotFoundError &&
    (error.code === 'model_not_found' || error.message.includes(model))
  );
}

async function checkModel(config: Config): Promise<CheckResult> {
  const name = 'Model service';
  const { apiKey, baseUrl, model, api } = config.openai;
  if (!apiKey && !baseUrl)
    return fail(
      name,
      'OPENAI_API_KEY is not set',
      'Set OPENAI_API_KEY (and OPENAI_BASE_URL for a service other than OpenAI)',
    );
  // As the worker builds it: a local server may need no key, and gets the same placeholder.
  const openai = modelClient(config.openai, CHECK_TIMEOUT_MS);
  const where = baseUrl ?? 'OpenAI';
  const apiName = api === 'chat' ? 'Chat Completions' : 'Responses';
  const noModel = fail(
    name,
    `${where} has no model ${model}`,
    'Set OPENAI_MODEL to a model this service offers',
  );
  const refused = (error: unknown): CheckResult | undefined => {
    if (isModelNotFound(error, model)) return noModel;
    if (error instanceof OpenAI.AuthenticationError)
      return apiKey
        ? fail(name, `${where} refuses OPENAI_API_KEY`, 'Set OPENAI_API_KEY to a key this service accepts')
        : fail(name, `${where} wants an API key`, 'Set OPENAI_API_KEY');
    if (error instanceof OpenAI.APIConnectionError)
      return fail(
        name,
        `${where} did not answer: ${error.message}`,
        'Check OPENAI_BASE_URL and that this machine reaches it',
      );
    return undefined;
  };
  try {
    await openai.models.retrieve(model);
  } catch (error) {
    // A service without a model lookup (a 404 that names no model) is asked the test request below instead.
    if (!(error instanceof OpenAI.NotFoundError) || isModelNotFound(error, model))
      return (
        refused(error) ??
        fail(
          name,
          `${where} refused to look up ${model}: ${(error as Error).message}`,
          'Check OPENAI_BASE_URL',
        )
      );
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
    return ok(name, `${where} answers with ${model} over the ${apiName} API`);
  } catch (error) {
    const known = refused(error);
    if (known) return known;
    if (error instanceof OpenAI.NotFoundError)
      return fail(
        name,
        `${where} does not speak the ${apiName} API`,
        `Set OPENAI_API=${api === 'chat' ? 'responses' : 'chat'}`,
      );
    return fail(
      name,
      `${where} refused a test request: ${(error as Error).message}`,
      'Check OPENAI_MODEL and OPENAI_API',
    );
  }
}

async function checkTemporal(config: Config): Promise<CheckResult> {
  const name = 'Temporal';
  const { temporal } = config;
  if (!temporal.address) {
    try {
      const cli = chooseTemporalCli({ cliPath: temporal.cliPath, searchPath: temporal.searchPath });
      return ok(
        name,
        `TEMPORAL_ADDRESS unset: npm start runs an embedded dev server (CLI from ${cli.source}), state in ${temporal.stateFile}`,
      );
    } catch (error) {
      return fail(
        name,
        (error as Error).message,
        'Run npm run setup:temporal, install the Temporal CLI, or set TEMPORAL_ADDRESS',
      );
    }
  }
  const { namespace } = temporal;
  // Where the settings came from, when a temporal.toml profile was chosen: the same file the CLI reads.
  const address = temporal.profileName
    ? `${temporal.address} (profile ${temporal.profileName})`
    : temporal.address;
  let connection: Connection;
  try {
    // With an address set this only reads the settings: nothing is started.
    const target = await resolveTemporal(temporal);
    connection = await Connection.connect({ ...connectionOptions(target), connectTimeout: CHECK_TIMEOUT_MS });
  } catch (error) {
    return fail(
      name,
      `${address} is not reachable: ${(error as Error).message}`,
      'Check TEMPORAL_ADDRESS (or the temporal.toml profile), the TLS settings and that the server is up',
    );
  }
  const deadline = () => Date.now() + CHECK_TIMEOUT_MS;
  try {
    try {
      await connection.withDeadline(deadline(), () =>
        connection.workflowService.describeNamespace({ namespace }),
      );
    } catch (error) {
      if (isGrpcServiceError(error) && error.code === GRPC_NOT_FOUND)
        return fail(
          name,
          `${address} has no namespace ${namespace}`,
          `Create it (temporal operator namespace create --namespace ${namespace}) or set TEMPORAL_NAMESPACE`,
        );
      throw error;
    }
    const { missing, wrongType } = compareSearchAttributes(
      await connection.withDeadline(deadline(), () =>
        connection.operatorService.listSearchAttributes({ namespace }),
      ),
    );
    if (wrongType.length > 0)
      return fail(
        name,
        wrongTypeProblem(namespace, wrongType),
        'Use a namespace of its own for Countersign (TEMPORAL_NAMESPACE)',
      );
    if (missing.length > 0)
      return fail(
        name,
        `${address}, namespace ${namespace}: search attributes missing: ${missing.map((k) => k.name).join(', ')}`,
        [
          'The worker registers them at start when Temporal lets it; otherwise register them once:',
          ...missing.map((k) => `  ${searchAttributeCommand(namespace, k)}`),
          CLOUD_SEARCH_ATTRIBUTES_HINT,
        ].join('\n'),
      );
    return ok(name, `${address}, namespace ${namespace}, search attributes registered`);
  } catch (error) {
    return fail(
      name,
      `${address} did not answer: ${(error as Error).message}`,
      'Check that the server is up, and that TEMPORAL_API_KEY or the client certificate may use this namespace',
    );
  } finally {
    await connection.close();
  }
}

async function checkPolicyAndTools(config: Config): Promise<CheckResult[]> {
  const { policyFile } = config.approval;
  const results = [
    ok(
      'Approval policy',
      `${describePolicy(config.approval.policy)[0]}${policyFile ? ` (${policyFile})` : ''}`,
    ),
  ];
  if (config.mcp.servers.length === 0) return [...results, ok('MCP servers', 'none configured')];
  // Its log lines would only repeat, as JSON, what the report says.
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
          : ok(
              `MCP server ${server.name}`,
              `started, ${tools} tools (${annotationTrustWords(server.trustAnnotations === true)}): ` +
                serverToolsText(server.name, mcp.tools, config.approval.policy.toolRisks),
            ),
      );
    }
  } finally {
    await mcp.close();
  }
  return results;
}

/**
 * Every check, in the order a person would fix things: the configuration first, since every other check needs it
 * (`load` reads it; a ConfigError is its failure, and the rest is skipped).
 */
export async function runChecks(load: () => Config): Promise<CheckResult[]> {
  let config: Config;
  try {
    config = load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [
      fail(
        'Configuration',
        error.message,
        'Correct what it names: a variable in .env or the environment (see .env.example), or the field at the line it gives',
      ),
      skipped(
        'Other checks',
        'Slack, the model service, Temporal and the MCP servers are asked once the configuration is valid',
      ),
    ];
  }
  const [slack, model, temporal, policy] = await Promise.all([
    checkSlack(config),
    checkModel(config),
    checkTemporal(config),
    checkPolicyAndTools(config),
  ]);
  return [
    ok('Configuration', `valid (.env and the environment), Node.js ${process.versions.node}`),
    ...slack,
    model,
    temporal,
    ...policy,
  ];
}
