// The example dashboard without a running process: importable as Grafana expects, and asking only for metrics this
// code defines. test/e2e/metrics.test.ts checks the same names against real scrapes, the SDK's temporal_* included.
import { describe, expect, it } from 'vitest';
import { registry } from '../src/metrics.js';
import { dashboardMetricNames, readDashboard } from './support/grafana-dashboard.js';

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's import placeholder for the data source chosen
const PROMETHEUS_INPUT = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };

/** Every series name a registry's metrics expose (a histogram as its _bucket, _sum and _count). */
async function registeredNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

describe('examples/grafana/countersign-dashboard.json', () => {
  const dashboard = readDashboard();

  it('asks Grafana for a Prometheus data source on import, and every panel and query uses it', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.__inputs).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    );
    for (const panel of dashboard.panels) {
      expect(panel.datasource, panel.title).toEqual(PROMETHEUS_INPUT);
      for (const target of panel.targets) expect(target.datasource, panel.title).toEqual(PROMETHEUS_INPUT);
    }
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
  });

  it("queries only Countersign's and the process's metrics as this code registers them", async () => {
    const registered = await registeredNames();
    const ours = dashboardMetricNames(dashboard).filter((name) => !name.startsWith('temporal_'));
    expect(ours.length).toBeGreaterThan(5);
    expect(ours.filter((name) => !registered.has(name))).toEqual([]);
  });

  it('shows every metric Countersign defines', async () => {
    const used = new Set(
      dashboardMetricNames(dashboard).map((name) => name.replace(/_(bucket|sum|count)$/, '')),
    );
    const defined = (await registry.getMetricsAsJSON())
      .map((metric) => metric.name)
      .filter((name) => name.startsWith('countersign_'));
    expect(defined.filter((name) => !used.has(name))).toEqual([]);
  });
});
