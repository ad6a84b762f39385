import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApprovalPolicy } from './approval/schemas.js';
import { ConfigError, envSchema, parseConfig, requireSlackCredentials } from './config.js';

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
    expect(config.tools.webhookAllowlist).toEqual([]);
    expect(config.temporal).toMatchObject({
      address: undefined,
      namespace: 'default',
      taskQueue: 'countersign',
    });
    expect(config.openai.model).toBeTruthy();
    expect(config.logLevel).toBe('info');
  });

  it('reads every documented variable', () => {
    const config = parseConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_APP_TOKEN: 'xapp-1',
      SLACK_API_URL: 'http://127.0.0.1:9999/api',
      PORT: '8080',
      APPROVALS_CHANNEL: 'C0APPROVALS',
      APPROVERS: 'U0ANA, W0BOB,S0SECURITY',
      ALLOW_SELF_APPROVAL: 'true',
      APPROVAL_TIMEOUT: '15m',
      APPROVAL_RISK_THRESHOLD: 'high',
      WEBHOOK_ALLOWLIST: 'https://hooks.example.com/countersign/, http://10.0.0.5:8080/',
      OPENAI_API_KEY: 'sk-1',
      OPENAI_BASE_URL: 'http://127.0.0.1:9998/v1',
      OPENAI_MODEL: 'gpt-test',
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
    expect(config.tools.webhookAllowlist).toEqual([
      'https://hooks.example.com/countersign/',
      'http://10.0.0.5:8080/',
    ]);
    expect(config.openai).toEqual({ apiKey: 'sk-1', baseUrl: 'http://127.0.0.1:9998/v1', model: 'gpt-test' });
    expect(config.temporal).toMatchObject({
      address: 'temporal.internal:7233',
      namespace: 'prod',
      taskQueue: 'cs',
      apiKey: 'key',
    });
    expect(config.logLevel).toBe('debug');
  });

  it('treats empty values as unset, as a blank line in .env means', () => {
    const config = parseConfig({ APPROVERS: '', PORT: '', APPROVAL_TIMEOUT: ' ', TEMPORAL_ADDRESS: '' });
    expect(config.approval.policy.default.stages[0]?.approvers).toBeUndefined();
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
    ['PORT', 'eighty', /PORT: expected a port number/],
    ['PORT', '70000', /PORT: expected a port number between 0 and 65535/],
    ['ALLOW_SELF_APPROVAL', 'maybe', /ALLOW_SELF_APPROVAL: expected true or false/],
    ['SLACK_BOT_TOKEN', 'xoxp-user-token', /SLACK_BOT_TOKEN: expected a bot token starting with xoxb-/],
    ['SLACK_APP_TOKEN', 'xoxb-wrong', /SLACK_APP_TOKEN: expected an app-level token starting with xapp-/],
    ['SLACK_API_URL', 'not a url', /SLACK_API_URL: expected an http\(s\) URL/],
    ['APPROVALS_CHANNEL', '#approvals', /APPROVALS_CHANNEL: expected a Slack channel ID/],
    ['TEMPORAL_ADDRESS', 'http://localhost:7233', /TEMPORAL_ADDRESS: expected host:port/],
    ['APPROVAL_RISK_THRESHOLD', 'extreme', /APPROVAL_RISK_THRESHOLD: expected low, medium or high/],
    ['WEBHOOK_ALLOWLIST', 'https://ok.example/,ftp://files', /WEBHOOK_ALLOWLIST: .*not a URL: ftp:\/\/files/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: expected one of debug, info, warn, error/],
  ])('refuses %s=%s with a message naming the variable', (name, value, expected) => {
    const message = errorOf(() => parseConfig({ [name]: value }));
    expect(message).toMatch(expected);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('never echoes a secret it refuses', () => {
    const message = errorOf(() => parseConfig({ SLACK_BOT_TOKEN: 'xoxp-very-secret-value' }));
    expect(message).not.toContain('very-secret');
  });

  it('requires the TLS certificate and key together', () => {
    expect(errorOf(() => parseConfig({ TEMPORAL_TLS_CERT: '/etc/cert.pem' }))).toMatch(
      /TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: set both/,
    );
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
