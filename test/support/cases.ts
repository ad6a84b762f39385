// The case rule for what other programs read (README, "Names and cases"): snake_case keys, but for the fields that
// were public before the rule, which design.md's contract keeps stable ("names and JSON shapes are public API").
// Maps whose keys are data, not names of ours (a call's arguments, the names of Slack IDs), are not looked into.

/** Public before the rule, kept as they are: a change to them is a versioned change of the contract, not a rename. */
export const NAMED_BEFORE_THE_RULE = [
  // A proposal, in `approval_status`, the Update's answer and the audit.
  'callId',
  'modelRisk',
  'toolRisk',
  // Who may decide, in `approval_status` and the audit.
  'userGroups',
  // A decision, in `approval_status`.
  'decidedAt',
  // Every audit event, in the queries and the audit export.
  'runId',
  'requestId',
  // How an approval ended, in a run's outcome (`agent_status`, the run's result).
  'approvedBy',
  'timeoutMeant',
];

const DATA_MAPS = new Set(['arguments', 'labels', 'before', 'after', 'fixed']);
const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** The keys, at any depth, that are neither snake_case nor named before the rule, as paths (`stages[].name`). */
export function keysOutsideTheRule(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => keysOutsideTheRule(item, `${path}[]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const at = path ? `${path}.${key}` : key;
    const own = SNAKE.test(key) || NAMED_BEFORE_THE_RULE.includes(key) ? [] : [at];
    return DATA_MAPS.has(key) ? own : [...own, ...keysOutsideTheRule(inner, at)];
  });
}
