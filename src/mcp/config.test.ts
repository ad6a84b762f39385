// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in these strings is the MCP config's own syntax, not a template
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config.js';
import { McpConfigError, parseMcpConfig } from './config.js';

const parse = (text: string, env: Record<string, string | undefined> = {}) =>
  parseMcpConfig(text, { source: 'mcp.json', env });

function errorOf(text: string, env: Record<string, string | undefined> = {}): string {
  try {
    parse(text, env);
  } catch (error) {
    expect(error).toBeInstanceOf(McpConfigError);
    return (error as Error).message;
  }
  throw new Error('expected an McpConfigError');
}

/** "line L, column C" of the nth occurrence of `needle`, as an editor counts. */
function positionOf(text: string, needle: string, occurrence = 1): string {
  let offset = -1;
  for (let i = 0; i < occurrence; i++) offset = text.indexOf(needle, offset + 1);
  if (offset < 0) throw new Error(`${needle} not in the text`);
  const before = text.slice(0, offset);
  return `line ${before.split('\n').length}, column ${offset - before.lastIndexOf('\n')}`;
}

describe('parseMcpConfig', () => {
  it('reads stdio and HTTP servers in file order, with comments and trailing commas', () => {
    const { servers } = parse(`// our servers
      {
        "mcpServers": {
          /* started here */
          "files": { "command": "npx", "args": ["-y", "fs-server", "/srv",], "env": { "MODE": "ro" }, "cwd": "/srv", },
          "docs": { "url": "https://mcp.example.com/mcp", "headers": { "X-Team": "platform" } },
          "local": { "url": "http://127.0.0.1:8080/mcp", "headers": { "Authorization": "Bearer dev" } },
          "bare": { "command": "my-server" },
        },
      }`);
    expect(servers).toEqual([
      {
        name: 'files',
        transport: 'stdio',
        command: 'npx',
        args: ['-y', 'fs-server', '/srv'],
        env: { MODE: 'ro' },
        cwd: '/srv',
      },
      {
        name: 'docs',
        transport: 'http',
        url: 'https://mcp.example.com/mcp',
        headers: { 'X-Team': 'platform' },
      },
      {
        name: 'local',
        transport: 'http',
        url: 'http://127.0.0.1:8080/mcp',
        headers: { Authorization: 'Bearer dev' },
      },
      { name: 'bare', transport: 'stdio', command: 'my-server', args: [], env: {} },
    ]);
  });

  it('an http URL without credentials may leave this machine', () => {
    const { servers } = parse('{"mcpServers": {"open": {"url": "http://mcp.internal/mcp"}}}');
    expect(servers).toEqual([
      { name: 'open', transport: 'http', url: 'http://mcp.internal/mcp', headers: {} },
    ]);
  });

  it('trusts a server’s annotations only where the operator writes "trustAnnotations": true', () => {
    const { servers } = parse(`{"mcpServers": {
      "files": {"command": "fs", "trustAnnotations": true},
      "docs": {"url": "https://mcp.example.com/mcp", "trustAnnotations": true},
      "said-no": {"command": "x", "trustAnnotations": false},
      "silent": {"command": "y"}
    }}`);
    expect(servers.map((s) => [s.name, s.trustAnnotations === true])).toEqual([
      ['files', true],
      ['docs', true],
      ['said-no', false],
      ['silent', false],
    ]);
  });
});

describe('parseMcpConfig: the "type" other MCP clients write', () => {
  it('accepts "stdio" with command and "http" with url, as pasted from another client', () => {
    const servers = parse(
      '{"mcpServers": {"a": {"type": "stdio", "command": "npx"}, "b": {"type": "http", "url": "https://x.example/mcp"}}}',
    );
    expect(servers.servers.map((s) => s.transport)).toEqual(['stdio', 'http']);
  });

  it.each([
    [
      '"sse", which MCP deprecated',
      '{"mcpServers": {"a": {"type": "sse", "url": "https://x.example/sse"}}}',
      /SSE transport is deprecated/,
    ],
    [
      '"stdio" without command',
      '{"mcpServers": {"a": {"type": "stdio", "url": "https://x.example/mcp"}}}',
      /"stdio" needs command/,
    ],
    ['"http" without url', '{"mcpServers": {"a": {"type": "http", "command": "npx"}}}', /"http" needs url/],
    [
      'an unknown type',
      '{"mcpServers": {"a": {"type": "websocket", "command": "npx"}}}',
      /mcpServers\.a\.type: must be "stdio" or "http"/,
    ],
  ])('refuses %s, naming the field', (_, text, message) => {
    expect(errorOf(text)).toMatch(message);
  });
});

describe('parseMcpConfig: ${VAR}', () => {
  const text = `{
  "mcpServers": {
    "gh": {
      "command": "\${BIN_DIR}/gh-mcp",
      "args": ["--org", "\${ORG}", "$NOT_OURS", "\${lower}", "$\${LITERAL}", "$$"],
      "env": { "TOKEN": "\${GH_TOKEN}" },
      "cwd": "\${HOME_DIR}"
    },
    "api": { "url": "https://\${API_HOST}/mcp", "headers": { "Authorization": "Bearer \${API_TOKEN}" } }
  }
}`;
  const env = {
    BIN_DIR: '/opt/bin',
    ORG: 'acme',
    GH_TOKEN: 'ghp_secret_value',
    HOME_DIR: '/home/agent',
    API_HOST: 'api.example.com',
    API_TOKEN: 'tok_secret_value',
  };

  it('replaces ${NAME} in every string value and leaves other $ forms as written', () => {
    const { servers, variables } = parse(text, env);
    expect(servers).toEqual([
      {
        name: 'gh',
        transport: 'stdio',
        command: '/opt/bin/gh-mcp',
        args: ['--org', 'acme', '$NOT_OURS', '${lower}', '${LITERAL}', '$$'],
        env: { TOKEN: 'ghp_secret_value' },
        cwd: '/home/agent',
      },
      {
        name: 'api',
        transport: 'http',
        url: 'https://api.example.com/mcp',
        headers: { Authorization: 'Bearer tok_secret_value' },
      },
    ]);
    expect(variables.sort()).toEqual(['API_HOST', 'API_TOKEN', 'BIN_DIR', 'GH_TOKEN', 'HOME_DIR', 'ORG']);
  });

  it('refuses an unset or empty variable at its line and column, naming field and variable', () => {
    const message = errorOf(text, { ...env, GH_TOKEN: undefined, API_TOKEN: '' });
    expect(message).toBe(
      [
        'Invalid MCP config mcp.json — 2 problems:',
        `  ${positionOf(text, '${GH_TOKEN}')}, mcpServers.gh.env.TOKEN: \${GH_TOKEN}: the environment variable GH_TOKEN is not set (or is empty); set it in the environment or .env`,
        `  ${positionOf(text, '${API_TOKEN}')}, mcpServers.api.headers.Authorization: \${API_TOKEN}: the environment variable API_TOKEN is not set (or is empty); set it in the environment or .env`,
      ].join('\n'),
    );
  });

  it('never quotes a value a variable filled in', () => {
    const message = errorOf('{"mcpServers": {"a": {"url": "${BAD}"}}}', { BAD: 'not a url secret_value' });
    expect(message).not.toContain('secret_value');
    expect(message).toContain('mcpServers.a.url: must be an http(s) URL');
  });
});

describe('parseMcpConfig: problems name the file, line, column and field', () => {
  it.each([
    {
      problem: 'an unknown field, with the allowed ones',
      text: '{\n  "mcpServers": {\n    "github": {\n      "comand": "npx"\n    }\n  }\n}',
      at: '"comand"',
      message:
        'mcpServers.github.comand: unknown field "comand"; the fields are type, command, args, env, cwd, url, headers, trustAnnotations',
    },
    {
      problem: 'trustAnnotations that is not a boolean',
      text: '{"mcpServers": {\n  "files": {"command": "a", "trustAnnotations": "yes"}}}',
      at: '"yes"',
      message:
        'mcpServers.files.trustAnnotations: must be true or false (true: its tools’ annotations set their risk and retries)',
    },
    {
      problem: 'an unknown top-level field',
      text: '{\n  "servers": {},\n  "mcpServers": { "a": { "command": "x" } }\n}',
      at: '"servers"',
      message: 'servers: unknown field "servers"; the fields are mcpServers, $schema',
    },
    {
      problem: 'command beside url',
      text: '{"mcpServers": {\n  "x": {"command": "a", "url": "https://h/mcp"}}}',
      at: '"url"',
      message:
        'mcpServers.x.url: a server has command (started here, over stdio) or url (Streamable HTTP), not both',
    },
    {
      problem: 'neither command nor url',
      text: '{"mcpServers": {\n  "x": {"args": []}}}',
      at: '{"args"',
      message:
        'mcpServers.x: needs command (a program started here, over stdio) or url (a server reached over Streamable HTTP)',
    },
    {
      problem: 'headers beside command',
      text: '{"mcpServers": {\n  "x": {"command": "a", "headers": {}}}}',
      at: '"headers"',
      message: 'mcpServers.x.headers: goes with url; a server started with command takes args, env and cwd',
    },
    {
      problem: 'env beside url',
      text: '{"mcpServers": {\n  "x": {"url": "https://h/mcp", "env": {}}}}',
      at: '"env"',
      message: 'mcpServers.x.env: goes with command; a server reached by url takes headers',
    },
    {
      problem: 'an http URL off this machine with headers',
      text: '{"mcpServers": {\n  "x": {"url": "http://mcp.example.com/mcp", "headers": {"A": "b"}}}}',
      at: '"http:',
      message:
        "mcpServers.x.url: http:// would send this server's credentials (headers, user:password) unencrypted to mcp.example.com; use https:// (plain http is allowed only to this machine: localhost, 127.0.0.1, ::1)",
    },
    {
      problem: 'a URL that is not http(s)',
      text: '{"mcpServers": {\n  "x": {"url": "ws://h/mcp"}}}',
      at: '"ws:',
      message: 'mcpServers.x.url: must be an http(s) URL (Streamable HTTP), got ws:',
    },
    {
      problem: 'args that are not strings',
      text: '{"mcpServers": {\n  "x": {"command": "a", "args": ["-v", 3]}}}',
      at: '3]',
      message: 'mcpServers.x.args[1]: must be a string in quotes',
    },
    {
      problem: 'a server name with other characters',
      text: '{"mcpServers": {\n  "my server": {"command": "a"}}}',
      at: '"my server"',
      message: 'mcpServers["my server"]: a server name takes only letters, digits, _ and -, got "my server"',
    },
    {
      problem: 'a server name longer than 30',
      text: `{"mcpServers": {\n  "${'a'.repeat(31)}": {"command": "a"}}}`,
      at: '"aaa',
      message: `mcpServers.${'a'.repeat(31)}: a server name takes at most 30 characters (its tools are offered as <server>__<tool>, 64 at most), got 31`,
    },
    {
      problem: 'a server name with __',
      text: '{"mcpServers": {\n  "git__hub": {"command": "a"}}}',
      at: '"git__hub"',
      message:
        'mcpServers.git__hub: a server name must not contain __ nor end with _ (its tools are offered as <server>__<tool>)',
    },
    {
      problem: 'a server given twice',
      text: '{"mcpServers": {\n  "a": {"command": "x"},\n  "a": {"command": "y"}}}',
      at: '"a"',
      occurrence: 2,
      message: 'mcpServers.a: given twice; keep one (the last would win)',
    },
    {
      problem: 'no servers',
      text: '{\n  "mcpServers": {}\n}',
      at: '{}',
      message: 'mcpServers: lists no servers; add one as "<name>": {...}, or unset MCP_CONFIG',
    },
    {
      problem: 'no mcpServers at all',
      text: '{}',
      at: '{}',
      message: 'mcpServers: missing; the file lists its servers as {"mcpServers": {"<name>": {...}}}',
    },
    {
      problem: 'a syntax error',
      text: '{"mcpServers": {\n  "a": {"command" "x"}}}',
      at: '"x"',
      message: 'expected ":" after the field name',
    },
  ])('$problem', ({ text, at, occurrence, message }) => {
    const separator = message.startsWith('expected') ? ': ' : ', ';
    expect(errorOf(text)).toBe(
      `Invalid MCP config mcp.json — ${positionOf(text, at, occurrence)}${separator}${message}`,
    );
  });

  it('a file of comments only', () => {
    expect(errorOf('// nothing yet\n')).toBe(
      'Invalid MCP config mcp.json — line 1, column 1: the file lists no servers; write {"mcpServers": {"<name>": {...}}}, or unset MCP_CONFIG',
    );
  });
});

describe('the README example', () => {
  it('is a valid MCP config', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.split('## MCP servers (`MCP_CONFIG`)')[1] ?? '';
    const example = section.split('```jsonc\n')[1]?.split('```')[0] ?? '';
    const { servers } = parse(example, { GITHUB_TOKEN: 'ghp_example', DOCS_TOKEN: 'docs_example' });
    expect(servers.map((server) => [server.name, server.transport])).toEqual([
      ['github', 'stdio'],
      ['docs', 'http'],
    ]);
  });
});

describe('parseConfig: MCP_CONFIG', () => {
  it('unset: no MCP servers', () => {
    expect(parseConfig({}).mcp).toEqual({ servers: [] });
  });

  it('set: the file read from the working directory, ${VAR}s from the same environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-mcp-'));
    const file = join(dir, 'mcp.jsonc');
    writeFileSync(file, '{"mcpServers": {"a": {"command": "run", "env": {"T": "${A_TOKEN}"}}}}');
    const config = parseConfig({ MCP_CONFIG: relative(process.cwd(), file), A_TOKEN: 'secret-token-value' });
    expect(config.mcp).toEqual({
      configFile: file,
      servers: [
        { name: 'a', transport: 'stdio', command: 'run', args: [], env: { T: 'secret-token-value' } },
      ],
    });
  });

  it('an invalid file or a missing one stops start-up with a ConfigError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-mcp-'));
    const file = join(dir, 'mcp.jsonc');
    writeFileSync(file, '{"mcpServers": {"a": {"comand": "run"}}}');
    expect(() => parseConfig({ MCP_CONFIG: file })).toThrow(ConfigError);
    expect(() => parseConfig({ MCP_CONFIG: file })).toThrow(/mcpServers\.a\.comand: unknown field "comand"/);
    expect(() => parseConfig({ MCP_CONFIG: join(dir, 'absent.json') })).toThrow(
      /^MCP_CONFIG: cannot read .*absent\.json \(ENOENT/,
    );
  });
});

describe('the documented example (examples/mcp.example.jsonc)', () => {
  it('is a valid MCP_CONFIG, and runs the filesystem server, trusted, at the version the tests run against', () => {
    const root = new URL('../../', import.meta.url);
    const text = readFileSync(new URL('examples/mcp.example.jsonc', root), 'utf8');
    const [files] = parse(text).servers;
    const tested = (
      JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
        devDependencies: Record<string, string>;
      }
    ).devDependencies['@modelcontextprotocol/server-filesystem'];
    // Its folder, relative, is read from its own working directory: a server without `cwd` has an empty one. Marked
    // trusted, explicitly: the quick start's reads run at once only on the operator's word.
    expect(files).toMatchObject({
      name: 'files',
      transport: 'stdio',
      command: 'npx',
      cwd: 'agent-files',
      trustAnnotations: true,
    });
    expect(files?.transport === 'stdio' && files.args.at(-1)).toBe('.');
    expect(files?.transport === 'stdio' && files.args).toContain(
      `@modelcontextprotocol/server-filesystem@${tested}`,
    );
  });
});
