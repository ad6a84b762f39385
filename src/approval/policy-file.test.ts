import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOOLS } from '../tools/index.js';
import {
  loadPolicyFile,
  MAX_STAGES,
  PolicyFileError,
  type PolicyFileOptions,
  parsePolicyFile,
} from './policy-file.js';
import type { ApprovalPlan, StagePlan } from './schemas.js';
import { standingMaxFor } from './standing.js';

const HOUR = 3_600_000;

const envStage: StagePlan = {
  name: 'Approval',
  approvers: { users: ['U0ENV1', 'U0ENV2'], userGroups: [] },
  required: 1,
  timeoutMs: 24 * HOUR,
  remindAfterMs: undefined,
  escalateAfterMs: undefined,
  escalateTo: undefined,
};
const envPlan: ApprovalPlan = {
  rule: 'default',
  stages: [envStage],
  allowSelfApproval: true,
  onTimeout: 'cancel',
  channel: 'C0ENV',
};
const options: PolicyFileOptions = {
  source: 'policy.json',
  toolNames: ['archive_channel', 'post_message', 'call_webhook'],
  envDefaults: { plan: envPlan, threshold: 'medium' },
};

const parse = (text: string) => parsePolicyFile(text, options);

function errorOf(text: string): string {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyFileError);
    return (error as Error).message;
  }
  throw new Error('expected a PolicyFileError');
}

/** `line L, column C` of the `nth` occurrence of `needle` in `text`, counted as an editor does (1-based). */
function positionOf(text: string, needle: string, nth = 1): string {
  let offset = -1;
  for (let i = 0; i < nth; i++) {
    offset = text.indexOf(needle, offset + 1);
    if (offset < 0) throw new Error(`fixture has no ${nth}th ${needle}`);
  }
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1) ?? '').length + 1}`;
}

describe('parsePolicyFile: a valid file', () => {
  it('keeps the environment for everything a one-line file leaves out', () => {
    const policy = parse('{ "risks": { "high": { "required": 2 } } }');
    expect(policy).toEqual({
      threshold: 'medium',
      default: envPlan,
      risks: {
        high: { ...envPlan, rule: 'risk high', stages: [{ ...envStage, required: 2 }] },
      },
      tools: {},
    });
  });

  it('normalizes every rule, inheriting from "default" and then from the environment', () => {
    const text = `{
      "$schema": "./policy.schema.json",
      "threshold": "low",
      "default": { "approvers": ["S0SECURITY", "U0ANA"], "timeout": "12h", "remind_after": "1h" },
      "risks": {
        "high": { "required": 2, "approvers": ["U0ANA", "U0BOB", "U0CAROL"], "on_timeout": "reject" }
      },
      "tools": {
        "post_message": { "channel": "C0POSTS" },
        "archive_channel": {
          "on_timeout": "reject",
          "allow_self_approval": false,
          "channel": "C0APPROVALS",
          "stages": [
            { "name": "Team lead", "approvers": ["U0LEAD"], "timeout": "4h", "remind_after": "1h" },
            { "required": 1, "escalate_after": "2h", "escalate_to": { "approvers": ["S0ONCALL"], "channel": "C0ONCALL" } }
          ]
        }
      }
    }`;
    const defaultStage: StagePlan = {
      ...envStage,
      approvers: { users: ['U0ANA'], userGroups: ['S0SECURITY'] },
      timeoutMs: 12 * HOUR,
      remindAfterMs: HOUR,
    };
    const defaultPlan: ApprovalPlan = { ...envPlan, stages: [defaultStage] };
    expect(parse(text)).toEqual({
      threshold: 'low',
      default: defaultPlan,
      risks: {
        high: {
          ...defaultPlan,
          rule: 'risk high',
          onTimeout: 'reject',
          // One stage refining the default's: its reminder and timeout carry over.
          stages: [
            {
              ...defaultStage,
              required: 2,
              approvers: { users: ['U0ANA', 'U0BOB', 'U0CAROL'], userGroups: [] },
            },
          ],
        },
      },
      tools: {
        // No stage fields: the default's stages as they are, posted elsewhere.
        post_message: { ...defaultPlan, rule: 'tool post_message', channel: 'C0POSTS' },
        archive_channel: {
          rule: 'tool archive_channel',
          allowSelfApproval: false,
          onTimeout: 'reject',
          channel: 'C0APPROVALS',
          stages: [
            {
              name: 'Team lead',
              approvers: { users: ['U0LEAD'], userGroups: [] },
              required: 1,
              timeoutMs: 4 * HOUR,
              remindAfterMs: HOUR,
              escalateAfterMs: undefined,
              escalateTo: undefined,
            },
            {
              // A chain's stage inherits only who decides and how long it waits.
              name: 'Stage 2',
              approvers: defaultStage.approvers,
              required: 1,
              timeoutMs: 12 * HOUR,
              remindAfterMs: undefined,
              escalateAfterMs: 2 * HOUR,
              escalateTo: { approvers: { users: [], userGroups: ['S0ONCALL'] }, channel: 'C0ONCALL' },
            },
          ],
        },
      },
    });
  });

  it('gives a one-stage rule the environment’s stage when "default" is a chain', () => {
    const policy = parse(`{
      "default": { "stages": [{ "approvers": ["U0LEAD"] }, { "approvers": ["S0SECURITY"] }] },
      "risks": { "high": { "required": 1, "timeout": "1h" } }
    }`);
    expect(policy.default.stages.map((stage) => stage.name)).toEqual(['Stage 1', 'Stage 2']);
    expect(policy.risks.high?.stages).toEqual([{ ...envStage, timeoutMs: HOUR }]);
  });

  it('accepts comments and trailing commas', () => {
    const policy = parse(`// the team's policy
      {
        /* stricter for everything */
        "threshold": "low", // was medium
        "tools": { "post_message": { "required": 1, }, },
      }`);
    expect(policy.threshold).toBe('low');
    expect(policy.tools.post_message?.rule).toBe('tool post_message');
  });
});

describe('parsePolicyFile: the documented examples', () => {
  const wholeFile = (text: string) => text;
  const firstJsoncBlock = (text: string) => text.split('```jsonc\n')[1]?.split('```')[0] ?? '';

  it.each([
    ['examples/policy.example.jsonc', wholeFile],
    ['README.md', firstJsoncBlock],
  ])('%s is a valid policy for the real tools', (file, extract) => {
    const text = extract(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'));
    const policy = parsePolicyFile(text, { ...options, toolNames: TOOLS.map((tool) => tool.name) });
    expect(policy.tools.archive_channel?.stages.map((stage) => stage.name)).toEqual([
      'Team lead',
      'Security',
    ]);
    expect(policy.risks.high?.stages[0]?.required).toBe(2);
  });

  it('the example file forbids edits of the webhook and lets topic changes stand for a working day', () => {
    const text = readFileSync(new URL('../../examples/policy.example.jsonc', import.meta.url), 'utf8');
    const policy = parsePolicyFile(text, { ...options, toolNames: TOOLS.map((tool) => tool.name) });
    expect(policy.tools.call_webhook?.allowEdit).toBe(false);
    expect(policy.tools.set_channel_topic?.standingMaxMs).toBe(8 * 3_600_000);
  });
});

describe('parsePolicyFile: problems name the file, line, column and field', () => {
  it.each([
    {
      problem: 'a required that is not a whole number',
      text: '{\n  "tools": {\n    "archive_channel": { "stages": [{ "required": 0 }] }\n  }\n}',
      at: '0 }',
      field: 'tools.archive_channel.stages[0].required',
      message: 'must be a whole number of at least 1',
    },
    {
      problem: 'an unknown field (a typo)',
      text: '{\n  "default": {\n    "aprovers": ["U0ANA"]\n  }\n}',
      at: '"aprovers"',
      field: 'default.aprovers',
      message:
        'unknown field; a rule takes allow_self_approval, allow_edit, standing_max, on_timeout, channel, stages, name, approvers',
    },
    {
      problem: 'a name that is not a Slack ID',
      text: '{\n  "default": { "approvers": ["U0ANA", "alice"] }\n}',
      at: '"alice"',
      field: 'default.approvers[1]',
      message: 'must be a Slack user ID (U…/W…) or user-group ID (S…), got "alice"',
    },
    {
      problem: 'an empty approvers list',
      text: '{\n  "risks": { "high": { "approvers": [] } }\n}',
      at: '[]',
      field: 'risks.high.approvers',
      message: 'must list at least one approver',
    },
    {
      problem: 'a channel name instead of its ID',
      text: '{\n  "tools": { "post_message": { "channel": "#approvals" } }\n}',
      at: '"#approvals"',
      field: 'tools.post_message.channel',
      message: 'must be a Slack channel ID like C0123ABCD',
    },
    {
      problem: 'a duration that is not one',
      text: '{\n  "default": { "timeout": "tomorrow" }\n}',
      at: '"tomorrow"',
      field: 'default.timeout',
      message: 'must be a duration like 90s, 15m, 24h, 7d or 1h30m, got "tomorrow"',
    },
    {
      problem: 'a timeout beyond the longest approval wait',
      text: '{\n  "default": { "timeout": "200000000d" }\n}',
      at: '"200000000d"',
      field: 'default.timeout',
      message:
        'must be at most 90d (an approval that waits longer is a process problem, not a setting), got "200000000d"',
    },
    {
      problem: 'a reminder beyond the longest approval wait',
      text: '{\n  "risks": { "high": { "stages": [{ "remind_after": "91d" }] } }\n}',
      at: '"91d"',
      field: 'risks.high.stages[0].remind_after',
      message: 'must be at most 90d',
    },
    {
      problem: 'an escalation beyond the longest approval wait',
      text: '{\n  "tools": { "archive_channel": { "escalate_after": "2160h1s", "escalate_to": { "channel": "C0ONCALL" } } }\n}',
      at: '"2160h1s"',
      field: 'tools.archive_channel.escalate_after',
      message: 'must be at most 90d',
    },
    {
      problem: 'an unknown risk',
      text: '{ "threshold": "extreme" }',
      at: '"extreme"',
      field: 'threshold',
      message: 'must be "low", "medium" or "high"',
    },
    {
      problem: 'an unknown timeout meaning',
      text: '{ "default": { "on_timeout": "approve" } }',
      at: '"approve"',
      field: 'default.on_timeout',
      message: 'must be "cancel" or "reject"',
    },
    {
      problem: 'too many stages',
      text: `{ "default": { "stages": [${'{}, '.repeat(MAX_STAGES)}{}] } }`,
      at: '[',
      field: 'default.stages',
      message: `must list at most ${MAX_STAGES} stages`,
    },
    {
      problem: 'a stage name too long for the card',
      text: `{ "default": { "name": "${'x'.repeat(51)}" } }`,
      at: '"xxx',
      field: 'default.name',
      message: 'must be at most 50 characters',
    },
    {
      problem: 'an escalation that names no one',
      text: '{ "default": { "escalate_after": "1h", "escalate_to": {} } }',
      at: '{}',
      field: 'default.escalate_to',
      message: 'must name approvers, a channel, or both',
    },
    {
      problem: 'stages and stage fields at once',
      text: '{\n  "default": {\n    "stages": [{}],\n    "timeout": "1h"\n  }\n}',
      at: '"timeout"',
      field: 'default.timeout',
      message: 'cannot be set beside "stages"',
    },
    {
      problem: 'a quorum the listed people can never reach',
      text: '{\n  "tools": {\n    "archive_channel": { "approvers": ["U0ANA", "U0BOB"], "required": 3 }\n  }\n}',
      at: '3 }',
      field: 'tools.archive_channel.required',
      message: 'required is 3 but only 2 people are listed (U0ANA, U0BOB), so the stage could never pass',
    },
    {
      problem: 'a quorum beyond the approvers inherited from the environment',
      text: '{ "risks": { "high": { "required": 3 } } }',
      at: '3 }',
      field: 'risks.high.required',
      message: 'required is 3 but only 2 people are listed (U0ENV1, U0ENV2, inherited from the environment)',
    },
    {
      problem: 'a reminder that would never be sent',
      text: '{\n  "default": { "timeout": "4h", "remind_after": "4h" }\n}',
      at: '"4h" }',
      field: 'default.remind_after',
      message:
        "remind_after 4h is not shorter than the stage's timeout 4h, so the reminder would never be sent",
    },
    {
      problem: 'a timeout shortened below an inherited escalation',
      text: `{
  "default": { "escalate_after": "2h", "escalate_to": { "channel": "C0ONCALL" } },
  "risks": { "high": { "timeout": "1h" } }
}`,
      at: '"1h"',
      field: 'risks.high.timeout',
      message:
        'escalate_after 2h (inherited from "default") is not shorter than the stage\'s timeout 1h, so it would never escalate',
    },
    {
      problem: 'escalate_after without escalate_to',
      text: '{ "default": { "escalate_after": "2h" } }',
      at: '"2h"',
      field: 'default.escalate_after',
      message: 'needs escalate_to beside it',
    },
    {
      problem: 'escalate_to without escalate_after',
      text: '{ "default": { "escalate_to": { "approvers": ["S0ONCALL"] } } }',
      at: '{ "approvers"',
      field: 'default.escalate_to',
      message: 'needs escalate_after beside it',
    },
    {
      problem: 'an unknown tool',
      text: '{\n  "tools": {\n    "archive_chanel": {}\n  }\n}',
      at: '"archive_chanel"',
      field: 'tools.archive_chanel',
      message: 'unknown tool "archive_chanel"; the tools are archive_channel, post_message, call_webhook',
    },
  ])('$problem', ({ text, at, field, message }) => {
    const error = errorOf(text);
    // The message may go on (what to do about it); its start is the whole location and the problem.
    const expected = `Invalid approval policy policy.json — ${positionOf(text, at)}, ${field}: ${message}`;
    expect(error.slice(0, expected.length)).toBe(expected);
    expect(error.split('\n')).toHaveLength(1);
  });

  it('points at the second of two equal keys', () => {
    const text = '{\n  "tools": {\n    "post_message": {},\n    "post_message": { "required": 1 }\n  }\n}';
    expect(errorOf(text)).toBe(
      `Invalid approval policy policy.json — ${positionOf(text, '"post_message"', 2)}, tools.post_message: given twice; keep one (the last would win)`,
    );
  });

  it('takes a rule per MCP server and pins a tool’s risk, for configured servers only', () => {
    const withFiles = { ...options, mcpServers: ['files'] };
    const policy = parsePolicyFile(
      '{ "servers": { "files": { "timeout": "3h" } }, "tools": { "files__list_directory": { "risk": "high" } } }',
      withFiles,
    );
    expect(policy.servers?.files?.rule).toBe('server files');
    expect(policy.servers?.files?.stages[0]?.timeoutMs).toBe(3 * 3600_000);
    expect(policy.toolRisks).toEqual({ files__list_directory: 'high' });
    // Pinning the risk alone makes no rule: the call goes by its server's, risk's or the default rule.
    expect(policy.tools.files__list_directory).toBeUndefined();
    expect(() => parsePolicyFile('{ "servers": { "github": {} } }', withFiles)).toThrow(
      /servers\.github: unknown MCP server "github"; the servers in MCP_CONFIG are files/,
    );
    expect(() => parsePolicyFile('{ "tools": { "post_message": { "risk": "extreme" } } }', options)).toThrow(
      /tools\.post_message\.risk: must be "low", "medium" or "high"/,
    );
  });

  it('accepts a rule for a tool of a configured MCP server, and refuses one for a server nobody configured', () => {
    const text = '{ "tools": { "files__write_file": { "required": 2 }, "github__create_issue": {} } }';
    const withFiles = { ...options, mcpServers: ['files'] };
    expect(() =>
      parsePolicyFile('{ "tools": { "files__write_file": { "required": 2 } } }', withFiles),
    ).not.toThrow();
    expect(
      parsePolicyFile('{ "tools": { "files__write_file": { "required": 2 } } }', withFiles).tools
        .files__write_file?.stages[0]?.required,
    ).toBe(2);
    let message = '';
    try {
      parsePolicyFile(text, withFiles);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(
      'tools.github__create_issue: unknown tool "github__create_issue"; the tools are archive_channel, post_message, call_webhook, or <server>__<tool> for the MCP servers files',
    );
    expect(message).not.toContain('files__write_file');
  });

  it('lists every problem, one a line, in the order of the file', () => {
    const text =
      '{\n  "threshold": "extreme",\n  "tools": { "nope": {}, "post_message": { "required": -1 } }\n}';
    expect(errorOf(text).split('\n')).toEqual([
      'Invalid approval policy policy.json — 3 problems:',
      `  ${positionOf(text, '"extreme"')}, threshold: must be "low", "medium" or "high"`,
      `  ${positionOf(text, '"nope"')}, tools.nope: unknown tool "nope"; the tools are archive_channel, post_message, call_webhook`,
      `  ${positionOf(text, '-1')}, tools.post_message.required: must be a whole number of at least 1`,
    ]);
  });

  it('shows the first problems of a file that has a great many', () => {
    const tools = Array.from({ length: 30 }, (_, i) => `"tool_${i}": {}`).join(', ');
    const lines = errorOf(`{ "tools": { ${tools} } }`).split('\n');
    expect(lines[0]).toBe('Invalid approval policy policy.json — 30 problems:');
    expect(lines).toHaveLength(22);
    expect(lines.at(-1)).toBe('  … and 10 more');
  });

  it('quotes a field that is not a plain name', () => {
    expect(errorOf('{ "tools": { "post message": {} } }')).toContain('tools["post message"]: unknown tool');
  });

  it('refuses a file that is not an object', () => {
    expect(errorOf('["post_message"]')).toBe(
      'Invalid approval policy policy.json — line 1, column 1: must be an object: the policy with any of $schema, threshold, default, risks, tools, servers',
    );
  });
});

describe('parsePolicyFile: syntax errors', () => {
  it('names the line and column of a missing comma', () => {
    const text = '{\n  "threshold": "high"\n  "tools": {}\n}';
    expect(errorOf(text)).toBe(
      `Invalid approval policy policy.json — ${positionOf(text, '"tools"')}: expected a comma before the next entry`,
    );
  });

  it('names the line and column of text after the policy', () => {
    const text = '{ "threshold": "high" }\n}';
    expect(errorOf(text)).toBe(
      `Invalid approval policy policy.json — ${positionOf(text, '}', 2)}: unexpected text after the end of the policy`,
    );
  });

  it('refuses an empty file, saying what to write', () => {
    expect(errorOf('// nothing yet\n')).toBe(
      'Invalid approval policy policy.json — line 1, column 1: the file holds no policy; write at least {} to keep the defaults',
    );
  });
});

describe('loadPolicyFile', () => {
  const load = (path: string) =>
    loadPolicyFile(path, { toolNames: options.toolNames, envDefaults: options.envDefaults });

  it('reads the file and names it in problems', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'countersign-policy-')), 'policy.jsonc');
    writeFileSync(path, '\uFEFF{ "threshold": "high" }');
    expect(load(path).threshold).toBe('high');
    writeFileSync(path, '{ "threshold": "extreme" }');
    expect(() => load(path)).toThrow(`Invalid approval policy ${path} — line 1, column 16, threshold:`);
  });

  it('says why a file cannot be read', () => {
    const path = join(tmpdir(), 'countersign-no-such-policy.json');
    expect(() => load(path)).toThrow(
      new PolicyFileError(`cannot read ${path} (ENOENT: no such file or directory)`, true),
    );
  });
});

describe('parsePolicyFile: allow_edit', () => {
  it('lets approvers change a call unless its rule, or the rule it refines, says otherwise', () => {
    const policy = parsePolicyFile(
      '{ "tools": { "call_webhook": { "allow_edit": false }, "post_message": { "timeout": "1h" } } }',
      { ...options, toolNames: TOOLS.map((tool) => tool.name) },
    );
    expect(policy.tools.call_webhook?.allowEdit).toBe(false);
    expect(policy.tools.post_message?.allowEdit).toBeUndefined();
    expect(policy.default.allowEdit).toBeUndefined();
  });
});

describe('parsePolicyFile: standing_max', () => {
  it('takes a duration or "off", inherited from the rule refined', () => {
    const policy = parsePolicyFile(
      '{ "default": { "standing_max": "30m" }, "tools": { "archive_channel": { "standing_max": "off" } } }',
      { ...options, toolNames: TOOLS.map((tool) => tool.name) },
    );
    expect(policy.default.standingMaxMs).toBe(30 * 60_000);
    expect(policy.tools.archive_channel?.standingMaxMs).toBe(0);
    expect(policy.risks.high?.standingMaxMs ?? policy.default.standingMaxMs).toBe(30 * 60_000);
  });

  it('does not hand the default’s on to a rule that says none: by risk there, never longer than the default’s', () => {
    const policy = parsePolicyFile(
      `{ "default": { "approvers": ["U0ANA"], "standing_max": "1h" },
         "risks": { "medium": { "required": 1 }, "high": { "approvers": ["U0BOB"] } },
         "tools": { "archive_channel": { "approvers": ["U0BOB"] }, "post_message": { "standing_max": "4h" } } }`,
      { ...options, toolNames: TOOLS.map((tool) => tool.name) },
    );
    const high = policy.risks.high as ApprovalPlan;
    expect(high.standingMaxMs).toBeUndefined();
    expect(standingMaxFor(high, 'high')).toBe(0);
    expect(standingMaxFor(policy.risks.medium as ApprovalPlan, 'medium')).toBe(HOUR);
    expect(standingMaxFor(policy.tools.archive_channel as ApprovalPlan, 'high')).toBe(0);
    expect(standingMaxFor(policy.tools.archive_channel as ApprovalPlan, 'medium')).toBe(HOUR);
    // A rule that says so has its own; the default itself keeps what it says, for every risk it covers.
    expect(standingMaxFor(policy.tools.post_message as ApprovalPlan, 'high')).toBe(4 * HOUR);
    expect(standingMaxFor(policy.default, 'high')).toBe(HOUR);
  });

  it('caps the rules under a shorter or "off" default', () => {
    const policy = parsePolicyFile(
      '{ "default": { "standing_max": "15m" }, "risks": { "medium": { "required": 1 } }, "tools": { "post_message": { "standing_max": "off" } } }',
      options,
    );
    expect(standingMaxFor(policy.risks.medium as ApprovalPlan, 'medium')).toBe(15 * 60_000);
    const off = parsePolicyFile(
      '{ "default": { "standing_max": "off" }, "risks": { "medium": { "required": 1 } } }',
      options,
    );
    expect(standingMaxFor(off.risks.medium as ApprovalPlan, 'low')).toBe(0);
    expect(standingMaxFor(policy.tools.post_message as ApprovalPlan, 'low')).toBe(0);
  });
});
