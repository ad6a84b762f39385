import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import type { McpServerConfig } from './config.js';
import { annotationWords, connectMcpTools, repeatFromAnnotations, riskFromAnnotations } from './tools.js';

const require = createRequire(import.meta.url);
const filesystemServer = join(
  dirname(require.resolve('@modelcontextprotocol/server-filesystem/package.json')),
  'dist',
  'index.js',
);

describe('risk and repetition from MCP annotations, safe by default', () => {
  it.each([
    ['no annotations at all', undefined, 'high', 'once'],
    ['read-only', { readOnlyHint: true }, 'low', 'safe'],
    ['a write that says nothing more', { readOnlyHint: false }, 'high', 'once'],
    ['a non-destructive write', { destructiveHint: false }, 'medium', 'once'],
    ['a destructive but idempotent write', { destructiveHint: true, idempotentHint: true }, 'high', 'safe'],
  ] as const)('%s → %s risk, repeat %s', (_, annotations, risk, repeat) => {
    expect(riskFromAnnotations(annotations)).toBe(risk);
    expect(repeatFromAnnotations(annotations).kind).toBe(repeat);
  });

  it('puts the annotations in words for an approver', () => {
    expect(annotationWords(undefined)).toEqual(['destructive', 'reaches outside']);
    expect(annotationWords({ readOnlyHint: true, openWorldHint: false })).toEqual(['read-only']);
    expect(annotationWords({ destructiveHint: false, idempotentHint: true })).toEqual([
      'changes things, not destructive',
      'safe to repeat',
      'reaches outside',
    ]);
  });
});

describe('connectMcpTools', () => {
  it('reports a server that fails to start with its name and stderr, and still offers the others’ tools', async () => {
    const servers: McpServerConfig[] = [
      {
        name: 'broken',
        transport: 'stdio',
        command: process.execPath,
        args: ['-e', "console.error('cannot open the database'); process.exit(3)"],
        env: {},
      },
      {
        name: 'files',
        transport: 'stdio',
        command: process.execPath,
        args: [filesystemServer, mkdtempSync(join(tmpdir(), 'countersign-mcp-unit-'))],
        env: {},
      },
    ];
    const mcp = await connectMcpTools(servers, createLogger('error', { service: 'test' }), ['channel_info']);
    try {
      expect(mcp.problems).toEqual([
        { server: 'broken', error: expect.stringContaining('cannot open the database') },
      ]);
      const names = mcp.tools.map((tool) => tool.name);
      expect(names).toContain('files__write_file');
      expect(names).toContain('files__read_text_file');
      expect(names.every((name) => /^[A-Za-z0-9_-]{1,64}$/.test(name))).toBe(true);
      const write = mcp.tools.find((tool) => tool.name === 'files__write_file');
      expect(write?.risk).toBe('high');
      expect(write?.validate({ path: 'x' })).toMatchObject({ ok: false });
      expect(write?.validate({ path: 'x', content: 'y' })).toMatchObject({ ok: true });
    } finally {
      await mcp.close();
    }
  });
});
