// The approval policy file (POLICY_FILE): JSON with comments, checked so that every problem names its line,
// column and field, then normalized into the ApprovalPolicy the workflows follow. It reads files, so workflows
// receive its result and never import it.
import type { JSONPath } from 'jsonc-parser';
import { z } from 'zod';
import { formatDuration, parseDuration } from '../duration.js';
import {
  duplicateKeyProblems,
  JsoncFileError,
  type LocatedProblem,
  locateProblems,
  type Problem,
  parseJsonc,
  problemsMessage,
  quoted,
  readTextFile,
  shapeProblems,
} from '../jsonc-file.js';
import { SLACK_CONVERSATION_ID, SLACK_USER_ID, SLACK_USERGROUP_ID } from '../slack/ids.js';
import {
  type ApprovalPlan,
  type ApprovalPolicy,
  type ApproverIds,
  RISKS,
  type Risk,
  STAGE_NAME_MAX,
  type StagePlan,
  TIMEOUT_MEANINGS,
} from './schemas.js';

/** Most stages in a chain: each may wait its full timeout, so a longer chain keeps a request open for days. */
export const MAX_STAGES = 5;
/**
 * The longest an approval may wait, and so the longest of any timeout, reminder or escalation: a request left
 * open for a quarter is a process problem, not a setting. Far inside what Temporal timers and JS Dates hold
 * (an unbounded "200000000d" overflows a Date and fails the workflow task instead of start-up).
 */
export const APPROVAL_WAIT_MAX_MS = 90 * 86_400_000;
/** A policy file that cannot be used; the message lists every problem with its line, column and field. */
export class PolicyFileError extends JsoncFileError {
  override name = 'PolicyFileError';
}

export interface PolicyFileOptions {
  /** How the file is named in errors, e.g. the path as POLICY_FILE gives it. */
  source: string;
  /** The agent's tools: a rule under `tools` must name one of them. */
  toolNames: readonly string[];
  /** The configured MCP servers: a rule may also name one of their tools, `<server>__<tool>`, listed only at run time. */
  mcpServers?: readonly string[];
  /** The environment's simple policy, which the file refines: what every unspecified value falls back to. */
  envDefaults: { plan: ApprovalPlan; threshold: Risk };
}

// ---- The file's shape -------------------------------------------------------------------------------------

/** A strict object: an unknown key is reported by name with the fields that are allowed, which catches typos. */
function fieldsOf<Shape extends z.ZodRawShape>(what: string, shape: Shape) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field; ${what} takes ${known}`
        : `must be an object: ${what} with any of ${known}`,
  });
}

const approverIdsField = z
  .array(
    z
      .string({ error: 'must be a Slack user ID (U…/W…) or user-group ID (S…) in quotes' })
      .refine((id) => SLACK_USER_ID.test(id) || SLACK_USERGROUP_ID.test(id), {
        error: (issue) => `must be a Slack user ID (U…/W…) or user-group ID (S…), got ${quoted(issue.input)}`,
      }),
    { error: 'must be a list of Slack user IDs (U…/W…) and user-group IDs (S…)' },
  )
  .min(1, { error: 'must list at least one approver; leave the field out to inherit the approvers' })
  .transform(
    (ids): ApproverIds => ({
      // Each person counts once toward a quorum, so a repeated ID means nothing more.
      users: [...new Set(ids.filter((id) => SLACK_USER_ID.test(id)))],
      userGroups: [...new Set(ids.filter((id) => SLACK_USERGROUP_ID.test(id)))],
    }),
  );

const channelField = z
  .string({ error: 'must be a Slack channel ID like C0123ABCD, in quotes' })
  .regex(SLACK_CONVERSATION_ID, {
    error: (issue) =>
      `must be a Slack channel ID like C0123ABCD (channel details → About), got ${quoted(issue.input)}`,
  });

/** The bound on approval durations, with its reason, as errors state it. */
export function approvalWaitLimit(): string {
  return `${formatDuration(APPROVAL_WAIT_MAX_MS)} (an approval that waits longer is a process problem, not a setting)`;
}

const durationField = z
  .string({ error: 'must be a duration in quotes, like "90s", "15m", "24h" or "7d"' })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration like 90s, 15m, 24h, 7d or 1h30m, got ${quoted(text)}`,
      });
      return z.NEVER;
    }
    if (ms > APPROVAL_WAIT_MAX_MS) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${approvalWaitLimit()}, got ${quoted(text)}`,
      });
      return z.NEVER;
    }
    return ms;
  });

const stageFields = {
  name: z
    .string({ error: 'must be a name in quotes, e.g. "Security"' })
    .trim()
    .min(1, { error: 'must not be empty; leave the field out for the default name' })
    .max(STAGE_NAME_MAX, { error: `must be at most ${STAGE_NAME_MAX} characters (it labels the card)` })
    .optional(),
  approvers: approverIdsField.optional(),
  required: z
    .number({ error: 'must be a whole number of at least 1' })
    .int({ error: 'must be a whole number of at least 1' })
    .min(1, { error: 'must be a whole number of at least 1' })
    .optional(),
  timeout: durationField.optional(),
  remind_after: durationField.optional(),
  escalate_after: durationField.optional(),
  escalate_to: fieldsOf('escalate_to', {
    approvers: approverIdsField.optional(),
    channel: channelField.optional(),
  })
    .refine((to) => to.approvers !== undefined || to.channel !== undefined, {
      error: 'must name approvers, a channel, or both',
    })
    .optional(),
};
const STAGE_FIELD_NAMES = Object.keys(stageFields) as (keyof typeof stageFields)[];

const stageSchema = fieldsOf('a stage', stageFields);

const ruleFields = {
  allow_self_approval: z.boolean({ error: 'must be true or false' }).optional(),
  allow_edit: z.boolean({ error: 'must be true or false' }).optional(),
  standing_max: z
    .union([z.literal('off'), durationField], {
      error: 'must be "off" or a duration like "15m" or "1h"',
    })
    .optional(),
  on_timeout: z
    .enum(TIMEOUT_MEANINGS, { error: `must be ${TIMEOUT_MEANINGS.map(quoted).join(' or ')}` })
    .optional(),
  channel: channelField.optional(),
  stages: z
    .array(stageSchema, { error: 'must be a list of stages, each an object' })
    .min(1, { error: 'must list at least one stage; leave the field out for a one-stage rule' })
    .max(MAX_STAGES, { error: `must list at most ${MAX_STAGES} stages` })
    .optional(),
  ...stageFields,
};
const ruleSchema = fieldsOf('a rule', ruleFields);

const riskField = z.enum(RISKS, { error: 'must be "low", "medium" or "high"' });

/** A tool's rule may also pin the tool's own risk, whatever the tool or its server declares. */
const toolRuleSchema = fieldsOf('a tool rule', { risk: riskField.optional(), ...ruleFields });

const policyFileSchema = fieldsOf('the policy', {
  // Editors use it to find a JSON schema; it means nothing to the policy.
  $schema: z.string({ error: 'must be a URL or path in quotes' }).optional(),
  threshold: riskField.optional(),
  default: ruleSchema.optional(),
  risks: fieldsOf('risks', {
    low: ruleSchema.optional(),
    medium: ruleSchema.optional(),
    high: ruleSchema.optional(),
  }).optional(),
  tools: z
    .record(z.string(), toolRuleSchema, { error: 'must be an object of rules keyed by tool name' })
    .optional(),
  servers: z
    .record(z.string(), ruleSchema, { error: 'must be an object of rules keyed by MCP server name' })
    .optional(),
});

type StageInput = z.output<typeof stageSchema>;
type RuleInput = z.output<typeof ruleSchema>;
type PolicyFileInput = z.output<typeof policyFileSchema>;

// ---- Problems, located --------------------------------------------------------------------------------------

function policyError(source: string, text: string, located: LocatedProblem[]): PolicyFileError {
  return new PolicyFileError(problemsMessage('Invalid approval policy', source, text, located));
}

/** A tool of a configured MCP server: its tools are listed when the worker starts, so its name is all there is to check. */
function isMcpToolName(name: string, servers: readonly string[]): boolean {
  const at = name.indexOf('__');
  return at > 0 && at + 2 < name.length && servers.includes(name.slice(0, at));
}

function unknownServerProblems(raw: unknown, servers: readonly string[]): Problem[] {
  const named = (raw as { servers?: unknown } | undefined)?.servers;
  if (typeof named !== 'object' || named === null || Array.isArray(named)) return [];
  return Object.keys(named)
    .filter((name) => !servers.includes(name))
    .map((name) => ({
      path: ['servers', name],
      message:
        servers.length > 0
          ? `unknown MCP server ${quoted(name)}; the servers in MCP_CONFIG are ${servers.join(', ')}`
          : `unknown MCP server ${quoted(name)}; MCP_CONFIG names no servers`,
      atKey: true,
    }));
}

function unknownToolProblems(
  raw: unknown,
  toolNames: readonly string[],
  servers: readonly string[],
): Problem[] {
  const tools = (raw as { tools?: unknown } | undefined)?.tools;
  if (typeof tools !== 'object' || tools === null || Array.isArray(tools)) return [];
  const mcp = servers.length > 0 ? `, or <server>__<tool> for the MCP servers ${servers.join(', ')}` : '';
  return Object.keys(tools)
    .filter((name) => !toolNames.includes(name) && !isMcpToolName(name, servers))
    .map((name) => ({
      path: ['tools', name],
      message: `unknown tool ${quoted(name)}; the tools are ${toolNames.join(', ')}${mcp}`,
      atKey: true,
    }));
}

// ---- From the file to the policy ------------------------------------------------------------------------------

interface Resolution {
  problems: Problem[];
}

/** Where inherited values come from, as a person reads it in an error. */
type Origin = '"default"' | 'the environment';

function stageFrom(local: StageInput, base: StagePlan): StagePlan {
  return {
    name: local.name ?? base.name,
    approvers: local.approvers ?? base.approvers,
    required: local.required ?? base.required,
    timeoutMs: local.timeout ?? base.timeoutMs,
    remindAfterMs: local.remind_after ?? base.remindAfterMs,
    escalateAfterMs: local.escalate_after ?? base.escalateAfterMs,
    escalateTo: local.escalate_to
      ? { approvers: local.escalate_to.approvers, channel: local.escalate_to.channel }
      : base.escalateTo,
  };
}

/**
 * Checks that need the stage as it will run, inherited values included. Only combinations this rule touches
 * are reported here; a conflict wholly inherited is reported where it was written.
 */
function checkStage(
  stage: StagePlan,
  local: StageInput,
  path: JSONPath,
  origin: Origin,
  out: Resolution,
): void {
  const set = (field: keyof StageInput) => local[field] !== undefined;
  const shown = (field: keyof StageInput, value: string) =>
    set(field) ? value : `${value} (inherited from ${origin})`;
  const at = (field: keyof StageInput): JSONPath => [...path, field];

  const groups = [...(stage.approvers?.userGroups ?? []), ...(stage.escalateTo?.approvers?.userGroups ?? [])];
  if (stage.approvers && groups.length === 0 && (set('required') || set('approvers') || set('escalate_to'))) {
    const people = [...new Set([...stage.approvers.users, ...(stage.escalateTo?.approvers?.users ?? [])])];
    if (stage.required > people.length) {
      const field = set('required') ? 'required' : set('approvers') ? 'approvers' : 'escalate_to';
      out.problems.push({
        path: at(field),
        message:
          `${shown('required', `required is ${stage.required}`)} but only ${people.length} ` +
          `${people.length === 1 ? 'person is' : 'people are'} listed ` +
          `(${people.join(', ')}${set('approvers') ? '' : `, inherited from ${origin}`}), so the stage could ` +
          'never pass; list more approvers, add a user group, or lower required',
      });
    }
  }

  for (const timer of ['remind_after', 'escalate_after'] as const) {
    const afterMs = timer === 'remind_after' ? stage.remindAfterMs : stage.escalateAfterMs;
    if (afterMs === undefined || afterMs < stage.timeoutMs || !(set(timer) || set('timeout'))) continue;
    const what = timer === 'remind_after' ? 'the reminder would never be sent' : 'it would never escalate';
    out.problems.push({
      path: at(set(timer) ? timer : 'timeout'),
      message:
        `${shown(timer, `${timer} ${formatDuration(afterMs)}`)} is not shorter than the stage's ` +
        `${shown('timeout', `timeout ${formatDuration(stage.timeoutMs)}`)}, so ${what}; shorten it or lengthen timeout`,
    });
  }

  if (set('escalate_after') && stage.escalateTo === undefined) {
    out.problems.push({
      path: at('escalate_after'),
      message: 'needs escalate_to beside it: the approvers to add and/or the channel to post the card in',
    });
  }
  if (set('escalate_to') && stage.escalateAfterMs === undefined) {
    out.problems.push({
      path: at('escalate_to'),
      message: 'needs escalate_after beside it: how long before escalating',
    });
  }
}

/**
 * A rule's own `standing_max`, or else by the call's risk (src/approval/standing.ts) never longer than the rule it
 * refines allows: `default`'s length is a ceiling for the rules under it, not a length handed on, so that a rule for a
 * higher risk (none by default for high) allows standing approvals only if it says so itself.
 */
function standingFrom(
  own: RuleInput['standing_max'],
  parent: ApprovalPlan,
): Pick<ApprovalPlan, 'standingMaxMs' | 'standingCapMs'> {
  if (own !== undefined) return { standingMaxMs: own === 'off' ? 0 : own };
  const caps = [parent.standingMaxMs, parent.standingCapMs].filter((ms) => ms !== undefined);
  return caps.length > 0 ? { standingCapMs: Math.min(...caps) } : {};
}

/**
 * One rule of the file as a plan. A rule with `stages` is a chain whose stages inherit approvers and timeout;
 * a rule with stage fields is one stage refining `base`; a rule with neither keeps `parent`'s stages.
 */
function planFrom(
  rule: RuleInput,
  path: JSONPath,
  name: string,
  parent: ApprovalPlan,
  base: { stage: StagePlan; origin: Origin },
  out: Resolution,
): ApprovalPlan {
  const stageFieldsSet = STAGE_FIELD_NAMES.filter((field) => rule[field] !== undefined);
  let stages: StagePlan[];
  if (rule.stages) {
    for (const field of stageFieldsSet) {
      out.problems.push({
        path: [...path, field],
        message:
          'cannot be set beside "stages"; move it into the stages, or remove "stages" for a one-stage rule',
        atKey: true,
      });
    }
    stages = rule.stages.map((local, index) => {
      const chainBase: StagePlan = {
        name: `Stage ${index + 1}`,
        approvers: base.stage.approvers,
        required: 1,
        timeoutMs: base.stage.timeoutMs,
        remindAfterMs: undefined,
        escalateAfterMs: undefined,
        escalateTo: undefined,
      };
      const stage = stageFrom(local, chainBase);
      checkStage(stage, local, [...path, 'stages', index], base.origin, out);
      return stage;
    });
  } else if (stageFieldsSet.length > 0) {
    const stage = stageFrom(rule, base.stage);
    checkStage(stage, rule, path, base.origin, out);
    stages = [stage];
  } else {
    stages = parent.stages.map((stage) => ({ ...stage }));
  }
  return {
    rule: name,
    stages,
    allowSelfApproval: rule.allow_self_approval ?? parent.allowSelfApproval,
    // Absent means allowed: only a rule (or the one it refines) that says otherwise is kept from edits.
    ...((rule.allow_edit ?? parent.allowEdit) !== undefined
      ? { allowEdit: rule.allow_edit ?? parent.allowEdit }
      : {}),
    ...standingFrom(rule.standing_max, parent),
    onTimeout: rule.on_timeout ?? parent.onTimeout,
    channel: rule.channel ?? parent.channel,
  };
}

function policyFrom(file: PolicyFileInput, options: PolicyFileOptions, out: Resolution): ApprovalPolicy {
  const env = options.envDefaults.plan;
  const envStage = env.stages[0];
  if (envStage === undefined) throw new Error('the environment default plan has no stage');
  const defaultPlan = file.default
    ? planFrom(file.default, ['default'], 'default', env, { stage: envStage, origin: 'the environment' }, out)
    : env;
  // Stage fields elsewhere refine the default's stage; a default chain has no single stage to refine.
  const [onlyStage, ...moreStages] = defaultPlan.stages;
  const base =
    file.default && onlyStage && moreStages.length === 0
      ? { stage: onlyStage, origin: '"default"' as const }
      : { stage: envStage, origin: 'the environment' as const };

  const risks: ApprovalPolicy['risks'] = {};
  for (const risk of RISKS) {
    const rule = file.risks?.[risk];
    if (rule) risks[risk] = planFrom(rule, ['risks', risk], `risk ${risk}`, defaultPlan, base, out);
  }
  const tools: ApprovalPolicy['tools'] = {};
  const toolRisks: NonNullable<ApprovalPolicy['toolRisks']> = {};
  for (const [tool, { risk, ...rule }] of Object.entries(file.tools ?? {})) {
    if (risk) toolRisks[tool] = risk;
    // A rule that only pins the risk leaves the call to the rules by server, risk and default.
    if (Object.keys(rule).length > 0 || !risk) {
      tools[tool] = planFrom(rule, ['tools', tool], `tool ${tool}`, defaultPlan, base, out);
    }
  }
  const servers: NonNullable<ApprovalPolicy['servers']> = {};
  for (const [server, rule] of Object.entries(file.servers ?? {})) {
    servers[server] = planFrom(rule, ['servers', server], `server ${server}`, defaultPlan, base, out);
  }
  return {
    threshold: file.threshold ?? options.envDefaults.threshold,
    default: defaultPlan,
    risks,
    tools,
    ...(Object.keys(servers).length > 0 ? { servers } : {}),
    ...(Object.keys(toolRisks).length > 0 ? { toolRisks } : {}),
  };
}

// ---- Entry points -------------------------------------------------------------------------------------------------

/** The policy a file's text describes, refining the environment's defaults; throws PolicyFileError listing every problem. */
export function parsePolicyFile(text: string, options: PolicyFileOptions): ApprovalPolicy {
  const parsed = parseJsonc(text, {
    what: 'the policy',
    empty: 'the file holds no policy; write at least {} to keep the defaults',
  });
  if ('syntax' in parsed) throw policyError(options.source, text, parsed.syntax);
  const { raw, tree } = parsed;
  const locate = (problems: Problem[]) => locateProblems(tree, problems);

  const problems = [
    ...duplicateKeyProblems(tree),
    ...unknownToolProblems(raw, options.toolNames, options.mcpServers ?? []),
    ...unknownServerProblems(raw, options.mcpServers ?? []),
  ];
  const result = policyFileSchema.safeParse(raw);
  if (!result.success) {
    throw policyError(options.source, text, locate([...problems, ...shapeProblems(result.error.issues)]));
  }
  const resolution: Resolution = { problems };
  const policy = policyFrom(result.data, options, resolution);
  if (resolution.problems.length > 0) throw policyError(options.source, text, locate(resolution.problems));
  return policy;
}

/** Reads (relative to the working directory) and parses a policy file; an unreadable file is a PolicyFileError too. */
export function loadPolicyFile(path: string, options: Omit<PolicyFileOptions, 'source'>): ApprovalPolicy {
  const file = readTextFile(path);
  if ('unreadable' in file) throw new PolicyFileError(file.unreadable, true);
  return parsePolicyFile(file.text, { ...options, source: path });
}
