/**
 * Audio bench: CPU per media-second of the audio front end (one decode, one Silero pass and one
 * pitch track per participant track) and of the analysers reading it, on real speech, the rooms one machine
 * sustains, and per STT engine the word error rate and latency on the LibriVox clips.
 *
 *   npm run bench -w agent            # prints JSON and writes bench-results/audio.json
 *
 * `OPENAI_API_KEY` (and optionally `STT_BASE_URL`, `STT_MODEL`, `STT_MODE`) adds a remote engine to the STT part.
 * The local engine runs in batch mode as fast as it can, then in batch and realtime mode with the
 * audio paced in real time (as from a microphone), which is what the realtime latency depends on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { initializeLogger } from '@livekit/agents';
import { dispose } from '@livekit/rtc-node';
import { chunks, concat, librivoxClips, scriptedFillerAnswer, silence } from '../../test/fixtures/audio.js';
import { ROOT } from '../../test/fixtures/paths.js';
import { readWav } from '../../test/fixtures/wav.js';
import type { Analyser, AnalyserContext, AudioSample } from '../src/analysers/analyser.js';
import { AudioLevelAnalyser } from '../src/audio/audio-level.js';
import { DeliveryAnalyser } from '../src/audio/delivery.js';
import { FilledPauseDetector } from '../src/audio/filled-pause.js';
import { AudioFrontEnd } from '../src/audio/front-end.js';
import { PitchAnalyser } from '../src/audio/pitch.js';
import { loadSilero } from '../src/audio/speech.js';
import { TurnModel } from '../src/audio/turn-model.js';
import { VadAnalyser } from '../src/audio/vad.js';
import { SessionBus } from '../src/bus/session-bus.js';
import { loadAgentConfig } from '../src/config.js';
import { createSttEngine, LocalSttEngine, type SttEngine } from '../src/transcription/engine.js';
import { sttSegments } from '../src/transcription/segments.js';
import {
  SpeakerTranscriber,
  STT_VAD_SETTINGS,
  type TranscriptSegment,
} from '../src/transcription/transcriber.js';
import { wordErrorRate } from '../src/transcription/wer.js';

// Only the JSON result on stdout (the bench pushes audio faster than real time, which the VAD warns about).
initializeLogger({ pretty: false, level: 'error' });

const ctx: AnalyserContext = {
  sessionId: 'bench',
  track: { participantIdentity: 'c', trackSid: 'TR_bench', media: 'audio' },
  signal: new AbortController().signal,
  now: () => Date.now(),
};

const clips = librivoxClips();
const one = concat(...clips.flatMap((c) => [readWav(c.path), silence(1)]));
const speech = concat(...Array.from({ length: Math.ceil(60 / (one.samples.length / 16000)) }, () => one));
const mediaSeconds = speech.samples.length / speech.sampleRate;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function measure(run: () => Promise<unknown>): Promise<number> {
  await run(); // warm up (model load, JIT)
  const start = cpuMs();
  await run();
  return (cpuMs() - start) / mediaSeconds;
}

async function drain(a: Analyser<'audio'>, samples: AsyncIterable<AudioSample>): Promise<void> {
  for await (const _ of a.analyse(samples, ctx));
}

/** The chunks of `speech` as the session's front end hands them on (decoded once, Silero once, pitch once). */
async function frontEnd(role: 'candidate' | 'interviewer'): Promise<AudioSample[]> {
  const out: AudioSample[] = [];
  const bus = new SessionBus();
  const turns = role === 'candidate' ? new TurnModel({ bus, emit: () => {} }) : undefined;
  await new AudioFrontEnd({
    speaker: { identity: role, role, trackSid: `TR_${role}` },
    bus,
    vad: await loadSilero(),
    pitch: role === 'candidate' ? {} : false,
  }).run(chunks(speech), (s) => out.push(s));
  turns?.close();
  return out;
}

async function* replay(samples: AudioSample[]): AsyncIterable<AudioSample> {
  yield* samples;
}

async function cpu() {
  const analysed = await frontEnd('candidate');
  const perPart = {
    // Once per candidate track: Silero voice activity, the YIN pitch track, the turn model.
    candidateFrontEnd: await measure(() => frontEnd('candidate')),
    // Once per interviewer track: Silero only.
    interviewerFrontEnd: await measure(() => frontEnd('interviewer')),
    // The candidate's analysers, reading the front end's analysis.
    vad: await measure(() => drain(new VadAnalyser(), replay(analysed))),
    pitch: await measure(() => drain(new PitchAnalyser(), replay(analysed))),
    delivery: await measure(() => drain(new DeliveryAnalyser(), replay(analysed))),
    audioLevel: await measure(() => drain(new AudioLevelAnalyser(), replay(analysed))),
    // Per track: speech segments regrouped for speech-to-text (no second VAD).
    sttGrouping: await measure(async () => {
      for await (const _ of sttSegments(replay(analysed)));
    }),
    // For reference: the filled-pause detector on its own (inside delivery, reading the shared pitch).
    filledPauseDetector: await measure(async () => {
      const d = new FilledPauseDetector();
      for (const s of analysed) d.push(s.frame.data, s.analysis?.pitch);
      d.flush();
    }),
  };
  // One room: the candidate's front end and analysers, one interviewer's front end, STT grouping on both.
  const perRoom =
    perPart.candidateFrontEnd +
    perPart.interviewerFrontEnd +
    perPart.vad +
    perPart.pitch +
    perPart.delivery +
    perPart.audioLevel +
    2 * perPart.sttGrouping;
  const cores = availableParallelism();
  const round = (x: number) => Number(x.toFixed(2));
  return {
    mediaSeconds: round(mediaSeconds),
    passesPerRoom: { decode: 2, silero: 2, yinPitch: 1 },
    cpuMsPerMediaSecond: Object.fromEntries(Object.entries(perPart).map(([k, v]) => [k, round(v)])),
    cpuMsPerMediaSecondPerRoom: round(perRoom),
    cores,
    // Rooms whose audio analysis fits in 70 % of every core (the rest for decoding, video, STT).
    roomsAt70PercentCpu: Math.floor((cores * 1000 * 0.7) / perRoom),
    roomsPer2CoreMachine: Math.floor((2 * 1000 * 0.7) / perRoom),
  };
}

/** Filled pauses found where there are none (LibriVox read speech) and where there are four. */
function filledPauses() {
  const count = (pcm: { samples: Int16Array }) => {
    const d = new FilledPauseDetector();
    return d.push(pcm.samples).length + d.flush().length;
  };
  const answer = scriptedFillerAnswer();
  const read = clips.map((c) => readWav(c.path));
  return {
    librivoxSeconds: Number(read.reduce((n, p) => n + p.samples.length / p.sampleRate, 0).toFixed(1)),
    librivoxFalsePositives: read.reduce((n, p) => n + count(p), 0),
    scriptedAnswer: { expected: answer.filledPauses.length, found: count(answer.pcm) },
  };
}

/** Audio chunks delivered in real time, as a microphone would. */
async function* paced(source: ReturnType<typeof chunks>) {
  const t0 = Date.now();
  for await (const c of source) {
    const due = t0 + (c.receivedAt - 1_000_000);
    if (due > Date.now()) await sleep(due - Date.now());
    yield { ...c, receivedAt: Date.now() };
  }
}

async function stt(engine: SttEngine, realTime = false) {
  const vad = await loadSilero(STT_VAD_SETTINGS);
  const pairs: { reference: string; hypothesis: string }[] = [];
  const latencies: number[] = [];
  let failed = 0;
  for (const clip of clips) {
    const got: TranscriptSegment[] = [];
    const t = new SpeakerTranscriber({
      speaker: { identity: 'c', role: 'candidate', trackSid: 'TR' },
      engine,
      vad,
      onSegment: async (s) => {
        got.push(s);
      },
    });
    const audio = chunks(concat(readWav(clip.path), silence(1)));
    await t.run(realTime ? paced(audio) : audio);
    failed += got.filter((s) => s.status === 'failed').length;
    latencies.push(...got.map((s) => s.readyAt - s.closedAt));
    pairs.push({ reference: clip.reference, hypothesis: got.map((s) => s.text).join(' ') });
  }
  latencies.sort((a, b) => a - b);
  const vadHangoverMs = STT_VAD_SETTINGS.minSilenceDuration ?? 0;
  return {
    engine: engine.name,
    audio: realTime ? 'paced in real time' : 'as fast as possible',
    clips: clips.length,
    referenceWords: pairs.reduce((n, p) => n + p.reference.split(' ').length, 0),
    wer: Number(wordErrorRate(pairs).toFixed(3)),
    failedSegments: failed,
    // End of speech → segment ready: the VAD waits `minSilenceDuration` to close a segment, then the engine runs.
    latencyMs: {
      vadHangover: vadHangoverMs,
      engineMedian: latencies[latencies.length >> 1] ?? null,
      engineMax: latencies.at(-1) ?? null,
      endOfSpeechToSegmentMedian: (latencies[latencies.length >> 1] ?? 0) + vadHangoverMs,
    },
    hypotheses: pairs,
  };
}

const python = process.env.STT_PYTHON ?? 'python3';
const engines: [SttEngine, boolean][] = [
  [new LocalSttEngine({ python, language: 'en' }), false],
  [new LocalSttEngine({ python, language: 'en' }), true],
  [new LocalSttEngine({ python, language: 'en', mode: 'realtime' }), true],
];
if (process.env.OPENAI_API_KEY) {
  const remote = createSttEngine(
    loadAgentConfig({ ...process.env, STT_ENGINE: 'openai', STT_LANGUAGE: 'en' }).audio,
  );
  if (remote) engines.push([remote, true]);
}
const result = {
  bench: 'audio',
  at: new Date().toISOString(),
  cpu: await cpu(),
  filledPauses: filledPauses(),
  stt: [] as unknown[],
};
for (const [e, realTime] of engines) {
  result.stt.push(await stt(e, realTime));
  await e.close();
}
const json = `${JSON.stringify(result, null, 2)}\n`;
mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
writeFileSync(join(ROOT, 'bench-results/audio.json'), json);
process.stdout.write(json);
// The realtime STT resamples through rtc-node's native FFI, which keeps the process alive until disposed.
await dispose();
