// Runs the real entry point (`node dist/main.js`, as `npm start` does after building) as a child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai.js';
import { type FakeSlackApi, startFakeSlackApi } from '../fakes/slack-api.js';
import { PROJECT_ROOT } from './build.js';
import { WORKSPACE_USERS } from './engine.js';

/** A loopback port nobody uses now: the app's own probe. */
export { freeLoopbackPort as freePort } from '../../src/ports.js';
export { PROJECT_ROOT };

export interface RunningApp {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Only what the app needs from this environment, plus `env`: nothing else leaks in from the test run, and the
 * working directory is empty so that a developer's own `.env` is not read — or `cwd`, an app directory the test made.
 */
export function startEntryPoint(
  script: string,
  env: Record<string, string>,
  options: { cwd?: string; args?: string[] } = {},
): RunningApp {
  const inherited = Object.fromEntries(
    ['PATH', 'HOME', 'TEMPORAL_CLI_PATH', 'XDG_CACHE_HOME'].flatMap((k) =>
      process.env[k] ? [[k, process.env[k]]] : [],
    ),
  );
  const child = spawn(process.execPath, [join(PROJECT_ROOT, script), ...(options.args ?? [])], {
    cwd: options.cwd ?? mkdtempSync(join(tmpdir(), 'countersign-cwd-')),
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, output: () => output, exited };
}

/** The app's JSON log lines so far, parsed (its other output — ready lines, a report — left out). */
export function logEntries(app: RunningApp): Array<Record<string, unknown>> {
  return app
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Polls `url` until it answers `status`; returns the JSON body. Fails early if the app exits. */
export async function waitForStatus(
  url: string,
  status: number,
  app: RunningApp,
  timeoutMs = 90_000,
): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void app.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`the app exited before answering ${status}:\n${app.output()}`);
    try {
      const response = await fetch(url);
      if (response.status === status) return await response.json();
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`no ${status} from ${url} after ${timeoutMs} ms:\n${app.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function waitForHealthy(url: string, app: RunningApp, timeoutMs?: number): Promise<unknown> {
  return waitForStatus(url, 200, app, timeoutMs);
}

/** Command lines of live processes that mention `needle` (e.g. the embedded server's state file). Linux /proc. */
export async function processesMentioning(needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      if (commandLine.includes(needle)) found.push(`${pid}: ${commandLine}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Stops apps left running by a failed test: SIGTERM first, so their embedded servers stop too; then SIGKILL. */
export async function stopAll(apps: RunningApp[], graceMs = 15_000): Promise<void> {
  await Promise.all(
    apps.map(async (app) => {
      if (app.child.exitCode !== null || app.child.signalCode !== null) return;
      app.child.kill('SIGTERM');
      const timer = setTimeout(() => app.child.kill('SIGKILL'), graceMs);
      await app.exited;
      clearTimeout(timer);
    }),
  );
}

export interface ChildProcessHarness {
  slackApi: FakeSlackApi;
  openai: FakeOpenAI;
  /** Apps started by the test; whatever is still running at the end is stopped. */
  children: RunningApp[];
  close(): Promise<void>;
}

/** Starts the fakes, and tracks the child processes a test file starts (the app was built by the global set-up). */
export async function startChildProcessHarness(): Promise<ChildProcessHarness> {
  const slackApi = await startFakeSlackApi({ users: WORKSPACE_USERS });
  const openai = await startFakeOpenAI();
  const children: RunningApp[] = [];
  return {
    slackApi,
    openai,
    children,
    async close() {
      await stopAll(children);
      await slackApi.close();
      await openai.close();
    },
  };
}
