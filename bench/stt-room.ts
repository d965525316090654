/**
 * Speech-to-text latency at a real client of `lk.transcription`, one room: the replay harness starts the real
 * stack (livekit-server, token server, the agent worker with STT_ENGINE=local, i.e. the shared Whisper recognizer
 * in `realtime` mode) and its independent Go client publishes the candidate's scripted answers (Opus, espeak-ng)
 * while its interviewer seat records every `lk.transcription` text stream with its receive time.
 *
 *   npm run bench:stt-room                        (inside the e2e network namespace; needs root)
 *   BENCH_STT_ROOM_RUNS=3 npm run bench:stt-room
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
import { ROOT } from '../test/fixtures/paths.js';
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

/**
 * The final that closes each answer: among the finals received after its end of speech and before the next
 * answer's end of speech, the first whose words include the answer's last word (else the first one). A final
 * received before the end of speech is an earlier part of the answer the VAD cut off at a pause.
 */
/** One answer's outcome at the client. */
interface AnswerResult {
  id: string;
  speechSeconds: number;
  endOfSpeechMs: number;
  receivedMs?: number;
  latencyMs?: number;
  status?: string;
  matchedByText?: boolean;
  segments?: number;
  text?: string;
  wordErrors?: number;
  missing?: boolean;
  reference: string;
}

function match(us: Utterance[], fs: Final[]): AnswerResult[] {
  return us.map((u, i): AnswerResult => {
    const until = us[i + 1]?.endOfSpeechMs ?? Number.POSITIVE_INFINITY;
    const inWindow = fs.filter((f) => f.t > u.endOfSpeechMs && f.t < until);
    const lastWord = normaliseWords(u.say).at(-1) ?? '';
    const byText = inWindow.find((f) => normaliseWords(f.text).includes(lastWord));
    const f = byText ?? inWindow[0];
    // the answer's text: every final received from its start of speech up to the closing one
    const parts = f ? fs.filter((x) => x.t > u.speechStartMs && x.t <= f.t) : [];
    const text = parts.map((x) => x.text).join(' ');
    return {
      id: u.id,
      speechSeconds: Number(((u.endOfSpeechMs - u.speechStartMs) / 1000).toFixed(2)),
      endOfSpeechMs: Math.round(u.endOfSpeechMs),
      ...(f
        ? {
            receivedMs: Math.round(f.t),
            latencyMs: Math.round(f.t - u.endOfSpeechMs),
            status: f.status,
            matchedByText: byText !== undefined,
            segments: parts.length,
            text,
            wordErrors: wordErrors(u.say, text).errors,
          }
        : { missing: true }),
      reference: u.say,
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
  const results = await replay([SCENARIO], { runs });
  const perRun = results.map((r) => {
    const lines = readFileSync(join(r.artifacts, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as ClientLine);
    return {
      run: r.run,
      artifacts: r.artifacts,
      segments: match(script, finals(lines)),
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
