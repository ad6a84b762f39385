// Once for the whole test run: the app is built (the entry-point tests run dist/), and one ephemeral Temporal
// dev server is started on a free port, stopped at the end.
import type { TestProject } from 'vitest/node';
import { chooseTemporalCli, startDevServer } from '../src/temporal/dev-server.js';
import { buildApp } from './support/build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
  }
}

export default async function setup(project: TestProject) {
  const cli = chooseTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, searchPath: process.env.PATH });
  const [server] = await Promise.all([startDevServer({ cli }), buildApp()]);
  console.log(`[tests] Temporal dev server at ${server.address} (CLI from ${cli.source})`);
  project.provide('temporalAddress', server.address);
  project.provide('temporalNamespace', server.namespace);
  return async () => {
    await server.stop();
  };
}
