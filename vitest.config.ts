import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // The scaled-out deployment suite has its own command: `npm run test:cluster`.
    exclude: ['test/cluster/**', '**/node_modules/**'],
    // One ephemeral Temporal dev server per run, shared by every end-to-end file.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    // expect.poll waits for Temporal to apply a signal or a visibility write: a workflow task away, which on this
    // two-core machine under the whole suite's load took more than poll's default 1 s (a standing test failed so).
    expect: { poll: { timeout: 15_000, interval: 100 } },
    hookTimeout: 120_000,
    // Two cores: end-to-end files each run a worker and an HTTP app; keep them from starving each other.
    maxWorkers: 2,
  },
});
