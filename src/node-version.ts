// The first import of every entry point: on an older Node.js the app's dependencies fail deep inside (undici:
// "Cannot read properties of undefined (reading 'bind')") instead of saying what is wrong, so the version is
// checked before any of them loads. The version needed is package.json's `engines.node`, as for `npm install`.
import { readFileSync } from 'node:fs';

/** The Node.js major version package.json's `engines.node` (`>=N`) asks for. */
export function neededNodeMajor(): number {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const match = /(\d+)/.exec(String(manifest.engines?.node ?? ''));
  if (!match?.[1]) throw new Error('package.json names no Node.js version in engines.node');
  return Number(match[1]);
}

/** What to tell a person running `found`, or undefined when it will do. */
export function nodeVersionProblem(found: string, needed: number, execPath: string): string | undefined {
  if (Number(found.split('.')[0]) >= needed) return undefined;
  return `countersign needs Node.js ${needed} or newer, and this is Node.js ${found} (${execPath}): install Node.js 24 LTS (https://nodejs.org/en/download, or \`nvm install 24\`), then run it again.`;
}

const problem = nodeVersionProblem(process.versions.node, neededNodeMajor(), process.execPath);
if (problem) {
  console.error(problem);
  process.exit(1);
}
