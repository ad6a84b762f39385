// Temporal's time-skipping test environment, for workflow tests whose timers run for hours: time passes at once
// whenever nothing else is left to do. Its server is the one `scripts/ensure-temporal-test-server.sh` fetched (or
// TEMPORAL_TEST_SERVER_PATH names), and otherwise the SDK's own download, which needs internet access.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { isExecutable } from '../../src/temporal/dev-server.js';
import { searchAttributeTypes } from '../../src/temporal/search-attributes.js';

/** Keep in step with `version` in scripts/ensure-temporal-test-server.sh. */
const PINNED_TEST_SERVER_VERSION = '1.31.0';

function setupCachePath(): string {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(
    cache,
    'countersign',
    `temporal-test-server-${PINNED_TEST_SERVER_VERSION}`,
    'temporal-test-server',
  );
}

export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const named = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (named && !isExecutable(named))
    throw new Error(`TEMPORAL_TEST_SERVER_PATH=${named} is not an executable file`);
  const cached = setupCachePath();
  const path = named ?? (isExecutable(cached) ? cached : undefined);
  const env = await TestWorkflowEnvironment.createTimeSkipping(
    path ? { server: { executable: { type: 'existing-path', path } } } : {},
  );
  // The approvals' search attributes, as the embedded dev server registers them (the test server can add them,
  // not list them).
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: searchAttributeTypes(),
  });
  return env;
}
