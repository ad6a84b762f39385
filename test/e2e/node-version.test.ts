// A newcomer whose default Node.js is too old is told so in one line — what they have, what is needed, how to get
// it — at `npm install`, at `npm run build` (so `npm start`), and by every built entry point, before anything loads.
// Run with a real Node.js 20 from the npm registry's `node` package, cached beside the Node 24 that CI uses.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/build.js';

const OLD_NODE_MAJOR = 20;
const cacheDir = join(
  process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
  'countersign',
  `node${OLD_NODE_MAJOR}`,
);
const oldNode = join(cacheDir, 'node_modules', '.bin', 'node');
const ONE_LINE = new RegExp(
  `^countersign needs Node\\.js 22 or newer, and this is Node\\.js ${OLD_NODE_MAJOR}\\.\\d+\\.\\d+ \\(.+\\): install Node\\.js 24 LTS \\(https://nodejs\\.org/en/download, or \`nvm install 24\`\\), then run it again\\.$`,
);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return promisify(execFile)(command, args, { ...options, timeout: 120_000 }).then(
    ({ stdout, stderr }): Ran => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }): Ran => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

/** The environment with the old Node.js first on PATH, as on a machine whose default is Node 20. */
const withOldNode = () => ({ ...process.env, PATH: `${dirname(oldNode)}${delimiter}${process.env.PATH}` });

/** A directory holding only the project's package files, .npmrc and version check: nothing there to break. */
function projectSkeleton(): string {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-node-version-'));
  mkdirSync(join(dir, 'scripts'));
  for (const file of ['package.json', 'package-lock.json', '.npmrc', 'scripts/require-node.cjs'])
    copyFileSync(join(PROJECT_ROOT, file), join(dir, file));
  return dir;
}

beforeAll(async () => {
  if (!existsSync(oldNode)) {
    const installed = await run('npm', [
      'install',
      '--prefix',
      cacheDir,
      '--no-save',
      '--no-audit',
      '--no-fund',
      `node@${OLD_NODE_MAJOR}`,
    ]);
    if (installed.code !== 0)
      throw new Error(`could not install Node.js ${OLD_NODE_MAJOR}: ${installed.stderr}`);
  }
  expect((await run(oldNode, ['--version'])).stdout).toMatch(new RegExp(`^v${OLD_NODE_MAJOR}\\.`));
}, 180_000);

describe(`on Node.js ${OLD_NODE_MAJOR}`, () => {
  it.each(['dist/main.js', 'dist/main-worker.js', 'dist/main-bot.js'])(
    '%s refuses to start with one line saying what to do, before loading anything',
    async (script) => {
      const ran = await run(oldNode, [join(PROJECT_ROOT, script)], { cwd: tmpdir() });
      expect(ran.code).toBe(1);
      expect(ran.stdout).toBe('');
      expect(ran.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(ran.stderr.trimEnd()).toMatch(ONE_LINE);
    },
  );

  it('npm run build (and so npm start) refuses before building anything', async () => {
    const dir = projectSkeleton();
    const ran = await run('npm', ['run', 'build', '--silent'], { cwd: dir, env: withOldNode() });
    expect(ran.code).not.toBe(0);
    expect(ran.stderr).toMatch(new RegExp(ONE_LINE.source.slice(1, -1)));
    // It stopped at the check: `rm -rf dist && tsc …` never ran, so no compiler complained.
    expect(ran.stderr).not.toMatch(/tsc|error TS/);
  });

  it('npm install refuses before installing anything, naming the version found and the one needed', async () => {
    const dir = projectSkeleton();
    const ran = await run('npm', ['install', '--dry-run', '--no-audit', '--no-fund'], {
      cwd: dir,
      env: withOldNode(),
    });
    expect(ran.code).not.toBe(0);
    expect(ran.stderr).toContain('EBADENGINE');
    expect(ran.stderr).toContain('Required: {"node":">=22"}');
    expect(ran.stderr).toMatch(new RegExp(`Actual: +\\{"node":"v${OLD_NODE_MAJOR}\\.`));
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  });
});
