import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { TOOLS } from '../tools/index.js';
import type { Tool } from '../tools/tool.js';
import { startSummary } from './start-summary.js';

const mcpTool = {
  ...TOOLS[0],
  name: 'files__write_file',
  origin: { server: 'files', tool: 'write_file' },
} as Tool;

describe('startSummary', () => {
  it('says where Temporal and its Web UI are, how Slack reaches the app, which tools are on, the policy, and ready', () => {
    const config = parseConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', PORT: '3100' });
    const summary = startSummary({
      config,
      target: {
        address: '127.0.0.1:7233',
        namespace: 'default',
        embedded: { uiUrl: 'http://localhost:8233' } as never,
      },
      tools: { all: [...TOOLS, mcpTool], mcpProblems: [] },
    });
    expect(summary.split('\n')).toEqual([
      'Countersign is ready.',
      '  Temporal  127.0.0.1:7233, embedded dev server (state in .data/temporal.sqlite) · Web UI http://localhost:8233',
      '  Slack     HTTP on port 3100 (POST /slack/events)',
      `  Tools     ${TOOLS.length} built-in tools, no MCP servers`,
      '  Policy    calls of medium risk or higher wait for approval',
    ]);
  });

  it('names a cluster by address and namespace, Socket Mode, and MCP servers that did not start', () => {
    const config = parseConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'agents',
      TEMPORAL_TLS: 'true',
    });
    const summary = startSummary({
      config: { ...config, mcp: { ...config.mcp, servers: [{}, {}] as never } },
      target: { address: 'temporal.internal:7233', namespace: 'agents', embedded: undefined },
      tools: { all: [...TOOLS, mcpTool], mcpProblems: [{ server: 'tickets', error: 'exited' }] },
    });
    expect(summary).toContain('  Temporal  temporal.internal:7233, namespace agents');
    expect(summary).toContain('  Slack     Socket Mode');
    expect(summary).toContain(
      `  Tools     ${TOOLS.length} built-in tools, 1 MCP server with 1 tool; not started: tickets (see the log above)`,
    );
  });
});
