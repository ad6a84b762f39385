// The Grafana dashboard in examples/, as the tests that keep it true to the served metrics read it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './build.js';

export const DASHBOARD_FILE = join(PROJECT_ROOT, 'examples/grafana/countersign-dashboard.json');

export interface Dashboard {
  schemaVersion: number;
  __inputs: Array<{ name: string; type: string; pluginId: string }>;
  panels: Array<{
    id: number;
    title: string;
    datasource: { type: string; uid: string };
    targets: Array<{ expr: string; datasource: { type: string; uid: string } }>;
  }>;
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8'));
}

/** The metric names the dashboard's queries use (ours, the SDK's and the process's). */
export function dashboardMetricNames(dashboard: Dashboard = readDashboard()): string[] {
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
  return [
    ...new Set(
      exprs.flatMap((e) =>
        [...e.matchAll(/\b(?:countersign|temporal|process|nodejs)_\w+/g)].map((m) => m[0]),
      ),
    ),
  ];
}
