import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseTemporalCli, preferredPorts, startDevServer, TemporalCliMissingError } from './dev-server.js';

function fakeCli(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'temporal');
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

describe('chooseTemporalCli', () => {
  const root = mkdtempSync(join(tmpdir(), 'countersign-cli-'));
  const explicit = fakeCli(join(root, 'explicit'));
  const onPath = fakeCli(join(root, 'bin'));
  const cached = fakeCli(join(root, 'cache'));
  const nowhere = join(root, 'missing', 'temporal');

  it('prefers TEMPORAL_CLI_PATH', () => {
    const choice = chooseTemporalCli({
      cliPath: explicit,
      searchPath: join(root, 'bin'),
      setupCachePath: cached,
    });
    expect(choice).toEqual({
      executable: { type: 'existing-path', path: explicit },
      source: 'TEMPORAL_CLI_PATH',
    });
  });

  it('then a temporal on PATH', () => {
    const choice = chooseTemporalCli({
      cliPath: undefined,
      searchPath: `${join(root, 'empty')}:${join(root, 'bin')}`,
      setupCachePath: cached,
    });
    expect(choice).toEqual({ executable: { type: 'existing-path', path: onPath }, source: 'PATH' });
  });

  it('then the CLI built by npm run setup:temporal', () => {
    const choice = chooseTemporalCli({
      cliPath: undefined,
      searchPath: join(root, 'empty'),
      setupCachePath: cached,
    });
    expect(choice).toEqual({ executable: { type: 'existing-path', path: cached }, source: 'setup cache' });
  });

  it("and finally the SDK's own download", () => {
    const choice = chooseTemporalCli({ cliPath: undefined, searchPath: '', setupCachePath: nowhere });
    expect(choice).toEqual({ executable: { type: 'cached-download' }, source: 'SDK download' });
  });

  it('says how to get a CLI when TEMPORAL_CLI_PATH points at nothing', () => {
    expect(() => chooseTemporalCli({ cliPath: nowhere, searchPath: '', setupCachePath: nowhere })).toThrow(
      TemporalCliMissingError,
    );
    expect(() => chooseTemporalCli({ cliPath: nowhere, searchPath: '', setupCachePath: nowhere })).toThrow(
      /TEMPORAL_CLI_PATH=.* is not an executable file.*TEMPORAL_ADDRESS.*npm run setup:temporal/,
    );
  });
});

describe('startDevServer', () => {
  it('turns a CLI that will not start into the clear how-to-get-one message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-broken-cli-'));
    const broken = join(dir, 'temporal');
    writeFileSync(broken, '#!/bin/sh\necho "temporal: broken build" >&2\nexit 3\n');
    chmodSync(broken, 0o755);
    const cli = chooseTemporalCli({ cliPath: broken, searchPath: '' });
    await expect(startDevServer({ cli })).rejects.toThrow(
      /No Temporal CLI could be started \(TEMPORAL_CLI_PATH CLI failed to start: .*\).*npm run setup:temporal/,
    );
  });
});

describe('preferredPorts', () => {
  it('takes Temporal’s usual ports only when both are free', async () => {
    const freeExcept = (taken: number[]) => async (port: number) => !taken.includes(port);
    expect(await preferredPorts(freeExcept([]))).toEqual({ port: 7233, uiPort: 8233 });
    expect(await preferredPorts(freeExcept([7233]))).toEqual({});
    expect(await preferredPorts(freeExcept([8233]))).toEqual({});
  });
});
