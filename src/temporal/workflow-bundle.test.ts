import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The test run's global set-up has just run `npm run build`, which writes the bundle a production worker loads.
const BUILT_BUNDLE = new URL('../../dist/workflow-bundle.js', import.meta.url);
describe('the workflow bundle', () => {
  it('holds no zod: each cached workflow evaluates the bundle anew, and zod cost 1.4 MiB of worker memory for each', async () => {
    const bundle = await readFile(fileURLToPath(BUILT_BUNDLE), 'utf8');
    expect(bundle).toContain('approvalWorkflow');
    expect(bundle).not.toMatch(/node_modules\/zod\//);
  });
});
