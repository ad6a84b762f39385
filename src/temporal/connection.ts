// Where Temporal is: a configured cluster (self-hosted or Temporal Cloud), or an embedded dev server.

import { toClientOptions } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../config.js';
import { chooseTemporalCli, type DevServer, preferredPorts, startDevServer } from './dev-server.js';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** TLS, API key and gRPC headers as @temporalio/envconfig builds them from the profile; none for the embedded server. */
  connection: Omit<NativeConnectionOptions, 'address'>;
  /** The embedded dev server when we started one; stop it on shutdown. */
  embedded: DevServer | undefined;
}

export async function resolveTemporal(
  temporal: Config['temporal'],
  embedded: { stateFile?: string; ui?: boolean } = {},
): Promise<TemporalTarget> {
  if (temporal.address) {
    // Reads the certificate files the profile names, now rather than at start-up, as before a connection.
    const { address: _address, ...connection } = toClientOptions(temporal.profile).connectionOptions;
    return { address: temporal.address, namespace: temporal.namespace, connection, embedded: undefined };
  }
  const options = {
    cli: chooseTemporalCli({ cliPath: temporal.cliPath, searchPath: temporal.searchPath }),
    namespace: temporal.namespace,
    ...(embedded.stateFile ? { dbFilename: embedded.stateFile } : {}),
    ui: embedded.ui ?? true,
  };
  const usual = await preferredPorts();
  // Another program may take a usual port between the check and the server's start: then any free ones will do.
  const server = await startDevServer({ ...options, ...usual }).catch((error) => {
    if (usual.port === undefined) throw error;
    return startDevServer(options);
  });
  return { address: server.address, namespace: server.namespace, connection: {}, embedded: server };
}

/** What a client or worker connection to the target needs: its address, and TLS, an API key and headers when it has them. */
export function connectionOptions(target: Pick<TemporalTarget, 'address' | 'connection'>) {
  const { tls, apiKey, metadata } = target.connection;
  return {
    address: target.address,
    ...(tls !== undefined ? { tls } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(metadata && Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}
