// Where Temporal is: a configured cluster (self-hosted or Temporal Cloud), or an embedded dev server.
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { Config } from '../config.js';
import { chooseTemporalCli, type DevServer, preferredPorts, startDevServer } from './dev-server.js';

export interface TemporalTarget {
  address: string;
  namespace: string;
  tls: TLSConfig | boolean | undefined;
  apiKey: string | undefined;
  /** The embedded dev server when we started one; stop it on shutdown. */
  embedded: DevServer | undefined;
}

function tlsFrom(temporal: Config['temporal']): TLSConfig | boolean | undefined {
  if (temporal.tlsCertPath && temporal.tlsKeyPath) {
    return {
      clientCertPair: { crt: readFileSync(temporal.tlsCertPath), key: readFileSync(temporal.tlsKeyPath) },
    };
  }
  // Server-only TLS (the system's CAs): Temporal Cloud with an API key, or a cluster behind TLS (TEMPORAL_TLS=true).
  return temporal.tls ? true : undefined;
}

export async function resolveTemporal(
  temporal: Config['temporal'],
  embedded: { stateFile?: string; ui?: boolean } = {},
): Promise<TemporalTarget> {
  if (temporal.address) {
    return {
      address: temporal.address,
      namespace: temporal.namespace,
      tls: tlsFrom(temporal),
      apiKey: temporal.apiKey,
      embedded: undefined,
    };
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
  return {
    address: server.address,
    namespace: server.namespace,
    tls: undefined,
    apiKey: undefined,
    embedded: server,
  };
}

/** What a client or worker connection to the target needs: its address, and TLS or an API key when it has them. */
export function connectionOptions(target: Pick<TemporalTarget, 'address' | 'tls' | 'apiKey'>) {
  return {
    address: target.address,
    ...(target.tls !== undefined ? { tls: target.tls } : {}),
    ...(target.apiKey ? { apiKey: target.apiKey } : {}),
  };
}
