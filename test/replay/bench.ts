/**
 * Benchmark: every shipped replay scenario played N times through one real stack (livekit-server, token server,
 * agent worker with the local recognizer) by the independent Go client.
 *
 *   npm run bench:replay                       (inside the e2e network namespace; needs root)
 *   BENCH_REPLAY_RUNS=5 npm run bench:replay -- [scenario dir...]
 *   BENCH_REPLAY_RESCORE=1 npx tsx test/replay/bench.ts   (evaluate the recorded runs again, no replay)
 *
 * Reports per expected event the trigger→arrival latency (p50/p95/max over the runs that received it) and how often
 * it landed in its window, and over all runs: hints delivered outside their validity window and expected hints held
 * back while a less urgent hint was delivered. Writes bench-results/replay.json and prints it.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../fixtures/paths.js';
import { loadScenario } from './load.js';
import { formatTable } from './match.js';
import { replay, rescore, type ScenarioRun } from './run.js';
import { readJson, recipeSchema } from './scenario.js';

/** The scenarios shipped with the repository. */
export const SCENARIOS_DIR = join(ROOT, 'test/replay/scenarios');
export const shippedScenarios = () =>
  readdirSync(SCENARIOS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(SCENARIOS_DIR, d.name))
    .sort();

/** The shipped scenarios the test suite plays (all but those marked `benchOnly`). */
export const suiteScenarios = () =>
  shippedScenarios().filter((dir) => !readJson(join(dir, 'scenario.json'), recipeSchema).benchOnly);

function percentile(xs: number[], p: number): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] as number;
}

/** Per-scenario, per-expected-event summary of several runs. */
export function summarise(runs: ScenarioRun[]) {
  const byScenario = new Map<string, ScenarioRun[]>();
  for (const r of runs) byScenario.set(r.scenario, [...(byScenario.get(r.scenario) ?? []), r]);
  return [...byScenario].map(([scenario, rs]) => ({
    scenario,
    runs: rs.length,
    passed: rs.filter((r) => r.pass).length,
    events: (rs[0]?.events ?? []).map((e, i) => {
      const all = rs.map((r) => r.events[i]).filter((x) => x !== undefined);
      const latencies = all.flatMap((x) => (x.latencyMs === undefined ? [] : [x.latencyMs]));
      return {
        name: e.name,
        type: e.type,
        ...(e.kind ? { kind: e.kind } : {}),
        windowMs: [e.window.fromMs, e.window.toMs],
        inWindow: all.filter((x) => x.verdict === 'pass').length,
        verdicts: all.map((x) => x.verdict),
        latencyMs: {
          n: latencies.length,
          p50: percentile(latencies, 0.5),
          p95: percentile(latencies, 0.95),
          max: latencies.length ? Math.max(...latencies) : null,
        },
      };
    }),
    hintsOutsideWindow: rs.flatMap((r) => r.outsideWindow.map((o) => ({ run: r.run, ...o }))),
    heldBehindLowerPriority: rs.flatMap((r) =>
      r.events.flatMap((e) =>
        e.heldBehind?.length ? [{ run: r.run, hint: e.name, behind: e.heldBehind }] : [],
      ),
    ),
    forbidden: rs.flatMap((r) => r.forbidden.map((f) => ({ run: r.run, ...f }))),
  }));
}

async function rescoreAll(
  dirs: string[],
  runs: number,
  print: (r: ScenarioRun) => void,
): Promise<ScenarioRun[]> {
  const out: ScenarioRun[] = [];
  for (const dir of dirs) {
    const scenario = await loadScenario(dir);
    for (let run = 1; run <= runs; run++) {
      const r = rescore(scenario, run);
      print(r);
      out.push(r);
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = Number(process.env.BENCH_REPLAY_RUNS ?? 5);
  const dirs = process.argv.slice(2).length ? process.argv.slice(2) : shippedScenarios();
  const print = (r: ScenarioRun) =>
    console.log(`\n${formatTable(`${r.scenario} (run ${r.run}/${runs})`, r)}`);
  // BENCH_REPLAY_RESCORE=1: evaluate the runs recorded under test-artifacts again instead of replaying
  const results = process.env.BENCH_REPLAY_RESCORE
    ? await rescoreAll(dirs, runs, print)
    : await replay(dirs, { runs, onRun: print });
  const scenarios = summarise(results);
  const out = {
    benchmark: 'replay',
    at: new Date().toISOString(),
    machine: { cpus: 2 },
    runsPerScenario: runs,
    totals: {
      runs: results.length,
      passed: results.filter((r) => r.pass).length,
      hintsOutsideWindow: scenarios.reduce((n, s) => n + s.hintsOutsideWindow.length, 0),
      heldBehindLowerPriority: scenarios.reduce((n, s) => n + s.heldBehindLowerPriority.length, 0),
    },
    scenarios,
  };
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench-results/replay.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
}
