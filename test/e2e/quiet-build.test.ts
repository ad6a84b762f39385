// `npm start` builds with `--silent` and then shows the app starting, not webpack's bundle statistics;
// `npm run build` keeps them. The bundling step (dist/temporal/bundle-workflows.js) as each runs it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/build.js';

async function bundle(env: Record<string, string>) {
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['dist/temporal/bundle-workflows.js'],
    {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    },
  );
  return stdout + stderr;
}

describe('bundling the workflows', () => {
  it('prints nothing under npm --silent, as npm start runs it', async () => {
    expect(await bundle({ npm_config_loglevel: 'silent' })).toBe('');
  });

  it('prints webpack statistics and where the bundle went under npm run build', async () => {
    const output = await bundle({});
    expect(output).toMatch(/webpack [\d.]+ compiled successfully/);
    expect(output).toMatch(/workflow bundle written to .*workflow-bundle\.js \(\d+ KiB\)/);
  });
});
