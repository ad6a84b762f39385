import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApprovalPolicy } from './approval/schemas.js';
import {
  ConfigError,
  envSchema,
  isLoopbackHost,
  parseConfig,
  requireSlackCredentials,
  startupWarnings,
} from './config.js';

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = parseConfig({});
    expect(config.slack).toMatchObject({ apiUrl: 'https://slack.com/api/', port: 3000, socketMode: false });
    expect(config.approval.policyFile).toBeUndefined();
    expect(config.approval.policy).toMatchObject({
      threshold: 'medium',
      default: {
        channel: undefined,
        allowSelfApproval: false,
        stages: [{ approvers: undefined, required: 1, timeoutMs: 24 * 3_600_000 }],
      },
    });
    expect(config.requesters).toBeUndefined();
    expect(config.tools.webhookAllowlist).toEqual([]);
    expect(config.temporal).toMatchObject({
      address: undefined,
      namespace: 'default',
      taskQueue: 'countersign',
    });
    expect(config.openai.model).toBeTruthy();
    expect(config.logLevel).toBe('info');
    expect(config.metricsPort).toBeUndefined();
    // The metrics port, once on, answers this machine alone unless METRICS_HOST says otherwise.
    expect(config.metricsHost).toBe('127.0.0.1');
  });

  it('reads every documented variable', () => {
    const config = parseConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_APP_TOKEN: 'xapp-1',
      SLACK_API_URL: 'http://127.0.0.1:9999/api',
      PORT: '8080',
      METRICS_PORT: '9464',
      METRICS_HOST: '0.0.0.0',
      APPROVALS_CHANNEL: 'C0APPROVALS',
      APPROVERS: 'U0ANA, W0BOB,S0SECURITY',
      REQUESTERS: 'U0RITA,S0ASKERS',
      ALLOW_SELF_APPROVAL: 'true',
      APPROVAL_TIMEOUT: '15m',
      APPROVAL_RISK_THRESHOLD: 'high',
      WEBHOOK_ALLOWLIST: 'https://hooks.example.com/countersign/, http://10.0.0.5:8080/',
      OPENAI_API_KEY: 'sk-1',
      OPENAI_BASE_URL: 'http://127.0.0.1:9998/v1',
      OPENAI_MODEL: 'gpt-test',
      OPENAI_API: 'chat',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'prod',
      TEMPORAL_TASK_QUEUE: 'cs',
      TEMPORAL_API_KEY: 'key',
      LOG_LEVEL: 'debug',
    });
    expect(config.slack).toEqual({
      botToken: 'xoxb-1',
      signingSecret: 'secret',
      appToken: 'xapp-1',
      apiUrl: 'http://127.0.0.1:9999/api/',
      port: 8080,
      socketMode: true,
    });
    expect(config.metricsPort).toBe(9464);
    expect(config.metricsHost).toBe('0.0.0.0');
    expect(config.approval.policy).toMatchObject({
      threshold: 'high',
      default: {
        channel: 'C0APPROVALS',
        allowSelfApproval: true,
        stages: [
          {
            approvers: { users: ['U0ANA', 'W0BOB'], userGroups: ['S0SECURITY'] },
            required: 1,
            timeoutMs: 15 * 60_000,
          },
        ],
      },
    });
    expect(config.requesters).toEqual({ users: ['U0RITA'], userGroups: ['S0ASKERS'] });
    expect(config.tools.webhookAllowlist).toEqual([
      'https://hooks.example.com/countersign/',
      'http://10.0.0.5:8080/',
    ]);
    expect(config.openai).toEqual({
      apiKey: 'sk-1',
      baseUrl: 'http://127.0.0.1:9998/v1',
      model: 'gpt-test',
      api: 'chat',
    });
    expect(config.temporal).toMatchObject({
      address: 'temporal.internal:7233',
      namespace: 'prod',
      taskQueue: 'cs',
      profile: { apiKey: 'key' },
    });
    expect(config.logLevel).toBe('debug');
  });

  it('treats empty values as unset, as a blank line in .env means', () => {
    const config = parseConfig({
      APPROVERS: '',
      REQUESTERS: ' , ',
      PORT: '',
      APPROVAL_TIMEOUT: ' ',
      TEMPORAL_ADDRESS: '',
    });
    expect(config.approval.policy.default.stages[0]?.approvers).toBeUndefined();
    expect(config.requesters).toBeUndefined();
    expect(config.slack.port).toBe(3000);
    expect(config.approval.policy.default.stages[0]?.timeoutMs).toBe(24 * 3_600_000);
    expect(config.temporal.address).toBeUndefined();
  });

  it.each([
    [
      'APPROVAL_TIMEOUT',
      'soon',
      /APPROVAL_TIMEOUT: expected a duration like 90s, 15m, 24h or 7d, got "soon"/,
    ],
    ['APPROVAL_TIMEOUT', '0s', /APPROVAL_TIMEOUT: expected a duration/],
    ['APPROVERS', 'U0ANA,alice', /APPROVERS: expected Slack user IDs.*not an ID: alice/],
    ['REQUESTERS', 'U0ANA,#general', /REQUESTERS: expected Slack user IDs.*not an ID: #general/],
    ['PORT', 'eighty', /PORT: expected a port number/],
    ['PORT', '70000', /PORT: expected a port number between 0 and 65535/],
    // Not 0: an operator's scraper must know the port.
    ['METRICS_PORT', '0', /METRICS_PORT: expected a port number between 1 and 65535/],
    ['METRICS_PORT', 'prometheus', /METRICS_PORT: expected a port number/],
    ['METRICS_HOST', '0.0.0.0:9464', /METRICS_HOST: expected an address or host name to listen on/],
    ['METRICS_HOST', 'http://metrics', /METRICS_HOST: expected an address or host name to listen on/],
    ['ALLOW_SELF_APPROVAL', 'maybe', /ALLOW_SELF_APPROVAL: expected true or false/],
    ['SLACK_BOT_TOKEN', 'xoxp-user-token', /SLACK_BOT_TOKEN: expected a bot token starting with xoxb-/],
    ['SLACK_APP_TOKEN', 'xoxb-wrong', /SLACK_APP_TOKEN: expected an app-level token starting with xapp-/],
    ['SLACK_API_URL', 'not a url', /SLACK_API_URL: expected an http\(s\) URL/],
    ['APPROVALS_CHANNEL', '#approvals', /APPROVALS_CHANNEL: expected a Slack channel ID/],
    ['TEMPORAL_ADDRESS', 'http://localhost:7233', /TEMPORAL_ADDRESS: expected host:port/],
    ['APPROVAL_RISK_THRESHOLD', 'extreme', /APPROVAL_RISK_THRESHOLD: expected low, medium or high/],
    ['WEBHOOK_ALLOWLIST', 'https://ok.example/,ftp://files', /WEBHOOK_ALLOWLIST: .*not a URL: ftp:\/\/files/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: expected one of debug, info, warn, error/],
    [
      'APPROVAL_TIMEOUT',
      '200000000d',
      /APPROVAL_TIMEOUT: at most 90d \(an approval that waits longer is a process problem, not a setting\), got "200000000d"/,
    ],
    ['APPROVAL_TIMEOUT', `${'9'.repeat(400)}d`, /APPROVAL_TIMEOUT: at most 90d/],
    ['TEMPORAL_TLS', 'maybe', /TEMPORAL_TLS: expected true or false/],
    // @temporalio/envconfig reads any word but true and 1 as false: "yes" would turn TLS off.
    ['TEMPORAL_TLS', 'yes', /TEMPORAL_TLS: expected true or false/],
    ['TEMPORAL_TLS_CERT', '/etc/c.pem', /TEMPORAL_TLS_CERT: renamed TEMPORAL_TLS_CLIENT_CERT_PATH/],
    ['TEMPORAL_TLS_KEY', '/etc/k.pem', /TEMPORAL_TLS_KEY: renamed TEMPORAL_TLS_CLIENT_KEY_PATH/],
    ['SLACK_API_URL', 'ftp://slack.example/api/', /SLACK_API_URL: expected an http\(s\) URL, got ftp:/],
    [
      'SLACK_API_URL',
      'http://slack-proxy.internal/api/',
      /SLACK_API_URL: http:\/\/ would send the bot token unencrypted to slack-proxy\.internal; use https:\/\//,
    ],
    [
      'OPENAI_BASE_URL',
      'http://10.0.0.7:8000/v1',
      /OPENAI_BASE_URL: http:\/\/ would send the OpenAI API key unencrypted to 10\.0\.0\.7; use https:\/\//,
    ],
  ])('refuses %s=%s with a message naming the variable', (name, value, expected) => {
    const message = errorOf(() => parseConfig({ [name]: value }));
    expect(message).toMatch(expected);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('never echoes a secret it refuses', () => {
    const message = errorOf(() => parseConfig({ SLACK_BOT_TOKEN: 'xoxp-very-secret-value' }));
    expect(message).not.toContain('very-secret');
  });

  it('accepts the longest approval wait, and plain http to this machine', () => {
    const config = parseConfig({
      APPROVAL_TIMEOUT: '90d',
      SLACK_API_URL: 'http://localhost:9999/api/',
      OPENAI_BASE_URL: 'http://[::1]:8000/v1',
    });
    expect(config.approval.policy.default.stages[0]?.timeoutMs).toBe(90 * 86_400_000);
    expect(parseConfig({ OPENAI_BASE_URL: 'https://llm.internal/v1' }).openai.baseUrl).toBe(
      'https://llm.internal/v1',
    );
  });

  it.each([
    ['localhost', true],
    ['api.localhost', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['[::1]', true],
    ['::1', true],
    ['10.0.0.1', false],
    ['temporal.internal', false],
    ['localhost.example.com', false],
    ['127.0.0.1.nip.io', false],
  ])('treats %s as this machine: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('the MCP gateway', () => {
  it('is off by default, and on loopback unless MCP_GATEWAY_HOST opens it', () => {
    expect(parseConfig({}).gateway).toBeUndefined();
    expect(parseConfig({ MCP_GATEWAY_PORT: '3100', APPROVALS_CHANNEL: 'C0APPROVALS' }).gateway).toEqual({
      port: 3100,
      host: '127.0.0.1',
    });
    expect(
      parseConfig({ MCP_GATEWAY_PORT: '3100', MCP_GATEWAY_HOST: '0.0.0.0', APPROVALS_CHANNEL: 'C0APPROVALS' })
        .gateway,
    ).toEqual({ port: 3100, host: '0.0.0.0' });
  });

  it('needs a channel for its cards: a call from an MCP client comes from no Slack channel', () => {
    expect(errorOf(() => parseConfig({ MCP_GATEWAY_PORT: '3100' }))).toMatch(
      /MCP_GATEWAY_PORT: needs APPROVALS_CHANNEL/,
    );
    expect(errorOf(() => parseConfig({ MCP_GATEWAY_PORT: 'x', APPROVALS_CHANNEL: 'C0A' }))).toMatch(
      /MCP_GATEWAY_PORT: expected a port number/,
    );
  });
});

describe('the connection to Temporal', () => {
  it('refuses an unencrypted connection off this machine, saying how to choose', () => {
    expect(errorOf(() => parseConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233' }))).toBe(
      'Invalid configuration — TEMPORAL_ADDRESS: the connection to temporal.internal would not be encrypted (no TEMPORAL_API_KEY, no TLS setting); set TEMPORAL_TLS=true if the server speaks TLS, or TEMPORAL_TLS=false to accept an unencrypted connection on a network you trust',
    );
  });

  it('connects without TLS to this machine, and with it when a credential implies it or TEMPORAL_TLS says so', () => {
    expect(parseConfig({ TEMPORAL_ADDRESS: '127.0.0.1:7233' }).temporal.tls).toBe(false);
    expect(parseConfig({ TEMPORAL_ADDRESS: 'localhost:7233' }).temporal.tls).toBe(false);
    expect(
      parseConfig({ TEMPORAL_ADDRESS: 'ns.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key' }).temporal.tls,
    ).toBe(true);
    expect(
      parseConfig({
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/c.pem',
        TEMPORAL_TLS_CLIENT_KEY_PATH: '/etc/k.pem',
      }).temporal.tls,
    ).toBe(true);
    expect(
      parseConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: 'true' }).temporal.tls,
    ).toBe(true);
  });

  it('accepts an unencrypted connection when TEMPORAL_TLS=false says so, and warns at start-up', () => {
    const config = parseConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: 'false' });
    expect(config.temporal.tls).toBe(false);
    expect(startupWarnings(config).filter((w) => w.about === 'temporal')).toEqual([
      {
        about: 'temporal',
        message:
          'The connection to Temporal at temporal.internal:7233 is not encrypted (TEMPORAL_TLS=false): anyone on the network path can read every request and decision, and send decisions as an operator',
      },
    ]);
    const local = parseConfig({ TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_TLS: 'false' });
    expect(startupWarnings(local).filter((w) => w.about === 'temporal')).toEqual([]);
  });

  it('refuses TEMPORAL_TLS=false beside a credential that needs TLS', () => {
    expect(
      errorOf(() =>
        parseConfig({
          TEMPORAL_ADDRESS: 'ns.tmprl.cloud:7233',
          TEMPORAL_API_KEY: 'key',
          TEMPORAL_TLS: 'false',
        }),
      ),
    ).toBe(
      "Invalid configuration — TEMPORAL_TLS: false (or the profile's tls.disabled) contradicts TEMPORAL_API_KEY (the key would be sent unencrypted); remove it",
    );
    expect(
      errorOf(() =>
        parseConfig({
          TEMPORAL_ADDRESS: '127.0.0.1:7233',
          TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/c.pem',
          TEMPORAL_TLS_CLIENT_KEY_PATH: '/etc/k.pem',
          TEMPORAL_TLS: 'false',
        }),
      ),
    ).toMatch(/TEMPORAL_TLS: false .*contradicts a client certificate \(mTLS needs TLS\)/);
  });
});

describe('traces (OTEL_*)', () => {
  it('are off by default, and when the SDK is disabled or the exporter is none', () => {
    expect(parseConfig({}).tracing).toBeUndefined();
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(parseConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
    expect(parseConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).tracing).toBeUndefined();
  });

  it('go where the standard variables say: the general endpoint with /v1/traces, the traces endpoint as it is', () => {
    expect(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/' }).tracing).toEqual({
      url: 'https://otel.example.com/v1/traces',
      protocol: 'http/protobuf',
      headers: {},
      serviceName: 'countersign',
      toolArguments: false,
    });
    expect(
      parseConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/ingest',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-team=ops,authorization=Bearer%20general',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'authorization=Bearer%20traces',
        OTEL_SERVICE_NAME: 'countersign-prod',
        TRACE_TOOL_ARGUMENTS: 'true',
      }).tracing,
    ).toEqual({
      url: 'https://traces.example.com/ingest',
      protocol: 'http/json',
      headers: { 'x-team': 'ops', authorization: 'Bearer traces' },
      serviceName: 'countersign-prod',
      toolArguments: true,
    });
  });

  it.each([
    [
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      'grpc',
      /OTEL_EXPORTER_OTLP_PROTOCOL: expected http\/protobuf or http\/json \(OTLP over gRPC is not supported/,
    ],
    [
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'collector:4318',
      /OTEL_EXPORTER_OTLP_ENDPOINT: expected an http\(s\) URL/,
    ],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'just-a-token', /OTEL_EXPORTER_OTLP_HEADERS: expected name=value pairs/],
    ['OTEL_TRACES_EXPORTER', 'jaeger', /OTEL_TRACES_EXPORTER: expected otlp or none/],
  ])('refuses %s=%s, naming it', (name, value, message) => {
    expect(errorOf(() => parseConfig({ [name]: value }))).toMatch(message);
  });
});

describe('Temporal settings read as the temporal CLI reads them (temporal.toml profiles)', () => {
  const toml = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'countersign-temporal-')), 'temporal.toml');
    writeFileSync(file, text);
    return file;
  };
  const PROFILES = [
    '[profile.default]',
    'address = "127.0.0.1:7233"',
    '',
    '[profile.prod]',
    'address = "prod.a1b2c.tmprl.cloud:7233"',
    'namespace = "prod.a1b2c"',
    'api_key = "prod-key-secret"',
    '',
    '[profile.lab]',
    'address = "temporal.lab:7233"',
    'namespace = "lab"',
    '[profile.lab.tls]',
    'disabled = true',
    '',
  ].join('\n');

  it('takes address, namespace and credential from the profile TEMPORAL_PROFILE names', () => {
    const config = parseConfig({ TEMPORAL_CONFIG_FILE: toml(PROFILES), TEMPORAL_PROFILE: 'prod' });
    expect(config.temporal).toMatchObject({
      address: 'prod.a1b2c.tmprl.cloud:7233',
      namespace: 'prod.a1b2c',
      profile: { apiKey: 'prod-key-secret' },
      profileName: 'prod',
      tls: true,
    });
  });

  it('takes the default profile when none is named, and lets a variable override a field, as the CLI does', () => {
    const file = toml(PROFILES);
    expect(parseConfig({ TEMPORAL_CONFIG_FILE: file }).temporal).toMatchObject({
      address: '127.0.0.1:7233',
      namespace: 'default',
      tls: false,
    });
    expect(
      parseConfig({
        TEMPORAL_CONFIG_FILE: file,
        TEMPORAL_PROFILE: 'prod',
        TEMPORAL_NAMESPACE: 'staging.a1b2c',
      }).temporal,
    ).toMatchObject({ address: 'prod.a1b2c.tmprl.cloud:7233', namespace: 'staging.a1b2c' });
  });

  it("finds the user's temporal.toml where the CLI does when TEMPORAL_CONFIG_FILE is unset", () => {
    const home = mkdtempSync(join(tmpdir(), 'countersign-home-'));
    mkdirSync(join(home, 'temporalio'));
    writeFileSync(join(home, 'temporalio', 'temporal.toml'), PROFILES);
    expect(parseConfig({ XDG_CONFIG_HOME: home, TEMPORAL_PROFILE: 'prod' }).temporal.namespace).toBe(
      'prod.a1b2c',
    );
  });

  it("keeps the safety checks for a profile's settings: plaintext off this machine only when it says so", () => {
    const lab = parseConfig({ TEMPORAL_CONFIG_FILE: toml(PROFILES), TEMPORAL_PROFILE: 'lab' });
    expect(lab.temporal.tls).toBe(false);
    expect(startupWarnings(lab).filter((w) => w.about === 'temporal')).toHaveLength(1);
    const silent = toml('[profile.default]\naddress = "temporal.internal:7233"\n');
    expect(errorOf(() => parseConfig({ TEMPORAL_CONFIG_FILE: silent }))).toMatch(
      /^Invalid configuration — TEMPORAL_ADDRESS: the connection to temporal.internal would not be encrypted/,
    );
    const keyInClear = toml(
      '[profile.default]\naddress = "x.tmprl.cloud:7233"\napi_key = "k"\n[profile.default.tls]\ndisabled = true\n',
    );
    expect(errorOf(() => parseConfig({ TEMPORAL_CONFIG_FILE: keyInClear }))).toMatch(
      /contradicts TEMPORAL_API_KEY/,
    );
  });

  it('names each problem: a profile not in the file, a file not there, a file that is not TOML, an address that is not host:port', () => {
    const file = toml(PROFILES);
    expect(errorOf(() => parseConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nope' }))).toBe(
      "Invalid configuration — TEMPORAL_PROFILE: Profile 'nope' not found in config data",
    );
    expect(errorOf(() => parseConfig({ TEMPORAL_CONFIG_FILE: '/no/such/temporal.toml' }))).toBe(
      'Invalid configuration — TEMPORAL_CONFIG_FILE: no file at /no/such/temporal.toml',
    );
    const broken = toml('[profile.default\naddress = 1\n');
    expect(errorOf(() => parseConfig({ TEMPORAL_CONFIG_FILE: broken }))).toMatch(
      new RegExp(`^Invalid configuration — TEMPORAL_CONFIG_FILE \\(${broken}\\): `),
    );
    const badAddress = toml('[profile.default]\naddress = "http://localhost:7233"\n');
    expect(errorOf(() => parseConfig({ TEMPORAL_CONFIG_FILE: badAddress }))).toMatch(
      /the profile's address: expected host:port/,
    );
  });

  it('requires the client certificate and its key together, which envconfig would quietly drop', () => {
    expect(
      errorOf(() =>
        parseConfig({
          TEMPORAL_ADDRESS: 'temporal.internal:7233',
          TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/c.pem',
        }),
      ),
    ).toMatch(/TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH .*: set both or neither/);
  });

  it('sends the gRPC headers TEMPORAL_GRPC_META_* name, as the CLI does', () => {
    const config = parseConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_DATA: 'CERT',
      TEMPORAL_TLS_CLIENT_KEY_DATA: 'inline-key-secret',
      TEMPORAL_GRPC_META_AUTHORIZATION: 'Bearer grpc-secret',
    });
    expect(config.temporal.profile.grpcMeta).toEqual({ authorization: 'Bearer grpc-secret' });
  });
});

describe('start-up warnings', () => {
  it('say loudly that anyone in the workspace may approve when no approvers are configured', () => {
    expect(startupWarnings(parseConfig({}))).toEqual([
      {
        about: 'approval_policy',
        message: expect.stringMatching(
          /^No approvers configured .*any full member of this workspace may approve/,
        ),
      },
    ]);
    expect(startupWarnings(parseConfig({ APPROVERS: 'U0ANA' }))).toEqual([]);
  });
});

describe('approval policy', () => {
  const env = {
    APPROVERS: 'U0ANA,S0SECURITY',
    ALLOW_SELF_APPROVAL: 'true',
    APPROVAL_TIMEOUT: '2h',
    APPROVAL_RISK_THRESHOLD: 'low',
    APPROVALS_CHANNEL: 'C0APPROVALS',
  };
  const envPolicy: ApprovalPolicy = {
    threshold: 'low',
    default: {
      rule: 'default',
      stages: [
        {
          name: 'Approval',
          approvers: { users: ['U0ANA'], userGroups: ['S0SECURITY'] },
          required: 1,
          timeoutMs: 2 * 3_600_000,
          remindAfterMs: undefined,
          escalateAfterMs: undefined,
          escalateTo: undefined,
        },
      ],
      allowSelfApproval: true,
      onTimeout: 'cancel',
      channel: 'C0APPROVALS',
    },
    risks: {},
    tools: {},
  };
  const policyFile = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'countersign-config-')), 'policy.jsonc');
    writeFileSync(path, text);
    return path;
  };

  it('is the environment’s one-stage default without POLICY_FILE', () => {
    const config = parseConfig(env);
    expect(config.approval.policy).toEqual(envPolicy);
    expect(config.approval.policyFile).toBeUndefined();
  });

  it('lets anyone decide when APPROVERS is unset', () => {
    expect(parseConfig({}).approval.policy.default.stages[0]?.approvers).toBeUndefined();
  });

  it('refines the environment with POLICY_FILE, a path relative to the working directory', () => {
    const path = policyFile('{ "tools": { "archive_channel": { "required": 2 } } } // two people');
    const config = parseConfig({ ...env, POLICY_FILE: relative(process.cwd(), path) });
    expect(config.approval.policyFile).toBe(path);
    expect(config.approval.policy.tools.archive_channel).toEqual({
      ...envPolicy.default,
      rule: 'tool archive_channel',
      stages: [{ ...envPolicy.default.stages[0], required: 2 }],
    });
    // The environment's values stay the default for every call the file says nothing about.
    expect(config.approval.policy.default.stages[0]?.approvers).toEqual({
      users: ['U0ANA'],
      userGroups: ['S0SECURITY'],
    });
  });

  it('refuses a missing file, naming POLICY_FILE and the reason', () => {
    const path = join(tmpdir(), 'countersign-missing-policy.jsonc');
    expect(errorOf(() => parseConfig({ POLICY_FILE: path }))).toBe(
      `POLICY_FILE: cannot read ${path} (ENOENT: no such file or directory)`,
    );
  });

  it('refuses an invalid file with the line and field of each problem', () => {
    const path = policyFile('{\n  "tools": { "archive_channel": { "required": 0 } }\n}');
    expect(errorOf(() => parseConfig({ POLICY_FILE: path }))).toBe(
      `Invalid approval policy ${path} — line 2, column 47, tools.archive_channel.required: must be a whole number of at least 1`,
    );
  });

  it('refuses a duration in the file beyond the longest approval wait, naming its line and field', () => {
    const path = policyFile('{\n  "default": { "timeout": "200000000d" }\n}');
    expect(errorOf(() => parseConfig({ POLICY_FILE: path }))).toBe(
      `Invalid approval policy ${path} — line 2, column 27, default.timeout: must be at most 90d (an approval that waits longer is a process problem, not a setting), got "200000000d"`,
    );
  });

  it('knows the agent’s tools', () => {
    const path = policyFile('{ "tools": { "delete_workspace": {} } }');
    expect(errorOf(() => parseConfig({ POLICY_FILE: path }))).toMatch(
      /tools\.delete_workspace: unknown tool "delete_workspace"; the tools are .*archive_channel/,
    );
  });
});

describe('requireSlackCredentials', () => {
  it('names every missing credential and where to find it', () => {
    const message = errorOf(() => requireSlackCredentials(parseConfig({})));
    expect(message).toMatch(/SLACK_BOT_TOKEN/);
    expect(message).toMatch(/SLACK_SIGNING_SECRET/);
    expect(message).toMatch(/README/);
  });

  it('needs no signing secret in Socket Mode', () => {
    expect(() =>
      requireSlackCredentials(parseConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' })),
    ).not.toThrow();
  });

  it('needs a signing secret in HTTP mode', () => {
    const message = errorOf(() => requireSlackCredentials(parseConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })));
    expect(message).toMatch(/SLACK_SIGNING_SECRET/);
    expect(message).not.toMatch(/SLACK_BOT_TOKEN \(/);
  });
});

describe('documentation', () => {
  it('documents every variable the app reads in the README and .env.example', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const example = await readFile(new URL('../.env.example', import.meta.url), 'utf8');
    const variables = Object.keys(envSchema.shape).filter((name) => name !== 'PATH');
    expect(variables.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
    expect(variables.filter((name) => !example.includes(name))).toEqual([]);
  });
});
