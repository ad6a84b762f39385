// What an approver's edit changed, in words, for the card, the thread, the audit and the model. Pure: the workflow
// records it.

/** Values longer than this (strings, or lists and objects as JSON) are summarised by their size; shorter ones shown whole. */
const SHOWN_WHOLE_MAX = 60;
const CHANGES_MAX = 1000;

function shown(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string' && value.length > SHOWN_WHOLE_MAX) return `(${value.length} characters)`;
  const json = JSON.stringify(value);
  if (typeof value !== 'object' || value === null || json.length <= SHOWN_WHOLE_MAX) return json;
  return Array.isArray(value) ? `(${value.length} item${value.length === 1 ? '' : 's'})` : '(an object)';
}

/** `channel: "C0A" → "C0B"; text: (120 characters) → (98 characters)` — one entry per top-level argument changed. */
export function describeChanges(before: Record<string, unknown>, after: Record<string, unknown>): string {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changed = keys.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
  const text = changed
    .map((key) => {
      const [from, to] = [shown(before[key]), shown(after[key])];
      return from === to ? `${key}: (changed)` : `${key}: ${from} → ${to}`;
    })
    .join('; ');
  return text.length > CHANGES_MAX ? `${text.slice(0, CHANGES_MAX - 1)}…` : text;
}
