// METRICS_PORT: what operators watch, from every process — `/metrics` (Prometheus text: Countersign's own metrics
// and the Temporal SDK's worker metrics in one scrape), `/healthz` (liveness: the process answers) and `/readyz`
// (readiness: Temporal reachable and a worker running or polling).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registry } from '../metrics.js';
import { answerHealth, HEALTH_PATH, type Health, READINESS_PATH } from '../slack/app.js';

export const METRICS_PATH = '/metrics';
/** A scrape must not hang on the SDK's exporter: past this, it serves our metrics alone. */
const SDK_SCRAPE_TIMEOUT_MS = 2_000;

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** The SDK exporter's text, or nothing when it is not there (a Slack-app-only process has no worker metrics). */
async function sdkMetrics(sdkAddress: string | undefined): Promise<string> {
  if (!sdkAddress) return '';
  try {
    const response = await fetch(`http://${sdkAddress}/metrics`, {
      signal: AbortSignal.timeout(SDK_SCRAPE_TIMEOUT_MS),
    });
    return response.ok ? await response.text() : '';
  } catch {
    return '';
  }
}

export async function startMetricsServer(options: {
  port: number;
  /** The address to listen on (METRICS_HOST): loopback unless the operator opens it to the network. */
  host: string;
  /** Where the Temporal SDK's Prometheus exporter listens, bound to loopback by this process. */
  sdkAddress: string | undefined;
  readiness: () => Promise<Health>;
}): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === METRICS_PATH) {
      void Promise.all([registry.metrics(), sdkMetrics(options.sdkAddress)]).then(
        ([ours, sdk]) =>
          response.writeHead(200, { 'content-type': registry.contentType }).end(`${ours}\n${sdk}`),
        (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
      );
    } else if (path === HEALTH_PATH) {
      void answerHealth(undefined, response);
    } else if (path === READINESS_PATH) {
      // This port is the operators' (loopback unless METRICS_HOST opens it): readiness says why it is not ready.
      void answerHealth(options.readiness, response, { reasons: true });
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
