// `npm run record-histories`: re-records test/histories/*.json on the run's dev server. Not part of `npm test`, which
// replays what is recorded (test/histories/replay.test.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/histories/record.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
