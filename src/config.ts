// The only reader of process.env. Everything else receives a typed, validated Config.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ClientConfigProfile, loadClientConfigProfile } from '@temporalio/envconfig';
import dotenv from 'dotenv';
import { z } from 'zod';
import {
  APPROVAL_WAIT_MAX_MS,
  approvalWaitLimit,
  loadPolicyFile,
  PolicyFileError,
  type PolicyFileOptions,
} from './approval/policy-file.js';
import { policyWarnings } from './approval/policy-summary.js';
import { type ApprovalPlan, type ApprovalPolicy, type ApproverIds, RISKS } from './approval/schemas.js';
import { parseDuration } from './duration.js';
import { redactEverywhere } from './logger.js';
import { loadMcpConfig, McpConfigError, type McpServerConfig } from './mcp/config.js';
import { SLACK_CONVERSATION_ID, SLACK_USER_ID, SLACK_USERGROUP_ID } from './slack/ids.js';
import { TOOLS } from './tools/index.js';

const DEFAULT_OPENAI_MODEL = 'gpt-5-mini';
/**
 * The metrics port answers anyone who reaches it, with no credential: loopback unless the operator opens it (a
 * Prometheus or a kubelet probe in a cluster needs the pod's address, e.g. METRICS_HOST=0.0.0.0).
 */
const METRICS_HOST_DEFAULT = '127.0.0.1';
/**
 * The MCP gateway asks a token of every caller, but it runs tools: loopback unless the operator opens it (the agents
 * that use it run on other machines, e.g. MCP_GATEWAY_HOST=0.0.0.0 behind a TLS-terminating proxy).
 */
const MCP_GATEWAY_HOST_DEFAULT = '127.0.0.1';
/**
 * Workflows a worker keeps in memory between tasks. A waiting approval needs none: an evicted workflow is
 * replayed from its (short) history when its decision arrives. Bounding the cache keeps a worker's memory flat
 * however many approvals wait; the SDK's own default sizes it from the heap, i.e. thousands.
 */
const DEFAULT_MAX_CACHED_WORKFLOWS = 200;

const emptyAsUnset = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const optionalString = z.preprocess(emptyAsUnset, z.string().optional());

const FLAG_VALUES = ['true', 'false', '1', '0', 'yes', 'no'] as const;
const isOn = (v: (typeof FLAG_VALUES)[number]) => v === 'true' || v === '1' || v === 'yes';

const booleanFlag = z.preprocess(
  emptyAsUnset,
  z.enum(FLAG_VALUES, { error: 'expected true or false' }).default('false').transform(isOn),
);

const duration = (fallback: string) =>
  z.preprocess(
    emptyAsUnset,
    z
      .string()
      .default(fallback)
      .transform((text, ctx) => {
        const ms = parseDuration(text);
        if (ms === undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `expected a duration like 90s, 15m, 24h or 7d, got "${text}"`,
          });
          return z.NEVER;
        }
        if (ms > APPROVAL_WAIT_MAX_MS) {
          ctx.addIssue({ code: 'custom', message: `at most ${approvalWaitLimit()}, got "${text}"` });
          return z.NEVER;
        }
        return ms;
      }),
  );

/** Slack people: user IDs and user-group IDs, comma-separated (APPROVERS, REQUESTERS). */
const people = z.preprocess(
  emptyAsUnset,
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      const ids = (text ?? '')
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
      const bad = ids.filter((id) => !SLACK_USER_ID.test(id) && !SLACK_USERGROUP_ID.test(id));
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `expected Slack user IDs (U…/W…) or user-group IDs (S…), comma-separated; not an ID: ${bad.join(', ')}`,
        });
        return z.NEVER;
      }
      return {
        users: ids.filter((id) => SLACK_USER_ID.test(id)),
        userGroups: ids.filter((id) => SLACK_USERGROUP_ID.test(id)),
      };
    }),
);

/** This machine: names and addresses that never leave it, so plain http and unencrypted gRPC stay private. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    /^127(?:\.\d{1,3}){3}$/.test(name) ||
    name === '::1'
  );
}

/**
 * An http(s) URL the app sends a credential to (the bot token, the OpenAI key): plain http only to this machine,
 * where the tests' fakes and local model servers listen; anywhere else the credential would cross the network in clear.
 */
const credentialUrl = (sends: string) =>
  z.url({ error: 'expected an http(s) URL' }).superRefine((text, ctx) => {
    // zod goes on to refinements after a failed check; that failure has been reported already.
    if (!URL.canParse(text)) return;
    const parsed = new URL(text);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: `expected an http(s) URL, got ${parsed.protocol}` });
    } else if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
      ctx.addIssue({
        code: 'custom',
        message: `http:// would send ${sends} unencrypted to ${parsed.hostname}; use https:// (plain http is allowed only to this machine: localhost, 127.0.0.1, ::1)`,
      });
    }
  });

const HOST_PORT = /^[^\s:/]+:\d{1,5}$/;
const hostPort = z.preprocess(
  emptyAsUnset,
  z.string().regex(HOST_PORT, { error: 'expected host:port, e.g. localhost:7233' }).optional(),
);

/** Where spans go: a collector's OTLP/HTTP endpoint. */
const otlpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL of an OTLP/HTTP endpoint' });

/** The OTLP wires Countersign speaks: OTLP/HTTP, protobuf (the SDKs' default) or JSON. */
const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
const otlpProtocol = z.preprocess(
  emptyAsUnset,
  z
    .enum(OTLP_PROTOCOLS, {
      error:
        'expected http/protobuf or http/json (OTLP over gRPC is not supported: use the collector’s HTTP port, 4318)',
    })
    .optional(),
);

/** `name=value,name2=value2`, values percent-encoded, as the OpenTelemetry specification writes headers. */
const otlpHeaders = z.preprocess(
  emptyAsUnset,
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      const headers: Record<string, string> = {};
      for (const pair of (text ?? '').split(',').filter((p) => p.trim())) {
        const at = pair.indexOf('=');
        if (at <= 0) {
          ctx.addIssue({ code: 'custom', message: 'expected name=value pairs, comma-separated' });
          return z.NEVER;
        }
        headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
      }
      return headers;
    }),
);

/** A TCP port number from `lowest` (0: any free port) to 65535. */
function portNumber(lowest: 0 | 1) {
  const range = `expected a port number between ${lowest} and 65535`;
  return z.coerce
    .number({ error: 'expected a port number' })
    .int({ error: 'expected a port number' })
    .min(lowest, { error: range })
    .max(65535, { error: range });
}

export const envSchema = z.object({
  SLACK_BOT_TOKEN: z.preprocess(
    emptyAsUnset,
    z.string().startsWith('xoxb-', { error: 'expected a bot token starting with xoxb-' }).optional(),
  ),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: z.preprocess(
    emptyAsUnset,
    z.string().startsWith('xapp-', { error: 'expected an app-level token starting with xapp-' }).optional(),
  ),
  SLACK_API_URL: z
    .preprocess(emptyAsUnset, credentialUrl('the bot token').default('https://slack.com/api/'))
    .transform((u) => (u.endsWith('/') ? u : `${u}/`)),
  PORT: z.preprocess(emptyAsUnset, portNumber(0).default(3000)),
  METRICS_PORT: z.preprocess(emptyAsUnset, portNumber(1).optional()),
  METRICS_HOST: z.preprocess(
    emptyAsUnset,
    z
      .union([z.ipv4(), z.ipv6(), z.hostname()], {
        error: 'expected an address or host name to listen on, e.g. 127.0.0.1 or 0.0.0.0',
      })
      .default(METRICS_HOST_DEFAULT),
  ),
  MCP_GATEWAY_PORT: z.preprocess(emptyAsUnset, portNumber(0).optional()),
  MCP_GATEWAY_HOST: z.preprocess(
    emptyAsUnset,
    z
      .union([z.ipv4(), z.ipv6(), z.hostname()], {
        error: 'expected an address or host name to listen on, e.g. 127.0.0.1 or 0.0.0.0',
      })
      .default(MCP_GATEWAY_HOST_DEFAULT),
  ),
  APPROVALS_CHANNEL: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .regex(SLACK_CONVERSATION_ID, { error: 'expected a Slack channel ID like C0123ABCD' })
      .optional(),
  ),
  APPROVERS: people,
  REQUESTERS: people,
  ALLOW_SELF_APPROVAL: booleanFlag,
  APPROVAL_TIMEOUT: duration('24h'),
  APPROVAL_RISK_THRESHOLD: z.preprocess(
    emptyAsUnset,
    z.enum(RISKS, { error: 'expected low, medium or high' }).default('medium'),
  ),
  POLICY_FILE: optionalString,
  MCP_CONFIG: optionalString,
  WEBHOOK_ALLOWLIST: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .optional()
      .transform((text, ctx) => {
        const entries = (text ?? '')
          .split(',')
          .map((e) => e.trim())
          .filter(Boolean);
        const bad = entries.filter((e) => !/^https?:\/\/[^\s]+$/.test(e) || !URL.canParse(e));
        if (bad.length > 0) {
          ctx.addIssue({
            code: 'custom',
            message: `expected comma-separated http(s) URL prefixes; not a URL: ${bad.join(', ')}`,
          });
          return z.NEVER;
        }
        return entries;
      }),
  ),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: z.preprocess(emptyAsUnset, credentialUrl('the OpenAI API key').optional()),
  OPENAI_MODEL: z.preprocess(emptyAsUnset, z.string().default(DEFAULT_OPENAI_MODEL)),
  /** Which wire the model service speaks: OpenAI's Responses API, or Chat Completions (vLLM, Ollama, LiteLLM, …). */
  OPENAI_API: z.preprocess(
    emptyAsUnset,
    z.enum(['responses', 'chat'], { error: 'expected "responses" or "chat"' }).default('responses'),
  ),
  // Where Temporal is and how to reach it is read by @temporalio/envconfig (temporalProfileFrom), as the `temporal`
  // CLI reads it; these are only checked here, so a typo stops start-up instead of meaning something else.
  TEMPORAL_ADDRESS: hostPort,
  TEMPORAL_NAMESPACE: optionalString,
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_CONFIG_FILE: optionalString,
  TEMPORAL_PROFILE: optionalString,
  /** envconfig reads every other word as false: "yes" would silently mean no TLS. */
  TEMPORAL_TLS: z.preprocess(
    emptyAsUnset,
    z.enum(['true', 'false', '1', '0'], { error: 'expected true or false' }).optional(),
  ),
  TEMPORAL_TLS_CERT: z.preprocess(
    emptyAsUnset,
    z.undefined({
      error: 'renamed TEMPORAL_TLS_CLIENT_CERT_PATH, the name the temporal CLI and the SDKs read',
    }),
  ),
  TEMPORAL_TLS_KEY: z.preprocess(
    emptyAsUnset,
    z.undefined({
      error: 'renamed TEMPORAL_TLS_CLIENT_KEY_PATH, the name the temporal CLI and the SDKs read',
    }),
  ),
  TEMPORAL_TASK_QUEUE: z.preprocess(emptyAsUnset, z.string().default('countersign')),
  TEMPORAL_CLI_PATH: optionalString,
  TEMPORAL_MAX_CACHED_WORKFLOWS: z.preprocess(
    emptyAsUnset,
    z.coerce
      .number({ error: 'expected a whole number of workflows' })
      .int({ error: 'expected a whole number of workflows' })
      .min(0, { error: 'expected a whole number of workflows (0 or more)' })
      .default(DEFAULT_MAX_CACHED_WORKFLOWS),
  ),
  TEMPORAL_STATE_FILE: z.preprocess(emptyAsUnset, z.string().default('.data/temporal.sqlite')),
  // Traces (src/tracing.ts): off unless an OTLP endpoint is set, by the OpenTelemetry SDKs' own variables.
  OTEL_SDK_DISABLED: booleanFlag,
  OTEL_TRACES_EXPORTER: z.preprocess(
    emptyAsUnset,
    z
      .enum(['otlp', 'none'], { error: 'expected otlp or none (the only exporters Countersign has)' })
      .default('otlp'),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(emptyAsUnset, otlpUrl.optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.preprocess(emptyAsUnset, otlpUrl.optional()),
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol,
  OTEL_EXPORTER_OTLP_HEADERS: otlpHeaders,
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: otlpHeaders,
  OTEL_SERVICE_NAME: z.preprocess(emptyAsUnset, z.string().default('countersign')),
  TRACE_TOOL_ARGUMENTS: booleanFlag,
  PATH: optionalString,
  LOG_LEVEL: z.preprocess(
    emptyAsUnset,
    z
      .enum(['debug', 'info', 'warn', 'error'], { error: 'expected one of debug, info, warn, error' })
      .default('info'),
  ),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  /** Serves /metrics, /healthz and /readyz on this port when set (every process); off when unset. */
  metricsPort: number | undefined;
  /** The address the metrics port listens on: this machine only unless METRICS_HOST opens it. */
  metricsHost: string;
  /** The MCP gateway (src/gateway/), served by the worker role when MCP_GATEWAY_PORT is set; 0: any free port. */
  gateway: { port: number; host: string } | undefined;
  slack: {
    botToken: string | undefined;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string;
    port: number;
    socketMode: boolean;
  };
  approval: {
    /**
     * The rules in force: APPROVERS, ALLOW_SELF_APPROVAL, APPROVAL_TIMEOUT, APPROVAL_RISK_THRESHOLD and
     * APPROVALS_CHANNEL as one default plan, refined by POLICY_FILE when set.
     */
    policy: ApprovalPolicy;
    /** The policy file read, as an absolute path; undefined when POLICY_FILE is unset. */
    policyFile: string | undefined;
  };
  /**
   * Who may ask the agent (REQUESTERS), among the full members of the workspace, who alone may ask at all; undefined:
   * every full member.
   */
  requesters: ApproverIds | undefined;
  tools: {
    webhookAllowlist: string[];
  };
  mcp: {
    /** The MCP config read, as an absolute path; undefined when MCP_CONFIG is unset. */
    configFile?: string;
    /** In file order; their header and env values are credentials, kept out of the logs. */
    servers: McpServerConfig[];
  };
  openai: {
    apiKey: string | undefined;
    baseUrl: string | undefined;
    model: string;
    /** The wire the model service speaks. */
    api: 'responses' | 'chat';
  };
  temporal: {
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    /**
     * The connection as the `temporal` CLI would make it: a temporal.toml profile (TEMPORAL_CONFIG_FILE,
     * TEMPORAL_PROFILE) under the TEMPORAL_* variables. Certificates are read when connecting.
     */
    profile: ClientConfigProfile;
    /** The profile chosen by TEMPORAL_PROFILE, and the file it came from; for the doctor and the start summary. */
    profileName: string | undefined;
    /**
     * Whether the connection to the address is encrypted: TEMPORAL_TLS (or the profile's tls), else implied by an API
     * key or any other TLS setting. Unencrypted off this machine only when TEMPORAL_TLS=false says so.
     */
    tls: boolean;
    cliPath: string | undefined;
    maxCachedWorkflows: number;
    /** The embedded dev server's SQLite file: pending approvals survive a restart. */
    stateFile: string;
    /** The process's PATH, searched for a `temporal` CLI when no address is configured. */
    searchPath: string | undefined;
  };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Where traces go (OTLP/HTTP); undefined: tracing off, the default. */
  tracing: TracingConfig | undefined;
}

export interface TracingConfig {
  /** The full URL spans are posted to. */
  url: string;
  protocol: (typeof OTLP_PROTOCOLS)[number];
  /** Sent with every export: often the collector's credential, kept out of the logs. */
  headers: Record<string, string>;
  serviceName: string;
  /** TRACE_TOOL_ARGUMENTS: each tool span carries the call's arguments (off: they may hold anything a person wrote). */
  toolArguments: boolean;
}

/** A configuration problem a person can fix: names the variable and what it expects. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration — ${lines.join('; ')}`);
  }
  const e = result.data;
  const temporalProfile = temporalProfileFrom(env);
  const temporalTls = temporalTlsFrom(temporalProfile);
  const envApprovers = namesAnyone(e.APPROVERS) ? e.APPROVERS : undefined;
  const envPlan: ApprovalPlan = {
    rule: 'default',
    stages: [
      {
        name: 'Approval',
        approvers: envApprovers,
        required: 1,
        timeoutMs: e.APPROVAL_TIMEOUT,
        remindAfterMs: undefined,
        escalateAfterMs: undefined,
        escalateTo: undefined,
      },
    ],
    allowSelfApproval: e.ALLOW_SELF_APPROVAL,
    onTimeout: 'cancel',
    channel: e.APPROVALS_CHANNEL,
  };
  const envDefaults = { plan: envPlan, threshold: e.APPROVAL_RISK_THRESHOLD };
  // Read before the policy, whose rules may name the MCP servers' tools.
  const mcpServers = e.MCP_CONFIG ? mcpServersFrom(e.MCP_CONFIG, env) : [];
  const policy = e.POLICY_FILE
    ? policyFromFile(
        e.POLICY_FILE,
        envDefaults,
        mcpServers.map((server) => server.name),
      )
    : { threshold: envDefaults.threshold, default: envPlan, risks: {}, tools: {} };
  // A call from an MCP client is made in no Slack channel: its card needs one the operator chose.
  if (e.MCP_GATEWAY_PORT !== undefined && !policy.default.channel) {
    throw new ConfigError(
      'Invalid configuration — MCP_GATEWAY_PORT: needs APPROVALS_CHANNEL (or the policy file’s default channel), where the cards of calls made through the gateway are posted; a call from an MCP client comes from no Slack channel of its own',
    );
  }
  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      port: e.PORT,
      socketMode: e.SLACK_APP_TOKEN !== undefined,
    },
    approval: {
      policy,
      policyFile: e.POLICY_FILE ? resolve(e.POLICY_FILE) : undefined,
    },
    requesters: namesAnyone(e.REQUESTERS) ? e.REQUESTERS : undefined,
    tools: { webhookAllowlist: e.WEBHOOK_ALLOWLIST },
    mcp: e.MCP_CONFIG ? { configFile: resolve(e.MCP_CONFIG), servers: mcpServers } : { servers: [] },
    openai: {
      apiKey: e.OPENAI_API_KEY,
      baseUrl: e.OPENAI_BASE_URL,
      model: e.OPENAI_MODEL,
      api: e.OPENAI_API,
    },
    temporal: {
      address: temporalProfile.address,
      namespace: temporalProfile.namespace ?? TEMPORAL_DEFAULT_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      profile: temporalProfile,
      profileName: env.TEMPORAL_PROFILE?.trim() || undefined,
      tls: temporalTls,
      cliPath: e.TEMPORAL_CLI_PATH,
      stateFile: e.TEMPORAL_STATE_FILE,
      maxCachedWorkflows: e.TEMPORAL_MAX_CACHED_WORKFLOWS,
      searchPath: e.PATH,
    },
    logLevel: e.LOG_LEVEL,
    tracing: tracingFrom(e),
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
    gateway:
      e.MCP_GATEWAY_PORT === undefined ? undefined : { port: e.MCP_GATEWAY_PORT, host: e.MCP_GATEWAY_HOST },
  };
}

/**
 * Traces are on when an OTLP endpoint is configured, as the OpenTelemetry SDKs read it: the traces-only variables win
 * over the general ones, and the general endpoint gets the signal's path (/v1/traces) appended, the specific one not.
 */
function tracingFrom(e: Env): TracingConfig | undefined {
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (!url || e.OTEL_SDK_DISABLED || e.OTEL_TRACES_EXPORTER === 'none') return undefined;
  return {
    url,
    protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    headers: { ...e.OTEL_EXPORTER_OTLP_HEADERS, ...e.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    serviceName: e.OTEL_SERVICE_NAME,
    toolArguments: e.TRACE_TOOL_ARGUMENTS,
  };
}

/** A list of people that names someone: an empty one is as good as unset. */
function namesAnyone(ids: ApproverIds | undefined): ids is ApproverIds {
  return ids !== undefined && ids.users.length + ids.userGroups.length > 0;
}

/** The namespace when neither TEMPORAL_NAMESPACE nor the profile names one: the CLI's and the dev server's. */
const TEMPORAL_DEFAULT_NAMESPACE = 'default';

/**
 * Temporal's connection settings read by @temporalio/envconfig exactly as the `temporal` CLI and the other SDKs read
 * them, so a profile that works for `temporal workflow list` works here unchanged. An empty variable (as .env.example
 * leaves them) is unset, as everywhere else in Countersign; TEMPORAL_GRPC_META_* keep theirs (empty removes a header).
 */
function temporalProfileFrom(env: Record<string, string | undefined>): ClientConfigProfile {
  const standard: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (value.trim() === '' && !name.startsWith('TEMPORAL_GRPC_META_')) continue;
    standard[name] = value;
  }
  const file = standard.TEMPORAL_CONFIG_FILE;
  // envconfig takes a missing file for no file; one named on purpose and not there is a mistake to say.
  if (file !== undefined && !existsSync(file)) {
    throw new ConfigError(`Invalid configuration — TEMPORAL_CONFIG_FILE: no file at ${file}`);
  }
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: standard });
  } catch (error) {
    const message = (error as Error).message;
    const where = /Profile '.*' not found/.test(message)
      ? 'TEMPORAL_PROFILE'
      : `TEMPORAL_CONFIG_FILE (${file ?? 'temporal.toml in the user configuration directory'})`;
    throw new ConfigError(`Invalid configuration — ${where}: ${message}`, { cause: error });
  }
  if (profile.address !== undefined && !HOST_PORT.test(profile.address)) {
    const where = standard.TEMPORAL_ADDRESS !== undefined ? 'TEMPORAL_ADDRESS' : "the profile's address";
    throw new ConfigError(
      `Invalid configuration — ${where}: expected host:port, e.g. localhost:7233, got "${profile.address}"`,
    );
  }
  return profile;
}

/**
 * Whether to encrypt the connection to Temporal. Whoever reads that traffic sees every request, proposal and
 * decision, and whoever can write to it can approve as an operator; so off this machine it is encrypted unless
 * TEMPORAL_TLS=false (or the profile's `tls.disabled`) accepts the risk (a private network the operator trusts), and a
 * credential is never sent in clear.
 */
function temporalTlsFrom(profile: ClientConfigProfile): boolean {
  // envconfig would quietly connect without the certificate.
  if (Boolean(profile.tls?.clientCert) !== Boolean(profile.tls?.clientKey)) {
    throw new ConfigError(
      'Invalid configuration — TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or the profile’s client_cert and client_key): set both or neither',
    );
  }
  const disabled = profile.tls?.disabled === true;
  const credential = profile.apiKey
    ? 'TEMPORAL_API_KEY (the key would be sent unencrypted)'
    : profile.tls?.clientCert
      ? 'a client certificate (mTLS needs TLS)'
      : undefined;
  if (disabled && credential) {
    throw new ConfigError(
      `Invalid configuration — TEMPORAL_TLS: false (or the profile's tls.disabled) contradicts ${credential}; remove it`,
    );
  }
  // As envconfig connects: any TLS setting, or an API key, means TLS.
  const tls = !disabled && (profile.tls !== undefined || profile.apiKey !== undefined);
  const host = profile.address?.replace(/:\d+$/, '');
  if (host !== undefined && !tls && !disabled && !isLoopbackHost(host)) {
    throw new ConfigError(
      `Invalid configuration — TEMPORAL_ADDRESS: the connection to ${host} would not be encrypted (no TEMPORAL_API_KEY, no TLS setting); set TEMPORAL_TLS=true if the server speaks TLS, or TEMPORAL_TLS=false to accept an unencrypted connection on a network you trust`,
    );
  }
  return tls;
}

/** POLICY_FILE read now, at start-up, so a broken policy stops the app before any request waits on it. */
function policyFromFile(
  path: string,
  envDefaults: PolicyFileOptions['envDefaults'],
  mcpServers: readonly string[],
): ApprovalPolicy {
  try {
    return loadPolicyFile(path, { toolNames: TOOLS.map((tool) => tool.name), mcpServers, envDefaults });
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    // A problem inside the file names the file; a file not found needs the variable that pointed there.
    const message = error.unreadable ? `POLICY_FILE: ${error.message}` : error.message;
    throw new ConfigError(message, { cause: error });
  }
}

/** MCP_CONFIG read now, at start-up, with `${VAR}`s taken from the same environment as every other variable. */
function mcpServersFrom(path: string, env: Record<string, string | undefined>): McpServerConfig[] {
  try {
    const { servers, variables } = loadMcpConfig(path, env);
    // A token given as ${VAR} may sit in args or a URL, not only in headers and env: keep each out of the logs.
    redactEverywhere(variables.map((name) => env[name]));
    return servers;
  } catch (error) {
    if (!(error instanceof McpConfigError)) throw error;
    const message = error.unreadable ? `MCP_CONFIG: ${error.message}` : error.message;
    throw new ConfigError(message, { cause: error });
  }
}

/**
 * Requirements that depend on how the app runs: the Slack app needs a bot token, and in HTTP
 * mode a signing secret. Checked at start-up of the Slack side, not by the worker.
 */
export function requireSlackCredentials(config: Config): asserts config is Config & {
  slack: { botToken: string };
} {
  const missing: string[] = [];
  if (!config.slack.botToken) missing.push('SLACK_BOT_TOKEN (xoxb-…, "OAuth & Permissions" page)');
  if (!config.slack.socketMode && !config.slack.signingSecret) {
    missing.push(
      'SLACK_SIGNING_SECRET ("Basic Information" page), or SLACK_APP_TOKEN (xapp-…) for Socket Mode',
    );
  }
  if (missing.length > 0) {
    throw new ConfigError(
      `Missing Slack credentials — set ${missing.join(' and ')} in .env; see "Quick start" in README.md`,
    );
  }
}

/** Something allowed but risky, said loudly when a process starts. */
export interface StartupWarning {
  about: 'temporal' | 'approval_policy';
  message: string;
}

/** What this configuration permits that an operator should know: an unencrypted Temporal, policy surprises. */
export function startupWarnings(config: Config): StartupWarning[] {
  const warnings: StartupWarning[] = [];
  const { address, tls } = config.temporal;
  const host = address?.replace(/:\d+$/, '');
  if (host !== undefined && !tls && !isLoopbackHost(host)) {
    warnings.push({
      about: 'temporal',
      message: `The connection to Temporal at ${address} is not encrypted (TEMPORAL_TLS=false): anyone on the network path can read every request and decision, and send decisions as an operator`,
    });
  }
  for (const message of policyWarnings(config.approval.policy, TOOLS)) {
    warnings.push({ about: 'approval_policy', message });
  }
  return warnings;
}

/** The configured credentials, which no log line may carry whatever path they take into one. */
function secretsOf(config: Config): (string | undefined)[] {
  return [
    config.slack.botToken,
    config.slack.appToken,
    config.slack.signingSecret,
    config.openai.apiKey,
    config.temporal.profile.apiKey,
    ...Object.values(config.tracing?.headers ?? {}),
    ...secretsOfTemporalProfile(config.temporal.profile),
    ...config.mcp.servers.flatMap((server) =>
      Object.values(server.transport === 'http' ? server.headers : server.env),
    ),
  ];
}

/** A client key given inline, and gRPC headers (an authorization among them), from the profile or the variables. */
function secretsOfTemporalProfile(profile: ClientConfigProfile): (string | undefined)[] {
  const key = profile.tls?.clientKey;
  const inlineKey = key && 'data' in key && typeof key.data === 'string' ? key.data : undefined;
  return [inlineKey, ...Object.values(profile.grpcMeta ?? {})];
}

/** Reads .env (if present) into process.env, then validates; the credentials it finds are kept out of the logs. */
export function loadConfig(
  /** An entry point's own defaults for variables left unset (e.g. `npm start` logs less). */
  defaults: Record<string, string> = {},
): Config {
  dotenv.config({ quiet: true });
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [name, value] of Object.entries(defaults)) if (!env[name]) env[name] = value;
  const config = parseConfig(env);
  redactEverywhere(secretsOf(config));
  return config;
}
