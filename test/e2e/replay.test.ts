import { describe, expect, it } from 'vitest';
import { suiteScenarios } from '../replay/bench.js';
import { formatTable } from '../replay/match.js';
import { replay, type ScenarioRun } from '../replay/run.js';

/**
 * Every shipped replay scenario (but those marked `benchOnly`), played once through one real stack by the independent Go client: each expected
 * signal, transcript and hint must arrive inside its window, nothing forbidden may arrive, and no hint of an
 * expected kind may arrive outside its window (see test/replay and docs/replay.md).
 */
describe('replay scenarios through the real stack', () => {
  it('every shipped scenario passes', async () => {
    const dirs = suiteScenarios();
    expect(dirs.length).toBeGreaterThanOrEqual(4);
    const runs: ScenarioRun[] = await replay(dirs, { onRun: (r) => console.log(formatTable(r.scenario, r)) });
    const failed = runs.filter((r) => !r.pass).map((r) => formatTable(r.scenario, r));
    expect(runs).toHaveLength(dirs.length);
    expect(failed, failed.join('\n\n')).toEqual([]);
  }, 900_000);
});
