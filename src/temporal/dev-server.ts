// Obtains a local Temporal dev server (the official CLI's `temporal server start-dev`) for tests and for
// `npm start` when no TEMPORAL_ADDRESS is configured.
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { type DevServerConfig, TestWorkflowEnvironment } from '@temporalio/testing';
import { isPortFree } from '../ports.js';
import { INBOX_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

/** The CLI release `npm run setup:temporal` builds; keep in step with scripts/ensure-temporal-cli.sh. */
export const PINNED_TEMPORAL_CLI_VERSION = 'v1.5.1';

type Executable = NonNullable<DevServerConfig['executable']>;

export interface TemporalCliChoice {
  executable: Executable;
  /** Where it came from, for the start-up log line. */
  source: 'TEMPORAL_CLI_PATH' | 'PATH' | 'setup cache' | 'SDK download';
}

/** Where scripts/ensure-temporal-cli.sh puts the CLI it builds. */
export function setupCacheCliPath(cacheHome = join(homedir(), '.cache')): string {
  return join(cacheHome, 'countersign', `temporal-cli-${PINNED_TEMPORAL_CLI_VERSION}`, 'temporal');
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onSearchPath(name: string, searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * The Temporal CLI to run, in order: an explicit TEMPORAL_CLI_PATH, `temporal` on PATH, the one
 * `npm run setup:temporal` built, and finally the SDK's own download (needs internet access).
 */
export function chooseTemporalCli(options: {
  cliPath: string | undefined;
  searchPath: string | undefined;
  setupCachePath?: string;
}): TemporalCliChoice {
  if (options.cliPath) {
    if (!isExecutable(options.cliPath)) {
      throw new TemporalCliMissingError(`TEMPORAL_CLI_PATH=${options.cliPath} is not an executable file`);
    }
    return { executable: { type: 'existing-path', path: options.cliPath }, source: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onSearchPath('temporal', options.searchPath);
  if (fromPath) return { executable: { type: 'existing-path', path: fromPath }, source: 'PATH' };
  const cached = options.setupCachePath ?? setupCacheCliPath();
  if (isExecutable(cached))
    return { executable: { type: 'existing-path', path: cached }, source: 'setup cache' };
  return { executable: { type: 'cached-download' }, source: 'SDK download' };
}

export class TemporalCliMissingError extends Error {
  override name = 'TemporalCliMissingError';
  constructor(reason: string, options?: ErrorOptions) {
    super(
      `No Temporal CLI could be started (${reason}). Get one in any of these ways: ` +
        'set TEMPORAL_ADDRESS to a running Temporal server; ' +
        'or install the Temporal CLI so `temporal` is on PATH (https://docs.temporal.io/cli#install); ' +
        `or run \`npm run setup:temporal\` (needs Go; builds the official CLI ${PINNED_TEMPORAL_CLI_VERSION} once); ` +
        'or set TEMPORAL_CLI_PATH to a `temporal` executable.',
      options,
    );
  }
}

export interface DevServerOptions {
  cli: TemporalCliChoice;
  namespace?: string;
  /** SQLite file to keep state across restarts; in memory when unset. */
  dbFilename?: string;
  /** Serve the Web UI (on the frontend port + 1000 unless uiPort is given). */
  ui?: boolean;
  uiPort?: number;
  port?: number;
  /** Where the server serves its own Prometheus metrics (the bench reads its requests per cycle there). */
  metricsPort?: number;
}

export interface DevServer {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  cliSource: TemporalCliChoice['source'];
  /** The Web UI's URL when it is on. */
  uiUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * Dynamic config the embedded dev server runs with; the README gives the same for a real cluster. A person waits at
 * every step of an approval, so these trade a little server work for latency:
 * - an activity scheduled by a workflow task goes straight back to the worker that completed that task (eager
 *   activity execution) instead of through a task queue poll;
 * - the history service reads its transfer queue (a workflow task to dispatch, a child's completion to report) as
 *   soon as a task is written, not at most 20 times a second: with the dev server's single shard, that limit alone
 *   added up to 50 ms to every step.
 */
export const DEV_SERVER_DYNAMIC_CONFIG = [
  'system.enableActivityEagerExecution=true',
  'history.transferProcessorMaxPollRPS=1000',
];

/**
 * SQLite settings of a state file. Write-ahead logging: a commit appends to the log and syncs it once, where SQLite's
 * default rollback journal syncs the journal and the database; every commit is still synced (synchronous stays FULL),
 * so a power cut loses nothing that was acknowledged — a lost activity completion would run a tool again. About 1.6×
 * the complete request → approve → result cycles per second on the bench (see the README).
 */
export const STATE_FILE_PRAGMAS = ['journal_mode=wal'];

/**
 * Temporal's usual ports: with the embedded server on them, `temporal workflow list` and the public recipe's
 * `temporal workflow signal …` work without flags, as in every Temporal tutorial.
 */
export const USUAL_PORTS = { frontend: 7233, ui: 8233 } as const;

/** Temporal's usual ports when both are free; otherwise none, and the server takes free ones. */
export async function preferredPorts(
  free: (port: number) => Promise<boolean> = isPortFree,
): Promise<Pick<DevServerOptions, 'port' | 'uiPort'>> {
  const [frontend, ui] = await Promise.all([free(USUAL_PORTS.frontend), free(USUAL_PORTS.ui)]);
  return frontend && ui ? { port: USUAL_PORTS.frontend, uiPort: USUAL_PORTS.ui } : {};
}

/** The SDK gives a starting server five seconds; on a busy machine a first start can take longer. */
const START_ATTEMPTS = 3;
const SLOW_START = /did not start within/;

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const namespace = options.namespace ?? 'default';
  const start = () =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: options.cli.executable,
        namespace,
        ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
        ...(options.port ? { port: options.port } : {}),
        ui: options.ui ?? false,
        ...(options.uiPort ? { uiPort: options.uiPort } : {}),
        searchAttributes: INBOX_SEARCH_ATTRIBUTES,
        extraArgs: [
          ...DEV_SERVER_DYNAMIC_CONFIG.flatMap((setting) => ['--dynamic-config-value', setting]),
          ...(options.dbFilename ? STATE_FILE_PRAGMAS.flatMap((pragma) => ['--sqlite-pragma', pragma]) : []),
          ...(options.metricsPort ? ['--metrics-port', String(options.metricsPort)] : []),
        ],
      },
    });
  let env: TestWorkflowEnvironment | undefined;
  try {
    for (let attempt = 1; env === undefined; attempt += 1) {
      try {
        env = await start();
      } catch (error) {
        if (attempt >= START_ATTEMPTS || !SLOW_START.test((error as Error).message)) throw error;
      }
    }
  } catch (error) {
    const reason =
      options.cli.source === 'SDK download'
        ? `no local CLI was found and the download failed: ${(error as Error).message}`
        : `${options.cli.source} CLI failed to start: ${(error as Error).message}`;
    throw new TemporalCliMissingError(reason, { cause: error });
  }
  const address = env.address;
  const port = Number(address.split(':').at(-1));
  const uiUrl = options.ui ? `http://localhost:${options.uiPort ?? port + 1000}` : undefined;
  return {
    address,
    namespace,
    cliSource: options.cli.source,
    uiUrl,
    stop: () => env.teardown(),
  };
}
