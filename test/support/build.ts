// `npm run build`, as `npm start` runs it: once per test run, from the global set-up. The build starts with
// `rm -rf dist`, so two test files building at once would pull it from under each other.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function buildApp(): Promise<void> {
  await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT });
}
