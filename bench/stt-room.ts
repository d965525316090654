/**
 * Speech-to-text latency at a real client of `lk.transcription`, one room: the replay harness starts the real
 * stack (livekit-server, token server, the agent worker with STT_ENGINE=local, i.e. the shared Whisper recognizer
 * in `realtime` mode) and its independent Go client publishes the candidate's scripted answers (Opus, espeak-ng)
 * while its interviewer seat records every `lk.transcription` text stream with its receive time.
 *
 *   npm run bench:stt-room                        (inside the e2e network namespace; needs root)
 *   BENCH_STT_ROOM_RUNS=3 npm run bench:stt-room
 *   BENCH_STT_ROOM_RESCORE=1 npx tsx bench/stt-room.ts   (evaluate the recorded runs again, no replay)
 *
 * End of speech is known from the script: the item's start on the media timeline plus the position of its last
 * sample above −40 dBFS (espeak-ng's own trailing silence excluded). Latency = receive time of the segment's final
 * (`lk.transcription_final` = true) at the interviewer's client − end of speech, both on the client's clock (t0 is
 * the instant the media started). Writes bench-results/stt-room.json and prints it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  TRANSCRIPT_SPEAKER_ATTRIBUTES,
  TRANSCRIPTION_ATTRIBUTES,
  TRANSCRIPTION_TOPIC,
} from '@interview-helper/protocol';
import { normaliseWords, wordErrorRate, wordErrors } from '../agent/src/transcription/wer.js';
import { espeak } from '../test/fixtures/audio.js';
import { ARTIFACTS_DIR, ROOT } from '../test/fixtures/paths.js';
import { loadScenario } from '../test/replay/load.js';
import type { ClientLine } from '../test/replay/match.js';
import { replay } from '../test/replay/run.js';
import { type Recipe, readJson, recipeSchema } from '../test/replay/scenario.js';

const SCENARIO = join(ROOT, 'bench/stt-room');
/** −40 dBFS: quieter samples at the end of an espeak-ng clip are its trailing silence. */
const SPEECH_LEVEL = Math.round(32768 * 0.01);

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? Number.NaN;
};
const dist = (xs: number[]) =>
  xs.length
    ? {
        n: xs.length,
        p50: Math.round(percentile(xs, 0.5)),
        p95: Math.round(percentile(xs, 0.95)),
        max: Math.round(Math.max(...xs)),
      }
    : { n: 0 };

/** One scripted answer: its words and where its speech starts and ends on the media timeline (ms). */
interface Utterance {
  id: string;
  say: string;
  speechStartMs: number;
  endOfSpeechMs: number;
}

function utterances(recipe: Recipe, timeline: Record<string, { start: number; end: number }>): Utterance[] {
  return recipe.candidate.flatMap((item) => {
    if (!item.id || !item.say) return [];
    const anchor = timeline[item.id];
    if (!anchor) throw new Error(`no timeline entry for ${item.id}`);
    const pcm = espeak(item.say, item.wpm ? { wpm: item.wpm } : {});
    let first = -1;
    let last = 0;
    pcm.samples.forEach((x, i) => {
      if (Math.abs(x) > SPEECH_LEVEL) {
        last = i;
        if (first < 0) first = i;
      }
    });
    const at = (i: number) => anchor.start + (i / pcm.sampleRate) * 1000;
    return [{ id: item.id, say: item.say, speechStartMs: at(first), endOfSpeechMs: at(last + 1) }];
  });
}

/** A final segment of the candidate's track as the interviewer's client received it. */
interface Final {
  t: number;
  text: string;
  segmentId: string;
  status: string;
}

function finals(lines: ClientLine[]): Final[] {
  return lines
    .filter(
      (l) =>
        l.event === 'message' &&
        l.to === 'interviewer' &&
        l.topic === TRANSCRIPTION_TOPIC &&
        l.attributes?.[TRANSCRIPTION_ATTRIBUTES.FINAL] === 'true' &&
        l.attributes?.[TRANSCRIPT_SPEAKER_ATTRIBUTES.ROLE] === 'candidate',
    )
    .map((l) => ({
      t: l.t,
      text: l.text ?? '',
      segmentId: l.attributes?.[TRANSCRIPTION_ATTRIBUTES.SEGMENT_ID] ?? '',
      status: l.attributes?.[TRANSCRIPT_SPEAKER_ATTRIBUTES.STATUS] ?? '',
    }))
    .sort((a, b) => a.t - b.t);
}

/** The agent's `speech-segment` signals (its VAD) at the interviewer's client: when received, and where they end. */
function vadSignals(lines: ClientLine[]): { t: number; endMs: number }[] {
  const t0 = lines.find((l) => l.event === 't0')?.at ?? Number.NaN;
  return lines.flatMap((l) => {
    if (l.event !== 'message' || l.to !== 'interviewer' || !l.text?.includes('"speech-segment"')) return [];
    try {
      const m = JSON.parse(l.text) as { type?: string; kind?: string; range?: { end: number } };
      return m.type === 'signal' && m.kind === 'speech-segment' && m.range
        ? [{ t: l.t, endMs: m.range.end - t0 }]
        : [];
    } catch {
      return [];
    }
  });
}

/** One answer's outcome at the client. */
interface AnswerResult {
  id: string;
  speechSeconds: number;
  endOfSpeechMs: number;
  receivedMs?: number;
  latencyMs?: number;
  status?: string;
  /** The agent's VAD signal of the answer's last speech (its end within 1.5 s of the end of speech) reached the
   * client this long after the end of speech: the audio front end's share of the latency (it includes the VAD's
   * own silence before it ends a segment). */
  vadSignalLatencyMs?: number;
  /** Finals the answer arrived in (the VAD may cut an answer at a pause of 0.8 s or more). */
  segments?: number;
  text?: string;
  wordErrors?: number;
  missing?: boolean;
  reference: string;
}

/** Words that tell answers apart: four letters or more (all words of an answer that has none). */
function keyWords(text: string): Set<string> {
  const words = normaliseWords(text);
  const long = words.filter((w) => w.length >= 4);
  return new Set(long.length ? long : words);
}

/**
 * Gives each final to the answer it transcribes: among the answers whose speech had begun when it arrived, the one
 * sharing the largest share of its words (ties: the earliest answer still without a final, else the latest). Whatever the delay, a final is never counted
 * for the wrong answer because it arrived late. An answer's closing final is the last one given to it; its latency
 * is from the answer's end of speech. A closing final received before the end of speech means the end of the
 * answer produced no final (counted missing).
 */
function match(us: Utterance[], fs: Final[], vad: { t: number; endMs: number }[]): AnswerResult[] {
  const keys = us.map((u) => keyWords(u.say));
  const given = us.map((): Final[] => []);
  for (const f of fs) {
    const words = [...keyWords(f.text)];
    const scores = us.map((u, i) =>
      u.speechStartMs < f.t ? words.filter((w) => keys[i]?.has(w)).length / Math.max(1, words.length) : -1,
    );
    const top = Math.max(...scores);
    const tied = scores.flatMap((x, i) => (x === top && x >= 0 ? [i] : []));
    // ties (a final sharing no word with any answer): the earliest answer still without a final
    const best = tied.find((i) => given[i]?.length === 0) ?? tied.at(-1);
    if (best !== undefined) given[best]?.push(f);
  }
  return us.map((u, i): AnswerResult => {
    const parts = given[i] ?? [];
    const f = parts.at(-1);
    const text = parts.map((x) => x.text).join(' ');
    const signal = vad.find((v) => Math.abs(v.endMs - u.endOfSpeechMs) < 1500);
    const base = {
      id: u.id,
      ...(signal ? { vadSignalLatencyMs: Math.round(signal.t - u.endOfSpeechMs) } : {}),
      speechSeconds: Number(((u.endOfSpeechMs - u.speechStartMs) / 1000).toFixed(2)),
      endOfSpeechMs: Math.round(u.endOfSpeechMs),
      reference: u.say,
    };
    if (!f || f.t <= u.endOfSpeechMs) return { ...base, missing: true, ...(parts.length ? { text } : {}) };
    return {
      ...base,
      receivedMs: Math.round(f.t),
      latencyMs: Math.round(f.t - u.endOfSpeechMs),
      status: f.status,
      segments: parts.length,
      text,
      wordErrors: wordErrors(u.say, text).errors,
    };
  });
}

/** The recognizer's figures from the last stats message the interviewer received, when the agent sends them. */
function lastRecognizerStats(lines: ClientLine[]): unknown {
  for (const l of [...lines].reverse()) {
    if (l.event !== 'message' || l.to !== 'interviewer' || !l.text?.includes('"type":"stats"')) continue;
    try {
      const m = JSON.parse(l.text) as { transcription?: unknown };
      if (m.transcription) return m.transcription;
    } catch {}
  }
  return undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = Number(process.env.BENCH_STT_ROOM_RUNS ?? 2);
  const loadAtStart = loadavg().map((x) => Number(x.toFixed(1)));
  const recipe = readJson(join(SCENARIO, 'scenario.json'), recipeSchema);
  const scenario = await loadScenario(SCENARIO);
  const script = utterances(recipe, scenario.timeline);
  // BENCH_STT_ROOM_RESCORE=1: evaluate the runs recorded under test-artifacts again instead of replaying
  const results = process.env.BENCH_STT_ROOM_RESCORE
    ? Array.from({ length: runs }, (_, i) => ({
        run: i + 1,
        artifacts: join(ARTIFACTS_DIR, 'replay', scenario.name, `run-${i + 1}`),
      }))
    : await replay([SCENARIO], { runs });
  const perRun = results.map((r) => {
    const lines = readFileSync(join(r.artifacts, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as ClientLine);
    return {
      run: r.run,
      artifacts: r.artifacts,
      segments: match(script, finals(lines), vadSignals(lines)),
      transcription: lastRecognizerStats(lines),
    };
  });
  const all = perRun.flatMap((r) => r.segments);
  const latencies = all.flatMap((s) => (s.latencyMs === undefined ? [] : [s.latencyMs]));
  const out = {
    benchmark: 'stt-room',
    at: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadavg().map((x) => Number(x.toFixed(1))),
    },
    setup:
      'one room; livekit-server, token server, agent worker (STT_ENGINE=local, whisper-base, realtime mode) and the Go replay client, loopback in the e2e namespace',
    runs,
    answers: script.length,
    endOfSpeechToFinalAtClientMs: dist(latencies),
    endOfSpeechToVadSignalAtClientMs: dist(
      all.flatMap((s) => (s.vadSignalLatencyMs === undefined ? [] : [s.vadSignalLatencyMs])),
    ),
    missing: all.filter((s) => s.missing).length,
    failed: all.filter((s) => s.status && s.status !== 'ok').length,
    wer: Number(
      wordErrorRate(
        all.flatMap((s) => (s.text === undefined ? [] : [{ reference: s.reference, hypothesis: s.text }])),
      ).toFixed(3),
    ),
    longestSpeechSeconds: Math.max(...all.map((s) => s.speechSeconds)),
    perRun,
  };
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench-results/stt-room.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
  if (latencies.length === 0) {
    console.error(
      'no final segment reached the client: see the agent log of the stack under test-artifacts/',
    );
    process.exit(1);
  }
}
