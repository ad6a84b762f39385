// What `npm start` tells the person who ran it, once everything is up: where things are, what is on, and that it
// is ready. The JSON log lines stay on stdout for machines; this is for people, on stderr.
import { describePolicy } from '../approval/policy-summary.js';
import type { Config } from '../config.js';
import { SLACK_EVENTS_PATH } from '../slack/app.js';
import type { TemporalTarget } from '../temporal/connection.js';
import type { Proc } from './roles.js';

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function startSummary(options: {
  config: Config;
  target: Pick<TemporalTarget, 'address' | 'namespace' | 'embedded'>;
  tools: NonNullable<Proc['tools']>;
}): string {
  const { config, target, tools } = options;
  const temporal = target.embedded
    ? `${target.address}, embedded dev server (state in ${config.temporal.stateFile})${
        target.embedded.uiUrl ? ` · Web UI ${target.embedded.uiUrl}` : ''
      }`
    : `${target.address}, namespace ${target.namespace}`;
  const slack = config.slack.socketMode
    ? 'Socket Mode'
    : `HTTP on port ${config.slack.port} (POST ${SLACK_EVENTS_PATH})`;
  const mcpTools = tools.all.filter((tool) => tool.origin);
  const servers = config.mcp.servers.length;
  const mcp =
    servers === 0
      ? 'no MCP servers'
      : `${plural(servers - tools.mcpProblems.length, 'MCP server')} with ${plural(mcpTools.length, 'tool')}${
          tools.mcpProblems.length > 0
            ? `; not started: ${tools.mcpProblems.map((p) => p.server).join(', ')} (see the log above)`
            : ''
        }`;
  const [policy] = describePolicy(config.approval.policy);
  return [
    'Countersign is ready.',
    `  Temporal  ${temporal}`,
    `  Slack     ${slack}`,
    `  Tools     ${plural(tools.all.length - mcpTools.length, 'built-in tool')}, ${mcp}`,
    `  Policy    ${policy}${config.approval.policyFile ? ` (${config.approval.policyFile})` : ''}`,
  ].join('\n');
}
