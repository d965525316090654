/**
 * Word error rate of the transcripts in recorded replay runs: what reached the interviewer on `lk.transcription`
 * (final segments stored `ok`, one per segment id, in arrival order) against the lines the scenario's recipe speaks,
 * per speaker role.
 *
 *   npm run bench:replay-wer -- [replay artifact dirs …] [--out file.json]
 *
 * Each directory is a `test-artifacts/replay` (default) or a copy of one: `<scenario>/run-<n>/events.jsonl`. Runs
 * of a scenario without spoken lines, or whose role spoke nothing, are left out. Filled pauses ("um", "uh") are not
 * in the reference, and the recognizer may write or drop them: they are left out of both sides. Prints one line per
 * run and the totals, and writes them as JSON with `--out`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { normaliseWords, wordErrors } from '../agent/src/transcription/wer.js';
import { ROOT } from '../test/fixtures/paths.js';
import { readJson, recipeSchema } from '../test/replay/scenario.js';

export type Role = 'candidate' | 'interviewer';
const ROLES: Role[] = ['candidate', 'interviewer'];
const HESITATIONS = new Set(['um', 'uh', 'umm', 'uhm', 'hmm', 'mm', 'er', 'ah', 'eh', 'oh']);

/** Lower-case words without punctuation and without hesitations. */
const words = (text: string) => normaliseWords(text).filter((w) => !HESITATIONS.has(w));

/** The word error rate of one role in one recorded run. */
export interface RunWer {
  scenario: string;
  run: string;
  role: Role;
  words: number;
  errors: number;
  wer: number;
  segments: number;
}

/** The final `ok` segments of one role that reached the interviewer, in arrival order. */
export function transcript(eventsFile: string, role: Role): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of readFileSync(eventsFile, 'utf8').split('\n')) {
    if (!line.includes('"lk.transcription"')) continue;
    const e = JSON.parse(line) as {
      topic?: string;
      to?: string;
      text?: string;
      attributes?: Record<string, string>;
    };
    const a = e.attributes ?? {};
    if (e.topic !== 'lk.transcription' || e.to !== 'interviewer') continue;
    if (a['lk.transcription_final'] !== 'true' || a['interview-helper.segment-status'] !== 'ok') continue;
    if (a['interview-helper.speaker-role'] !== role) continue;
    const id = a['lk.segment_id'] ?? '';
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(e.text ?? '');
  }
  return out;
}

/** Every recorded run under `dirs` (replay artifact roots) with speech-to-text on, per role. */
export function measure(dirs: string[]): RunWer[] {
  const results: RunWer[] = [];
  for (const dir of dirs) {
    for (const scenario of readdirSync(dir).sort()) {
      const recipeFile = join(ROOT, 'test/replay/scenarios', scenario, 'scenario.json');
      if (!existsSync(recipeFile)) continue;
      const recipe = readJson(recipeFile, recipeSchema);
      for (const run of readdirSync(join(dir, scenario)).sort()) {
        const events = join(dir, scenario, run, 'events.jsonl');
        // a run with speech-to-text off has no transcript at all
        if (!existsSync(events) || !readFileSync(events, 'utf8').includes('"lk.transcription"')) continue;
        for (const role of ROLES) {
          const reference = words(
            recipe[role].flatMap((item) => (item.say ? [item.say] : [])).join(' '),
          ).join(' ');
          if (!reference) continue;
          const segments = transcript(events, role);
          const hypothesis = words(segments.join(' ')).join(' ');
          const e = wordErrors(reference, hypothesis);
          results.push({
            scenario,
            run,
            role,
            words: e.words,
            errors: e.errors,
            wer: Number((e.errors / e.words).toFixed(4)),
            segments: segments.length,
          });
        }
      }
    }
  }
  return results;
}

/** Totals over `runs`, of one role or both. */
export function totalOf(runs: RunWer[], role?: Role) {
  const of = runs.filter((r) => role === undefined || r.role === role);
  const w = of.reduce((n, r) => n + r.words, 0);
  const e = of.reduce((n, r) => n + r.errors, 0);
  return { runs: of.length, words: w, errors: e, wer: w === 0 ? 0 : Number((e / w).toFixed(4)) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ options: { out: { type: 'string' } }, allowPositionals: true });
  const runs = measure(positionals.length > 0 ? positionals : [join(ROOT, 'test-artifacts/replay')]);
  for (const r of runs)
    console.log(
      `${r.scenario}/${r.run} ${r.role}: ${r.errors}/${r.words} words wrong (${(100 * r.wer).toFixed(1)} %), ${r.segments} segments`,
    );
  const totals = {
    all: totalOf(runs),
    candidate: totalOf(runs, 'candidate'),
    interviewer: totalOf(runs, 'interviewer'),
  };
  console.log(
    `total: ${totals.all.errors}/${totals.all.words} words wrong (${(100 * totals.all.wer).toFixed(1)} %)`,
  );
  if (values.out) writeFileSync(values.out, `${JSON.stringify({ runs, totals }, null, 2)}\n`);
}
