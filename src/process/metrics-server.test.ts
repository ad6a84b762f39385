// The operators' port on its own: one scrape with the SDK exporter's text appended, and still ours when the
// exporter is away; liveness apart from readiness. A plain HTTP server stands in for the SDK's exporter.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Health } from '../slack/app.js';
import { type MetricsServer, startMetricsServer } from './metrics-server.js';

const SDK_TEXT =
  '# HELP temporal_worker_task_slots_available x\n# TYPE temporal_worker_task_slots_available gauge\ntemporal_worker_task_slots_available 5\n';

let exporter: Server;
let exporterAddress: string;
beforeAll(async () => {
  exporter = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(SDK_TEXT));
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  exporterAddress = `127.0.0.1:${(exporter.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => exporter.close(() => resolve())));

async function withServer(
  options: { sdkAddress: string | undefined; readiness?: () => Promise<Health> },
  test: (base: string) => Promise<void>,
): Promise<void> {
  const server: MetricsServer = await startMetricsServer({
    port: 0,
    host: '127.0.0.1',
    sdkAddress: options.sdkAddress,
    readiness: options.readiness ?? (async () => ({ ok: true })),
  });
  try {
    await test(`http://127.0.0.1:${server.port}`);
  } finally {
    await server.close();
  }
}

describe('metrics server', () => {
  it("serves Countersign's metrics and the SDK exporter's in one scrape", async () => {
    await withServer({ sdkAddress: exporterAddress }, async (base) => {
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toContain('# TYPE countersign_decisions_total counter');
      expect(text).toContain('temporal_worker_task_slots_available 5');
    });
  });

  it('still serves its own metrics when the SDK exporter does not answer', async () => {
    // A port nobody listens on: the exporter is not up (a Slack app alone never starts the SDK's runtime).
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await withServer({ sdkAddress: address }, async (base) => {
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toContain('# TYPE countersign_pending_approvals gauge');
      expect(text).not.toContain('temporal_');
    });
  });

  it('answers liveness whatever readiness says, and readiness with its reasons', async () => {
    const notReady = async (): Promise<Health> => ({
      ok: false,
      temporal: 'reachable',
      worker: 'none polling',
    });
    await withServer({ sdkAddress: undefined, readiness: notReady }, async (base) => {
      const live = await fetch(`${base}/healthz`);
      expect([live.status, await live.json()]).toEqual([200, { ok: true }]);
      const ready = await fetch(`${base}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([
        503,
        { ok: false, temporal: 'reachable', worker: 'none polling' },
      ]);
    });
  });

  it('is not ready when the readiness check itself fails', async () => {
    const broken = async (): Promise<Health> => {
      throw new Error('no client yet');
    };
    await withServer({ sdkAddress: undefined, readiness: broken }, async (base) => {
      const ready = await fetch(`${base}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([503, { ok: false, error: 'no client yet' }]);
    });
  });

  it('serves nothing else, and only GET', async () => {
    await withServer({ sdkAddress: undefined }, async (base) => {
      expect((await fetch(`${base}/slack/events`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    });
  });
});
