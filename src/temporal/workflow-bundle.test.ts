import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The test run's global set-up has just run `npm run build`, which writes the bundle a production worker loads.
const BUILT_BUNDLE = new URL('../../dist/workflow-bundle.js', import.meta.url);
const TRACED_BUNDLE = new URL('../../dist/workflow-bundle-traced.js', import.meta.url);
describe('the workflow bundle', () => {
  it('holds no zod: each cached workflow evaluates the bundle anew, and zod cost 1.4 MiB of worker memory for each', async () => {
    const bundle = await readFile(fileURLToPath(BUILT_BUNDLE), 'utf8');
    expect(bundle).toContain('approvalWorkflow');
    expect(bundle).not.toMatch(/node_modules\/zod\//);
  });

  it('holds no OpenTelemetry unless traces are on: a worker with them off loads the bundle without the interceptor', async () => {
    const plain = await readFile(fileURLToPath(BUILT_BUNDLE), 'utf8');
    expect(plain).not.toMatch(/node_modules\/@opentelemetry\//);
    const traced = await readFile(fileURLToPath(TRACED_BUNDLE), 'utf8');
    expect(traced).toContain('approvalWorkflow');
    expect(traced).toMatch(
      /node_modules\/@temporalio\/interceptors-opentelemetry\/lib\/workflow-interceptors/,
    );
  });
});
