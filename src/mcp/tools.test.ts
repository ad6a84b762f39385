import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../test/support/entry-point.js';
import { parseConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { OutcomeUnknownError, type Tool, ToolError } from '../tools/tool.js';
import type { McpServerConfig } from './config.js';
import {
  annotationWords,
  appliedRisk,
  boundsFromAnnotations,
  connectMcpTools,
  type McpTools,
  reachFromAnnotations,
  repeatFromAnnotations,
  riskFromAnnotations,
  STDERR_TAIL_MAX,
  stricterBounds,
  TOOL_DESCRIPTION_MAX,
} from './tools.js';

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
  ] as const)('trusted: %s → %s risk, repeat %s', (_, annotations, risk, repeat) => {
    expect(riskFromAnnotations(annotations, true)).toBe(risk);
    expect(repeatFromAnnotations(annotations, true).kind).toBe(repeat);
  });

  it.each([
    ['no annotations at all', undefined, 'high'],
    ['read-only', { readOnlyHint: true }, 'medium'],
    ['a non-destructive write', { destructiveHint: false }, 'medium'],
    ['a destructive but idempotent write', { destructiveHint: true, idempotentHint: true }, 'high'],
  ] as const)('untrusted, hints only: %s → %s risk, attempted once', (_, annotations, risk) => {
    expect(riskFromAnnotations(annotations, false)).toBe(risk);
    expect(repeatFromAnnotations(annotations, false).kind).toBe('once');
  });

  it('reaches outside unless a trusted server says it does not', () => {
    const closed = { readOnlyHint: true, openWorldHint: false };
    expect(reachFromAnnotations(closed, true)).toEqual({ reads: false, sends: false });
    expect(reachFromAnnotations(closed, false)).toEqual({ reads: true, sends: true });
    expect(reachFromAnnotations({ readOnlyHint: true }, true)).toEqual({ reads: true, sends: true });
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

describe('stricterBounds: a tool never gets looser while the app runs', () => {
  const destructive = boundsFromAnnotations({ destructiveHint: true }, true);
  const readOnly = boundsFromAnnotations({ readOnlyHint: true, openWorldHint: false }, true);

  it('keeps the stricter risk, repetition and reach, and says what the server tried to loosen', () => {
    expect(stricterBounds(destructive, readOnly)).toEqual({
      bounds: { risk: 'high', repeat: 'once', outside: { reads: true, sends: true } },
      loosened: [
        'risk high → low',
        'attempted once → retried',
        'no longer reads from outside',
        'no longer sends outside',
      ],
    });
  });

  it('takes a stricter declaration at once, with nothing to say', () => {
    expect(stricterBounds(readOnly, destructive)).toEqual({ bounds: destructive, loosened: [] });
    expect(stricterBounds(readOnly, readOnly)).toEqual({ bounds: readOnly, loosened: [] });
  });
});

describe('appliedRisk', () => {
  it('is the policy’s pin over what the tool declares, and says when it depends on the arguments', () => {
    expect(appliedRisk({ name: 'files__read', risk: 'medium' })).toBe('medium');
    expect(appliedRisk({ name: 'files__read', risk: 'medium' }, { files__read: 'high' })).toBe(
      'high (pinned by the policy)',
    );
    expect(appliedRisk({ name: 'x', risk: () => 'low' })).toBe('depends on the arguments');
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
    const mcp = await connectMcpTools(servers, createLogger('error', { service: 'test' }), []);
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

const appendServer = fileURLToPath(new URL('../../test/fixtures/mcp-append-server.mjs', import.meta.url));

/** The test server named `ledger`, started over stdio with `env`, its tools added to `tools`. */
function connectLedger(env: Record<string, string>, tools: Tool[] = []) {
  return connectMcpTools(
    [{ name: 'ledger', transport: 'stdio', command: process.execPath, args: [appendServer], env }],
    createLogger('error', { service: 'test' }),
    tools,
  );
}

/** A ledger file of its own, in a fresh directory. */
const freshLedger = () => join(mkdtempSync(join(tmpdir(), 'countersign-mcp-ledger-')), 'ledger.txt');

describe('calling an MCP tool', () => {
  it('reports a server that dies mid-call as "may have run" (a write is attempted once), and starts it again for the next call', async () => {
    const ledger = freshLedger();
    const mcp = await connectLedger({ MCP_TEST_FILE: ledger });
    try {
      const crash = mcp.tools.find((tool) => tool.name === 'ledger__append_then_crash');
      expect(crash?.repeat.kind).toBe('once');
      const context = { callKey: 'run-1/call_1', attempt: 1 } as Parameters<
        NonNullable<typeof crash>['execute']
      >[1];
      await expect(crash?.execute({ line: 'paid' }, context)).rejects.toBeInstanceOf(OutcomeUnknownError);
      expect(readFileSync(ledger, 'utf8')).toBe('paid\n');
      // The server is started again for the next call, which works.
      const append = mcp.tools.find((tool) => tool.name === 'ledger__append');
      await expect(append?.execute({ line: 'next' }, context)).resolves.toMatchObject({
        summary: expect.stringContaining('appended next'),
      });
      expect(readFileSync(ledger, 'utf8')).toBe('paid\nnext\n');
    } finally {
      await mcp.close();
    }
  });

  it('gives the model a result’s text and structured content, and the thread one short line naming server and tool', async () => {
    const ledger = freshLedger();
    const mcp = await connectLedger({ MCP_TEST_FILE: ledger });
    try {
      const context = { callKey: 'run-1/call_1', attempt: 1 } as Parameters<Tool['execute']>[1];
      const append = mcp.tools.find((t) => t.name === 'ledger__append');
      await append?.execute({ line: 'one' }, context);
      await append?.execute({ line: 'two' }, context);
      const result = await mcp.tools.find((t) => t.name === 'ledger__count')?.execute({}, context);
      expect(result?.data).toEqual({ text: '2 lines\nin the ledger', structured: { lines: 2 } });
      expect(result?.summary).toBe('ledger · count: 2 lines');
    } finally {
      await mcp.close();
    }
  });

  it('tells a tool’s own failure (isError) as a failure, and gives a stdio server only the environment its entry names', async () => {
    process.env.COUNTERSIGN_WORKER_SECRET = 'xoxb-must-not-leak';
    const mcp = await connectLedger({ LEDGER_TOKEN: 'for-the-server' });
    try {
      const context = { callKey: 'run-1/call_1', attempt: 1 } as Parameters<Tool['execute']>[1];
      const refuse = mcp.tools.find((t) => t.name === 'ledger__refuse');
      await expect(refuse?.execute({}, context)).rejects.toThrow(/refuse failed: the ledger is locked/);
      await expect(refuse?.execute({}, context)).rejects.toBeInstanceOf(ToolError);
      const environment = mcp.tools.find((t) => t.name === 'ledger__environment');
      const names = JSON.parse(String((await environment?.execute({}, context))?.data?.text)) as string[];
      expect(names).toContain('LEDGER_TOKEN');
      expect(names).not.toContain('COUNTERSIGN_WORKER_SECRET');
    } finally {
      delete process.env.COUNTERSIGN_WORKER_SECRET;
      await mcp.close();
    }
  });

  it('follows a server that adds a tool while running: the same tool list gains it, beside the built-in ones', async () => {
    const builtIn = { name: 'channel_info' } as Tool;
    const tools: Tool[] = [builtIn];
    const mcp = await connectLedger({}, tools);
    try {
      expect(mcp.tools).toBe(tools);
      expect(tools.map((t) => t.name)).not.toContain('ledger__late');
      const learn = tools.find((t) => t.name === 'ledger__learn');
      const context = { callKey: 'run-1/call_1', attempt: 1 } as Parameters<Tool['execute']>[1];
      await learn?.execute({}, context);
      await vi.waitFor(() => expect(tools.map((t) => t.name)).toContain('ledger__late'), { timeout: 5_000 });
      expect(tools[0]).toBe(builtIn);
      expect(tools.filter((t) => t.name === 'ledger__append')).toHaveLength(1);
    } finally {
      await mcp.close();
    }
  });

  it('keeps a tool as strict as it was when its server re-lists it looser, and warns that lowering needs a restart', async () => {
    const hintsServer = fileURLToPath(new URL('../../test/fixtures/mcp-hints-server.mjs', import.meta.url));
    const lines: string[] = [];
    const connect = (trustAnnotations: boolean) =>
      connectMcpTools(
        [
          {
            name: 'hints',
            transport: 'stdio',
            command: process.execPath,
            args: [hintsServer],
            env: {},
            trustAnnotations,
          },
        ],
        createLogger('warn', { service: 'test' }, (line) => lines.push(line)),
      );
    const untrusted = await connect(false);
    try {
      const byName = (name: string) => untrusted.tools.find((t) => t.name === `hints__${name}`);
      expect(byName('lookup')).toMatchObject({
        risk: 'medium',
        repeat: { kind: 'once' },
        outside: { reads: true, sends: true },
        origin: { annotationsTrusted: false },
      });
    } finally {
      await untrusted.close();
    }
    const mcp = await connect(true);
    try {
      const byName = (name: string) => mcp.tools.find((t) => t.name === `hints__${name}`);
      expect(byName('lookup')).toMatchObject({
        risk: 'low',
        repeat: { kind: 'safe' },
        outside: { reads: false, sends: false },
        origin: { annotationsTrusted: true },
      });
      expect(byName('purge')).toMatchObject({ risk: 'high', repeat: { kind: 'once' } });
      // A description is offered to the model only up to its bound.
      expect(byName('verbose')?.description.length).toBeLessThan(TOOL_DESCRIPTION_MAX + 50);
      expect(byName('verbose')?.description).toMatch(/… \(cut: \d+ more characters\)$/);

      const context = { callKey: 'run-1/call_1', attempt: 1 } as Parameters<Tool['execute']>[1];
      await byName('relabel')?.execute({}, context);
      await vi.waitFor(() => expect(lines.join('\n')).toContain('loosened a tool'), { timeout: 5_000 });
      expect(byName('purge')).toMatchObject({
        risk: 'high',
        repeat: { kind: 'once' },
        outside: { reads: true, sends: true },
        origin: { annotations: expect.objectContaining({ readOnlyHint: true }) },
      });
      expect(JSON.parse(lines.find((l) => l.includes('loosened a tool')) ?? '{}')).toMatchObject({
        level: 'warn',
        server: 'hints',
        tool: 'purge',
        loosened: [
          'risk high → low',
          'attempted once → retried',
          'no longer reads from outside',
          'no longer sends outside',
        ],
      });
    } finally {
      await mcp.close();
    }
  });

  it('refuses tools whose names clash or cannot be offered to a model, and offers the rest', async () => {
    const oddServer = fileURLToPath(new URL('../../test/fixtures/mcp-odd-names-server.mjs', import.meta.url));
    const mcp = await connectMcpTools(
      [{ name: 'odd', transport: 'stdio', command: process.execPath, args: [oddServer], env: {} }],
      createLogger('error', { service: 'test' }),
    );
    try {
      expect(mcp.tools.map((t) => t.name)).toEqual(['odd__lookup']);
      expect(mcp.tools[0]?.description).toContain('The first tool of this name.');
      expect(mcp.problems).toEqual([
        { server: 'odd', error: 'tool "lookup": odd__lookup is already a tool' },
        { server: 'odd', error: 'tool "look up": its name cannot be offered to a model' },
        { server: 'odd', error: `tool "${'x'.repeat(60)}": its name cannot be offered to a model` },
      ]);
    } finally {
      await mcp.close();
    }
  });

  it('reaches a Streamable HTTP server with the bearer header from its entry', async () => {
    const ledger = freshLedger();
    const port = await freePort();
    const child = spawn(process.execPath, [appendServer, '--http', String(port)], {
      env: { ...process.env, MCP_TEST_FILE: ledger, MCP_TEST_TOKEN: 'secret-token' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      await new Promise<void>((resolve) =>
        child.stderr?.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()),
      );
      const url = `http://127.0.0.1:${port}/mcp`;
      const logger = createLogger('error', { service: 'test' });
      const refused = await connectMcpTools(
        [{ name: 'remote', transport: 'http', url, headers: { Authorization: 'Bearer wrong' } }],
        logger,
        [],
      );
      expect(refused.problems).toEqual([{ server: 'remote', error: expect.any(String) }]);
      await refused.close();
      const mcp = await connectMcpTools(
        [{ name: 'remote', transport: 'http', url, headers: { Authorization: 'Bearer secret-token' } }],
        logger,
        [],
      );
      try {
        expect(mcp.problems).toEqual([]);
        const append = mcp.tools.find((tool) => tool.name === 'remote__append');
        const context = { callKey: 'run-1/call_1', attempt: 1 } as Parameters<
          NonNullable<typeof append>['execute']
        >[1];
        await append?.execute({ line: 'over http' }, context);
        expect(readFileSync(ledger, 'utf8')).toBe('over http\n');
      } finally {
        await mcp.close();
      }
    } finally {
      child.kill();
    }
  });
});

const snoopServer = fileURLToPath(new URL('../../test/fixtures/mcp-snoop-server.mjs', import.meta.url));
const callContext = { callKey: 'run-1/call_1', attempt: 1 } as Parameters<Tool['execute']>[1];

/** What the snoop server's `where` says about the place it runs in. */
async function whereOf(mcp: McpTools, server: string) {
  const result = await mcp.tools.find((t) => t.name === `${server}__where`)?.execute({}, callContext);
  return JSON.parse(String(result?.data?.text)) as { cwd: string; entries: unknown; dotenv: string };
}

describe('where a stdio server runs', () => {
  it('starts a server whose entry names no cwd in an empty directory of its own, never the app’s, removed at close; an entry’s cwd is kept', async () => {
    const placed = realpathSync(mkdtempSync(join(tmpdir(), 'countersign-mcp-placed-')));
    const stdio = (name: string, cwd?: string): McpServerConfig => ({
      name,
      transport: 'stdio',
      command: process.execPath,
      args: [snoopServer],
      env: {},
      ...(cwd ? { cwd } : {}),
    });
    // The entry's own cwd, relative as a person writes it: read from the app's working directory.
    const mcp = await connectMcpTools(
      [stdio('snoop'), stdio('placed', relative(process.cwd(), placed))],
      createLogger('error', { service: 'test' }),
    );
    let own: string;
    try {
      expect(mcp.problems).toEqual([]);
      const snoop = await whereOf(mcp, 'snoop');
      own = snoop.cwd;
      // This process's working directory is the app's: package.json (and a .env, where there is one) sit there.
      const app = realpathSync(process.cwd());
      expect(own).not.toBe(app);
      expect(own.startsWith(`${app}${sep}`)).toBe(false);
      expect(snoop).toMatchObject({ entries: [], dotenv: 'failed: ENOENT' });
      expect(await whereOf(mcp, 'placed')).toMatchObject({ cwd: placed });
    } finally {
      await mcp.close();
    }
    expect(existsSync(own)).toBe(false);
    expect(existsSync(placed)).toBe(true);
  });
});

describe('a failed server’s stderr', () => {
  it('is shown without the credentials its entry gave it, even where the tail’s cut goes through one', async () => {
    const token = 'mcp-stderr-token-0123456789abcdef';
    const dir = mkdtempSync(join(tmpdir(), 'countersign-mcp-stderr-'));
    const file = join(dir, 'mcp.json');
    // It prints its token twice — once where the kept tail of stderr begins inside it — and fails.
    const script = [
      'const token = process.env.LEAKY_TOKEN;',
      'const later = "\\nstarting with " + token + "\\n";',
      `const rest = later + 'b'.repeat(${STDERR_TAIL_MAX} - 10 - later.length);`,
      "process.stderr.write('a'.repeat(3000) + token + rest, () => process.exit(3));",
    ].join('\n');
    writeFileSync(
      file,
      JSON.stringify({
        mcpServers: {
          leaky: {
            command: process.execPath,
            args: ['-e', script],
            // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is the MCP config's own syntax
            env: { LEAKY_TOKEN: '${LEAKY_TOKEN}' },
          },
        },
      }),
    );
    // As the worker and the doctor read it: the token is known as a credential from here on.
    const config = parseConfig({ MCP_CONFIG: file, LEAKY_TOKEN: token });
    const mcp = await connectMcpTools(config.mcp.servers, createLogger('error', { service: 'test' }));
    await mcp.close();
    const [problem] = mcp.problems;
    expect(problem?.error).toContain('stderr: starting with [redacted]');
    for (let at = 0; at + 8 <= token.length; at += 1)
      expect(problem?.error).not.toContain(token.slice(at, at + 8));
  });
});

describe('the credentials of a Streamable HTTP server', () => {
  const credentials = { Authorization: 'Bearer mcp-http-credential', 'X-Api-Key': 'mcp-http-api-key' };
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

  async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  /**
   * A real SDK server at /mcp that records the headers of every request it gets; at /moved it redirects to /mcp, and
   * a request for another host (localhost, not 127.0.0.1) is redirected to the same path at 127.0.0.1.
   */
  async function startRecordingServer() {
    const received: Array<Record<string, string | string[] | undefined>> = [];
    const port = await listen((req, res) => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      if (url.hostname === 'localhost') {
        res.writeHead(307, { location: `http://127.0.0.1:${port}/mcp` }).end();
      } else if (url.pathname === '/moved') {
        res.writeHead(308, { location: '/mcp' }).end();
      } else {
        received.push(req.headers);
        const mcp = new McpServer({ name: 'recording-test-server', version: '1.0.0' });
        mcp.registerTool('ping', { description: 'Answers pong.', inputSchema: {} }, async () => ({
          content: [{ type: 'text', text: 'pong' }],
        }));
        // Stateless: a fresh server and transport per request, as the SDK's stateless example does.
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        void mcp.connect(transport).then(() => transport.handleRequest(req, res));
      }
    });
    return { port, received };
  }

  const remote = (url: string): McpServerConfig[] => [
    { name: 'remote', transport: 'http', url, headers: credentials },
  ];

  it('never go to another origin: a redirect there is refused, and the other server receives nothing', async () => {
    const recording = await startRecordingServer();
    const target = `http://127.0.0.1:${recording.port}/mcp`;
    const refused = async (url: string, to: string) => {
      const mcp = await connectMcpTools(remote(url), createLogger('error', { service: 'test' }));
      await mcp.close();
      expect(mcp.tools).toEqual([]);
      expect(mcp.problems).toEqual([
        { server: 'remote', error: expect.stringContaining(`Redirect to ${to} not followed`) },
      ]);
    };
    for (const status of [307, 308, 302]) {
      // Another port, and the same port under another host name: each another origin.
      const redirecting = await listen((_req, res) => res.writeHead(status, { location: target }).end());
      await refused(`http://127.0.0.1:${redirecting}/mcp`, target);
      await refused(`http://localhost:${recording.port}/mcp`, target);
    }
    expect(recording.received).toEqual([]);
    // Another scheme on the same host and port is another origin too.
    const port = await listen((_req, res) =>
      res.writeHead(307, { location: `https://127.0.0.1:${port}/mcp` }).end(),
    );
    await refused(`http://127.0.0.1:${port}/mcp`, `https://127.0.0.1:${port}/mcp`);
  });

  it('follow a redirect within the server’s origin', async () => {
    const recording = await startRecordingServer();
    const mcp = await connectMcpTools(
      remote(`http://127.0.0.1:${recording.port}/moved`),
      createLogger('error', { service: 'test' }),
    );
    try {
      expect(mcp.problems).toEqual([]);
      expect(mcp.tools.map((t) => t.name)).toEqual(['remote__ping']);
      expect(recording.received.length).toBeGreaterThan(0);
      for (const headers of recording.received)
        expect(headers).toMatchObject({
          authorization: credentials.Authorization,
          'x-api-key': 'mcp-http-api-key',
        });
    } finally {
      await mcp.close();
    }
  });
});
