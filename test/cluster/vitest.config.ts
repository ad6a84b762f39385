import { defineConfig } from 'vitest/config';

// `npm run test:cluster`: the scaled-out deployment suite, on the official Temporal server on PostgreSQL and on
// the dev server. Not part of `npm test`: it builds and starts its own servers and takes minutes.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/cluster/global-setup.ts'],
    testTimeout: 15 * 60_000,
    hookTimeout: 300_000,
    // One deployment at a time: each runs six processes on a two-core machine.
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
