// The Kubernetes examples are not run here (no cluster): this keeps them true to the code they deploy — every
// variable they set is one Countersign reads, every command an entry point it builds, every probe a path it serves.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { envSchema, isLoopbackHost } from '../src/config.js';
import { HEALTH_PATH } from '../src/slack/app.js';
import { PROJECT_ROOT } from './support/build.js';

const DIR = join(PROJECT_ROOT, 'examples/kubernetes');

interface Container {
  command: string[];
  env?: Array<{ name: string; value: string }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name: string; containerPort: number }>;
  livenessProbe?: { httpGet: { path: string; port: string } };
  readinessProbe?: { httpGet: { path: string; port: string } };
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: { template?: { spec: { containers: Container[] } } };
}

function manifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
    return doc.toJS() as Manifest;
  });
}

const all = ['config.yaml', 'secret.yaml', 'worker.yaml', 'slack-app.yaml'].flatMap(manifests);
const known = new Set(Object.keys(envSchema.shape));
const configMap = all.find((m) => m.kind === 'ConfigMap');
const containers = all.flatMap((m) => m.spec?.template?.spec.containers ?? []);

describe('examples/kubernetes', () => {
  it('sets only variables Countersign reads', () => {
    const set = [
      ...Object.keys(configMap?.data ?? {}),
      ...all.flatMap((m) => (m.kind === 'Secret' ? Object.keys(m.stringData ?? {}) : [])),
      ...containers.flatMap((c) => (c.env ?? []).map((e) => e.name)),
    ];
    expect(set.length).toBeGreaterThan(5);
    expect(set.filter((name) => !known.has(name))).toEqual([]);
  });

  it('runs the built entry points, each with the shared settings and credentials', () => {
    expect(containers.map((c) => c.command.join(' ')).sort()).toEqual([
      'node dist/main-bot.js',
      'node dist/main-worker.js',
    ]);
    for (const container of containers) {
      const script = container.command[1] ?? '';
      expect(existsSync(join(PROJECT_ROOT, script.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')))).toBe(
        true,
      );
      expect(container.envFrom).toEqual([
        { configMapRef: { name: 'countersign' } },
        { secretRef: { name: 'countersign' } },
      ]);
    }
  });

  it('probes the paths the processes serve, on ports they listen on', () => {
    for (const container of containers) {
      const ports = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
      expect(container.livenessProbe?.httpGet.path).toBe(HEALTH_PATH);
      expect(container.readinessProbe?.httpGet.path).toBe('/readyz');
      for (const probe of [container.livenessProbe, container.readinessProbe]) {
        expect(ports.has(probe?.httpGet.port ?? '')).toBe(true);
      }
      expect(ports.get('metrics')).toBe(Number(configMap?.data?.METRICS_PORT));
      const port = container.env?.find((e) => e.name === 'PORT');
      if (port) expect(ports.get('http')).toBe(Number(port.value));
    }
  });

  it('opens the metrics port to the pod network, where Prometheus and the kubelet’s probes come from', () => {
    // METRICS_HOST's default is loopback: nothing outside the container would reach /metrics or a probe on it.
    const host = configMap?.data?.METRICS_HOST;
    expect(host).toBeDefined();
    expect(isLoopbackHost(host ?? '127.0.0.1')).toBe(false);
    expect(envSchema.shape.METRICS_HOST.safeParse(host).success).toBe(true);
  });
});
