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
import {
  TRANSCRIPT_SPEAKER_ATTRIBUTES,
  TRANSCRIPTION_ATTRIBUTES,
  TRANSCRIPTION_TOPIC,
} from '@interview-helper/protocol';
import { HESITATIONS } from '../agent/src/transcription/fillers.js';
import { normaliseWords, wordErrors } from '../agent/src/transcription/wer.js';
import { ROOT } from '../test/fixtures/paths.js';
import type { ClientLine } from '../test/replay/match.js';
import { readJson, recipeSchema } from '../test/replay/scenario.js';

export type Role = 'candidate' | 'interviewer';
const ROLES: Role[] = ['candidate', 'interviewer'];
/** The transcript's hesitations, and the sounds a recognizer writes for a filled pause. */
const LEFT_OUT = new Set([...HESITATIONS, 'uhm', 'mm', 'eh', 'oh']);

/** Lower-case words without punctuation and without hesitations. */
const words = (text: string) => normaliseWords(text).filter((w) => !LEFT_OUT.has(w));

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

/** The transcription lines a run's client recorded (`events.jsonl`); none when speech-to-text was off. */
function transcriptionLines(eventsFile: string): ClientLine[] {
  return readFileSync(eventsFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"${TRANSCRIPTION_TOPIC}"`))
    .map((line) => JSON.parse(line) as ClientLine)
    .filter((l) => l.topic === TRANSCRIPTION_TOPIC);
}

/** The final `ok` segments of one role that reached the interviewer, in arrival order. */
export function transcript(lines: ClientLine[], role: Role): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const l of lines) {
    const a = l.attributes ?? {};
    if (l.to !== 'interviewer' || a[TRANSCRIPTION_ATTRIBUTES.FINAL] !== 'true') continue;
    if (a[TRANSCRIPT_SPEAKER_ATTRIBUTES.STATUS] !== 'ok' || a[TRANSCRIPT_SPEAKER_ATTRIBUTES.ROLE] !== role)
      continue;
    const id = a[TRANSCRIPTION_ATTRIBUTES.SEGMENT_ID] ?? '';
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(l.text ?? '');
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
        const lines = existsSync(events) ? transcriptionLines(events) : [];
        if (lines.length === 0) continue;
        for (const role of ROLES) {
          const reference = words(
            recipe[role].flatMap((item) => (item.say ? [item.say] : [])).join(' '),
          ).join(' ');
          if (!reference) continue;
          const segments = transcript(lines, role);
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
