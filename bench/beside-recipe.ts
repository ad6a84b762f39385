// `npm run bench:recipe`: complete cycles per second of Countersign beside the public recipe, on the same machine, in
// one run, on both stores of the dev server: the recipe's harness (../shared/peer, or PEER_HARNESS_DIR) and
// `BENCH_QUICK=cycles` of bench/bench.ts take turns, state file then memory, BENCH_ROUNDS times (default 2), so that the
// machine's drift falls on both alike. Writes bench/beside-recipe.json and prints a table.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const harness = resolve(process.env.PEER_HARNESS_DIR ?? join(root, '..', 'shared', 'peer'));
const peerCache = process.env.PEER_DIR ?? join(process.env.HOME ?? '', '.cache', 'countersign', 'peer');
const rounds = Number(process.env.BENCH_ROUNDS ?? '2');
const STORES = ['file', 'memory'] as const;
type Store = (typeof STORES)[number];

interface Measured {
  cyclesPerSecond: number;
  /** The Temporal dev server's CPU per complete cycle, in ms. */
  serverMsPerCycle: number;
}

function recipe(store: Store): Measured {
  const suffix = store === 'memory' ? '-mem' : '';
  execFileSync('bash', [join(harness, 'run.sh')], {
    cwd: root,
    env: { ...process.env, PHASES: 'cycles', SUFFIX: suffix, DB_MODE: store },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const result = JSON.parse(readFileSync(join(peerCache, 'results', `cycles${suffix}.json`), 'utf8')) as {
    loaded: { cycles_per_s: number; cpu_ms_per_cycle: Record<string, number> };
  };
  return {
    cyclesPerSecond: result.loaded.cycles_per_s,
    serverMsPerCycle: result.loaded.cpu_ms_per_cycle.server ?? Number.NaN,
  };
}

function countersign(store: Store): Measured {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'bench.ts')], {
    cwd: root,
    env: { ...process.env, BENCH_QUICK: 'cycles', BENCH_STATE: store },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const line = out
    .trim()
    .split('\n')
    .findLast((l) => l.startsWith('{"count"'));
  if (!line) throw new Error(`bench.ts printed no cycles:\n${out}`);
  const cycles = JSON.parse(line) as { perSecond: number; cpuPercentOfOneCore: { temporalServer: number } };
  return {
    cyclesPerSecond: cycles.perSecond,
    // A share of a core over the cycles' wall time, per cycle.
    serverMsPerCycle: Math.round((cycles.cpuPercentOfOneCore.temporalServer * 10) / cycles.perSecond),
  };
}

const runs: Array<{ round: number; store: Store; recipe: Measured; countersign: Measured }> = [];
const startedAt = new Date().toISOString();
for (let round = 1; round <= rounds; round += 1) {
  for (const store of STORES) {
    runs.push({ round, store, recipe: recipe(store), countersign: countersign(store) });
  }
}

const cell = (m: Measured) => `${m.cyclesPerSecond} (${Math.round(m.serverMsPerCycle)} ms)`;
const lines = [
  `| cycles per second (server CPU per cycle) | the public recipe | Countersign |`,
  '| --- | --- | --- |',
  ...STORES.map((store) => {
    const of = runs.filter((r) => r.store === store);
    return `| dev server ${store === 'file' ? 'with a state file' : 'in memory'} | ${of.map((r) => cell(r.recipe)).join(', ')} | ${of.map((r) => cell(r.countersign)).join(', ')} |`;
  }),
];
console.log(lines.join('\n'));
writeFileSync(
  join(root, 'bench', 'beside-recipe.json'),
  `${JSON.stringify({ startedAt, finishedAt: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model, runs }, null, 2)}\n`,
);
