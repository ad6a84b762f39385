// A user on macOS, Windows or Alpine runs `npm ci` from this lockfile: it must list their platform's native
// binaries too, not only those of the machine that last wrote it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './support/build.js';

const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { optional?: boolean; os?: string[] }>;
};

describe('package-lock.json', () => {
  it.each([
    ['@biomejs/cli', ['darwin-arm64', 'darwin-x64', 'win32-x64', 'linux-x64', 'linux-x64-musl']],
    ['@swc/core', ['darwin-arm64', 'darwin-x64', 'win32-x64-msvc', 'linux-x64-gnu', 'linux-x64-musl']],
    ['@esbuild/', ['darwin-arm64', 'win32-x64', 'linux-x64']],
  ])('lists %s native binaries for every common platform', (prefix, platforms) => {
    const listed = Object.keys(lock.packages).filter((p) => p.startsWith(`node_modules/${prefix}`));
    for (const platform of platforms) {
      expect(listed, `${prefix} for ${platform}`).toContainEqual(
        expect.stringMatching(new RegExp(`[-/]${platform}$`)),
      );
    }
  });
});
