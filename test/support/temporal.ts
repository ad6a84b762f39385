// Connections to the run's shared dev server (started once in test/global-setup.ts).
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { workflowSinks, workflowsPath } from '../../src/temporal/worker.js';

export interface TemporalTestContext {
  address: string;
  namespace: string;
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

let runtimeInstalled = false;

/** Worker state changes (INFO) and the expected activity failures (WARN) drown test output; errors still show. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Already installed in this process (by an earlier file, or by this file to capture logs): keep that one.
  }
}

export async function connectToTestServer(): Promise<TemporalTestContext> {
  installQuietRuntime();
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection, namespace });
  return {
    address,
    namespace,
    client,
    connection,
    nativeConnection,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** A task queue no other test file uses, so workers of different files never take each other's tasks. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}

export interface StubbedWorker {
  temporal: TemporalTestContext;
  taskQueue: string;
  stop(): Promise<void>;
}

/**
 * The real workflows with their activities stubbed: a worker polling a task queue of its own on the run's shared dev
 * server, for workflow tests that need no timers (those use the time-skipping server).
 */
export async function startStubbedWorker(prefix: string, activities: object): Promise<StubbedWorker> {
  const temporal = await connectToTestServer();
  const taskQueue = uniqueTaskQueue(prefix);
  const worker = await Worker.create({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    workflowsPath: workflowsPath(),
    activities,
    sinks: workflowSinks,
  });
  const running = worker.run();
  return {
    temporal,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await temporal.close();
    },
  };
}
