// A real Temporal cluster for the cluster suite: the official server (frontend, history, matching and worker
// services in one process) on PostgreSQL, both started here from scratch in a temporary directory.
// scripts/ensure-temporal-server.sh builds the pinned server and its temporal-sql-tool once; PostgreSQL comes
// from the machine (Debian's `postgresql` package).
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { isPortFree } from '../../src/ports.js';
import { DEV_SERVER_DYNAMIC_CONFIG, isExecutable } from '../../src/temporal/dev-server.js';
import { PROJECT_ROOT } from './build.js';

/** The release scripts/ensure-temporal-server.sh builds; keep the two in step. */
export const PINNED_TEMPORAL_SERVER_VERSION = 'v1.29.1';

/** Shards of the history service: more than one, so that runs spread as they do on a real cluster. */
const HISTORY_SHARDS = 4;
/** The server stores membership ports in a PostgreSQL `smallint`: a port above 32767 stops it at start. */
const MEMBERSHIP_PORT_MAX = 32_767;
const PG_USER = 'temporal';
const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 15_000;

export interface TemporalCluster {
  address: string;
  namespace: string;
  /** Stops the Temporal server (not PostgreSQL) and starts it again on the same database. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** The server's and PostgreSQL's output so far, for a failing test's message. */
  logs(): string;
}

const run = promisify(execFile);

/** PostgreSQL's server programs: on PATH, or where Debian's package puts them (not on PATH by default). */
export function postgresBinDir(searchPath = process.env.PATH ?? ''): string {
  for (const dir of searchPath.split(delimiter)) {
    if (dir && isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'postgres'))) return dir;
  }
  const debian = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
  } catch {
    // not installed this way
  }
  for (const version of versions) {
    const dir = join(debian, version, 'bin');
    if (isExecutable(join(dir, 'initdb'))) return dir;
  }
  throw new Error(
    'PostgreSQL is needed for the cluster tests and was not found (no initdb on PATH or under /usr/lib/postgresql): install it, e.g. `apt-get install postgresql`',
  );
}

function temporalServerDir(): string {
  return execFileSync('bash', [join(PROJECT_ROOT, 'scripts/ensure-temporal-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/** Free ports at or below `max`, none of them handed out twice in this process. */
const handedOut = new Set<number>();
async function freePorts(count: number, max = MEMBERSHIP_PORT_MAX): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20_000 + Math.floor(Math.random() * (max - 20_000));
    if (handedOut.has(port) || !(await isPortFree(port))) continue;
    handedOut.add(port);
    ports.push(port);
  }
  return ports;
}

/**
 * PostgreSQL refuses to run as root. As root (CI here), its programs run as the `postgres` account the Debian
 * package creates, and the data directory is handed to it.
 */
function asPostgresUser(dir: string): (program: string, args: string[]) => [string, string[]] {
  if (process.getuid?.() !== 0) return (program, args) => [program, args];
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
  return (program, args) => ['runuser', ['-u', 'postgres', '--', program, ...args]];
}

function serverConfig(options: {
  dbPort: number;
  frontendPort: number;
  httpPort: number;
  historyPort: number;
  matchingPort: number;
  workerPort: number;
  membership: number[];
  dynamicConfigFile: string;
}): string {
  const datastore = (database: string, maxConns: number) => `
      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: 127.0.0.1:${options.dbPort}
        connectProtocol: tcp
        user: ${PG_USER}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const service = (grpcPort: number, membershipPort: number | undefined, extra = '') =>
    `    rpc: { grpcPort: ${grpcPort}, membershipPort: ${membershipPort}, bindOnLocalHost: true${extra} }`;
  const [frontendM, historyM, matchingM, workerM] = options.membership;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${HISTORY_SHARDS}
  datastores:
    default:${datastore('temporal', 20)}
    visibility:${datastore('temporal_visibility', 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:
${service(options.frontendPort, frontendM, `, httpPort: ${options.httpPort}`)}
  history:
${service(options.historyPort, historyM)}
  matching:
${service(options.matchingPort, matchingM)}
  worker:
${service(options.workerPort, workerM)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:${options.frontendPort}
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${options.dynamicConfigFile}
  pollInterval: 10s
`;
}

/** The settings the embedded dev server runs with (src/temporal/dev-server.ts), as a dynamic config file. */
function dynamicConfig(): string {
  return DEV_SERVER_DYNAMIC_CONFIG.map((setting) => {
    const [key, value] = setting.split('=');
    return `${key}:\n  - value: ${value}\n`;
  }).join('');
}

interface Started {
  child: ChildProcess;
  exited: Promise<void>;
}

function startLogged(command: [string, string[]], cwd: string, log: (text: string) => void): Started {
  const [program, args] = command;
  const child = spawn(program, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => log(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited };
}

async function stopProcess(started: Started, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (started.child.exitCode !== null || started.child.signalCode !== null) return;
  started.child.kill(signal);
  const timer = setTimeout(() => started.child.kill('SIGKILL'), STOP_GRACE_MS);
  await started.exited;
  clearTimeout(timer);
}

async function until<T>(what: string, attempt: () => Promise<T>, logs: () => string): Promise<T> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(
          `${what} within ${START_TIMEOUT_MS} ms: ${(error as Error).message}\n${logs().slice(-4000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

export async function startTemporalCluster(options: { namespace?: string } = {}): Promise<TemporalCluster> {
  const namespace = options.namespace ?? 'default';
  const serverDir = temporalServerDir();
  const pgBin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'countersign-cluster-'));
  chmodSync(dir, 0o755);
  let output = '';
  const log = (text: string) => {
    output += text;
  };
  const logs = () => output;

  const [dbPort, frontendPort, httpPort, historyPort, matchingPort, workerPort, ...membership] =
    await freePorts(10);
  if (!dbPort || !frontendPort || !httpPort || !historyPort || !matchingPort || !workerPort) {
    throw new Error('no free ports');
  }

  // PostgreSQL: a fresh database cluster, trusted local connections only, listening on loopback.
  const data = join(dir, 'postgres');
  mkdirSync(data, { mode: 0o700 });
  const asPostgres = asPostgresUser(dir);
  const [initdb, initdbArgs] = asPostgres(join(pgBin, 'initdb'), [
    '-D',
    data,
    '-U',
    PG_USER,
    '--auth=trust',
    '-E',
    'UTF8',
  ]);
  await run(initdb, initdbArgs);
  let postgres: Started | undefined = startLogged(
    asPostgres(join(pgBin, 'postgres'), [
      '-D',
      data,
      '-p',
      String(dbPort),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
    ]),
    dir,
    log,
  );
  let server: Started | undefined;

  const stop = async () => {
    if (server) await stopProcess(server);
    server = undefined;
    // SIGINT: PostgreSQL's fast shutdown (rolls back open transactions instead of waiting for them).
    if (postgres) await stopProcess(postgres, 'SIGINT');
    postgres = undefined;
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // Databases and schemas, created by the server's own tool from the schemas embedded in it.
    const sqlTool = join(serverDir, 'temporal-sql-tool');
    const sql = (database: string, ...args: string[]) =>
      run(sqlTool, [
        '--plugin',
        'postgres12',
        '--ep',
        '127.0.0.1',
        '-p',
        String(dbPort),
        '-u',
        PG_USER,
        '--db',
        database,
        ...args,
      ]);
    await until('PostgreSQL accepting connections', () => sql('temporal', 'create-database'), logs);
    for (const [database, schema] of [
      ['temporal', 'postgresql/v12/temporal'],
      ['temporal_visibility', 'postgresql/v12/visibility'],
    ] as const) {
      if (database !== 'temporal') await sql(database, 'create-database');
      await sql(database, 'setup-schema', '-v', '0.0');
      await sql(database, 'update-schema', '--schema-name', schema);
    }

    const root = join(dir, 'temporal');
    mkdirSync(join(root, 'config'), { recursive: true });
    const dynamicConfigFile = join(root, 'dynamic-config.yaml');
    writeFileSync(dynamicConfigFile, dynamicConfig());
    writeFileSync(
      join(root, 'config', 'development.yaml'),
      serverConfig({
        dbPort,
        frontendPort,
        httpPort,
        historyPort,
        matchingPort,
        workerPort,
        membership,
        dynamicConfigFile,
      }),
    );
    const address = `127.0.0.1:${frontendPort}`;
    const startServer = async () => {
      server = startLogged(
        [
          join(serverDir, 'temporal-server'),
          ['--root', root, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
        ],
        root,
        log,
      );
      const exited = server.exited.then(() => {
        throw new Error('the Temporal server exited');
      });
      exited.catch(() => undefined);
      await Promise.race([
        exited,
        until(
          'the Temporal server answering',
          async () => {
            const connection = await Connection.connect({ address, connectTimeout: 2_000 });
            try {
              await connection.workflowService.describeNamespace({ namespace: 'temporal-system' });
            } finally {
              await connection.close();
            }
          },
          logs,
        ),
      ]);
    };
    await startServer();

    // A real cluster has no namespace of ours until an operator registers one.
    const connection = await Connection.connect({ address });
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
      // Every service learns of a new namespace from its cache, refreshed every few seconds.
      await until(
        `namespace ${namespace} usable`,
        () => connection.workflowService.countWorkflowExecutions({ namespace, query: '' }),
        logs,
      );
    } finally {
      await connection.close();
    }

    return {
      address,
      namespace,
      logs,
      stop,
      async restart() {
        if (server) await stopProcess(server);
        await startServer();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
