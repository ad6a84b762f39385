// The MCP configuration file (MCP_CONFIG): the servers whose tools the agent may call, in the format MCP clients
// share ({"mcpServers": {"<name>": {...}}}), JSON with comments. Checked at start-up like the policy file, so that
// every problem names its line, column and field. Its values carry tokens: errors never quote a header or env value.
import { findNodeAtLocation, type JSONPath, type Node } from 'jsonc-parser';
import { z } from 'zod';
import { isLoopbackHost } from '../config.js';
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

export type McpServerConfig =
  | {
      name: string;
      transport: 'stdio';
      command: string;
      args: string[];
      env: Record<string, string>;
      cwd?: string;
      trustAnnotations?: boolean;
    }
  | {
      name: string;
      transport: 'http';
      url: string;
      headers: Record<string, string>;
      trustAnnotations?: boolean;
    };

/** What the file yields: the servers in file order, and the environment variables its `${VAR}`s took values from. */
export interface McpConfig {
  servers: McpServerConfig[];
  /** Their values are credentials as much as a header is, so the caller keeps them out of the logs. */
  variables: string[];
}

/**
 * A tool is offered to the model as `<server>__<tool>`, and the model APIs take at most 64 characters for a tool
 * name; 30 for the server leaves 32 for the tool's own name.
 */
export const SERVER_NAME_MAX = 30;
const SERVER_NAME = /^[A-Za-z0-9_-]+$/;
/** `$${NAME}` keeps a literal `${NAME}`; other `$` forms (`$NAME`, `${lower}`, `${A:-b}`) are not ours to read. */
const VARIABLE = /\$(\$?)\{([A-Z_][A-Z0-9_]*)\}/g;

/** An MCP configuration that cannot be used; the message lists every problem with its line, column and field. */
export class McpConfigError extends JsoncFileError {
  override name = 'McpConfigError';
}

export interface McpConfigOptions {
  /** How the file is named in errors, e.g. the path as MCP_CONFIG gives it. */
  source: string;
  /** Where `${VAR}` takes its values. */
  env: Record<string, string | undefined>;
}

// ---- The file's shape -------------------------------------------------------------------------------------

const SERVER_FIELDS = [
  'type',
  'command',
  'args',
  'env',
  'cwd',
  'url',
  'headers',
  'trustAnnotations',
] as const;
const STDIO_ONLY = ['args', 'env', 'cwd'] as const;

const nonEmpty = (what: string) =>
  z.string({ error: `must be ${what} in quotes` }).min(1, { error: `must not be empty: ${what}` });
const stringsByName = (what: string) =>
  z.record(z.string(), z.string({ error: 'must be a string in quotes' }), {
    error: `must be an object of ${what}, each value a string in quotes`,
  });

const serverSchema = z.strictObject(
  {
    // Written by many MCP clients beside command or url; checked against them, never needed.
    type: z
      .enum(['stdio', 'http', 'sse'], { error: 'must be "stdio" or "http" (Streamable HTTP)' })
      .optional(),
    command: nonEmpty('the program that starts the server, e.g. "npx"').optional(),
    args: z
      .array(z.string({ error: 'must be a string in quotes' }), {
        error: 'must be a list of strings, e.g. ["-y", "some-mcp-server"]',
      })
      .optional(),
    env: stringsByName('environment variables').optional(),
    cwd: nonEmpty('the directory to start the server in').optional(),
    url: nonEmpty('the server’s http(s) URL').optional(),
    headers: stringsByName('HTTP headers').optional(),
    // The operator's word that this server's annotations (read-only, idempotent, open world) are true; absent: they
    // are hints, as the MCP specification calls them, and never lower a risk below medium nor allow a retry.
    trustAnnotations: z
      .boolean({ error: 'must be true or false (true: its tools’ annotations set their risk and retries)' })
      .optional(),
  } satisfies Record<(typeof SERVER_FIELDS)[number], z.ZodType>,
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `the fields are ${SERVER_FIELDS.join(', ')}`
        : `must be an object: a server with command (stdio) or url (Streamable HTTP)`,
  },
);
type ServerInput = z.output<typeof serverSchema>;

const fileSchema = z.strictObject(
  {
    // Editors use it to find a JSON schema; it means nothing to the servers.
    $schema: z.string({ error: 'must be a URL or path in quotes' }).optional(),
    mcpServers: z.record(z.string(), serverSchema, {
      error: (issue) =>
        issue.input === undefined
          ? 'missing; the file lists its servers as {"mcpServers": {"<name>": {...}}}'
          : 'must be an object of servers keyed by name',
    }),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? 'the fields are mcpServers, $schema'
        : 'must be an object: {"mcpServers": {"<name>": {...}}}',
  },
);

// ---- Checks beyond the shape --------------------------------------------------------------------------------

function serverNameProblems(raw: unknown): Problem[] {
  const servers = (raw as { mcpServers?: unknown } | undefined)?.mcpServers;
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers)) return [];
  const problems: Problem[] = [];
  const at = (name: string, message: string) =>
    problems.push({ path: ['mcpServers', name], message, atKey: true });
  for (const name of Object.keys(servers)) {
    if (!SERVER_NAME.test(name)) {
      at(name, `a server name takes only letters, digits, _ and -, got ${quoted(name)}`);
    } else if (name.length > SERVER_NAME_MAX) {
      at(
        name,
        `a server name takes at most ${SERVER_NAME_MAX} characters (its tools are offered as <server>__<tool>, 64 at most), got ${name.length}`,
      );
    } else if (name.includes('__') || name.endsWith('_')) {
      // Either would make `<server>__<tool>` split at the wrong place.
      at(
        name,
        `a server name must not contain __ nor end with _ (its tools are offered as <server>__<tool>)`,
      );
    }
  }
  return problems;
}

/** `${VAR}` in every string value replaced from the environment; an unset (or empty) one is a problem at its place. */
function expandVariables(
  raw: unknown,
  document: { text: string; tree: Node | undefined },
  env: McpConfigOptions['env'],
  out: { problems: Problem[]; variables: Set<string> },
  path: JSONPath = [],
): unknown {
  if (Array.isArray(raw))
    return raw.map((item, index) => expandVariables(item, document, env, out, [...path, index]));
  if (typeof raw === 'object' && raw !== null) {
    return Object.fromEntries(
      Object.entries(raw).map(([key, value]) => [
        key,
        expandVariables(value, document, env, out, [...path, key]),
      ]),
    );
  }
  if (typeof raw !== 'string') return raw;
  const missing = new Set<string>();
  const expanded = raw.replace(VARIABLE, (match, doubled: string, name: string) => {
    if (doubled) return match.slice(1);
    const value = env[name];
    if (value === undefined || value === '') {
      missing.add(name);
      return match;
    }
    out.variables.add(name);
    return value;
  });
  for (const name of missing) {
    const node = document.tree && findNodeAtLocation(document.tree, path);
    // Point at the `${` itself when the source spells it plainly (no \u escapes), else at the string.
    const inSource = node
      ? document.text.slice(node.offset, node.offset + node.length).indexOf(`\${${name}}`)
      : -1;
    out.problems.push({
      path,
      message: `\${${name}}: the environment variable ${name} is not set (or is empty); set it in the environment or .env`,
      ...(node && inSource >= 0 ? { offset: node.offset + inSource } : {}),
    });
  }
  return expanded;
}

function urlProblems(url: string, server: ServerInput, path: JSONPath): Problem[] {
  const at = (message: string): Problem[] => [{ path: [...path, 'url'], message }];
  // The URL may carry an expanded token, so it is described, never quoted.
  if (!URL.canParse(url)) return at('must be an http(s) URL, e.g. "https://mcp.example.com/mcp"');
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return at(`must be an http(s) URL (Streamable HTTP), got ${parsed.protocol}`);
  }
  const credentials =
    Object.keys(server.headers ?? {}).length > 0 || parsed.username !== '' || parsed.password !== '';
  if (parsed.protocol === 'http:' && credentials && !isLoopbackHost(parsed.hostname)) {
    return at(
      `http:// would send this server's credentials (headers, user:password) unencrypted to ${parsed.hostname}; use https:// (plain http is allowed only to this machine: localhost, 127.0.0.1, ::1)`,
    );
  }
  return [];
}

/** Only a `true` is the operator's word; the field left out or false both leave the annotations untrusted. */
const trusted = (server: ServerInput) => (server.trustAnnotations === true ? { trustAnnotations: true } : {});

function serverFrom(name: string, server: ServerInput, out: Problem[]): McpServerConfig | undefined {
  const path: JSONPath = ['mcpServers', name];
  const { command, url } = server;
  const typeProblem =
    server.type === 'sse'
      ? 'the SSE transport is deprecated in MCP and not supported: give the server\'s Streamable HTTP url with "type": "http"'
      : server.type === 'stdio' && command === undefined
        ? '"stdio" needs command (the program that starts the server)'
        : server.type === 'http' && url === undefined
          ? '"http" needs url (the server\'s Streamable HTTP endpoint)'
          : undefined;
  if (typeProblem) {
    out.push({ path: [...path, 'type'], message: typeProblem });
    return undefined;
  }
  if (command !== undefined && url !== undefined) {
    out.push({
      path: [...path, 'url'],
      message: 'a server has command (started here, over stdio) or url (Streamable HTTP), not both',
      atKey: true,
    });
    return undefined;
  }
  if (command !== undefined) {
    if (server.headers !== undefined) {
      out.push({
        path: [...path, 'headers'],
        message: 'goes with url; a server started with command takes args, env and cwd',
        atKey: true,
      });
    }
    return {
      name,
      transport: 'stdio',
      command,
      args: server.args ?? [],
      env: server.env ?? {},
      ...(server.cwd !== undefined ? { cwd: server.cwd } : {}),
      ...trusted(server),
    };
  }
  if (url !== undefined) {
    for (const field of STDIO_ONLY.filter((f) => server[f] !== undefined)) {
      out.push({
        path: [...path, field],
        message: 'goes with command; a server reached by url takes headers',
        atKey: true,
      });
    }
    out.push(...urlProblems(url, server, path));
    return { name, transport: 'http', url, headers: server.headers ?? {}, ...trusted(server) };
  }
  out.push({
    path,
    message:
      'needs command (a program started here, over stdio) or url (a server reached over Streamable HTTP)',
  });
  return undefined;
}

// ---- Entry points -------------------------------------------------------------------------------------------------

function configError(source: string, text: string, located: LocatedProblem[]): McpConfigError {
  return new McpConfigError(problemsMessage('Invalid MCP config', source, text, located));
}

/** The servers a file's text describes, `${VAR}`s expanded; throws McpConfigError listing every problem. */
export function parseMcpConfig(text: string, options: McpConfigOptions): McpConfig {
  const parsed = parseJsonc(text, {
    what: 'the MCP config',
    empty: 'the file lists no servers; write {"mcpServers": {"<name>": {...}}}, or unset MCP_CONFIG',
  });
  if ('syntax' in parsed) throw configError(options.source, text, parsed.syntax);
  const { raw, tree } = parsed;
  const expansion = { problems: [] as Problem[], variables: new Set<string>() };
  const expanded = expandVariables(raw, { text, tree }, options.env, expansion);
  const problems = [...duplicateKeyProblems(tree), ...serverNameProblems(raw), ...expansion.problems];
  const result = fileSchema.safeParse(expanded);
  if (!result.success) {
    const shape = shapeProblems(
      result.error.issues,
      (key, message) => `unknown field ${quoted(key)}; ${message}`,
    );
    throw configError(options.source, text, locateProblems(tree, [...problems, ...shape]));
  }
  const entries = Object.entries(result.data.mcpServers);
  if (entries.length === 0) {
    problems.push({
      path: ['mcpServers'],
      message: 'lists no servers; add one as "<name>": {...}, or unset MCP_CONFIG',
    });
  }
  const servers = entries.flatMap(([name, server]) => serverFrom(name, server, problems) ?? []);
  if (problems.length > 0) throw configError(options.source, text, locateProblems(tree, problems));
  return { servers, variables: [...expansion.variables] };
}

/** Reads (relative to the working directory) and parses MCP_CONFIG's file; an unreadable file is an McpConfigError too. */
export function loadMcpConfig(path: string, env: McpConfigOptions['env']): McpConfig {
  const file = readTextFile(path);
  if ('unreadable' in file) throw new McpConfigError(file.unreadable, true);
  return parseMcpConfig(file.text, { source: path, env });
}
