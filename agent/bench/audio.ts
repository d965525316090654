/**
 * Audio bench: CPU per media-second of the audio analysers on real speech, the rooms one machine
 * sustains, and per STT engine the word error rate and latency on the LibriVox clips.
 *
 *   npm run bench -w agent            # prints JSON and writes bench-results/audio.json
 *
 * `OPENAI_API_KEY` (and optionally `STT_BASE_URL`, `STT_MODEL`) adds a remote engine to the STT part.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { initializeLogger } from '@livekit/agents';
import { chunks, concat, librivoxClips, silence } from '../../test/fixtures/audio.js';
import { ROOT } from '../../test/fixtures/paths.js';
import { readWav } from '../../test/fixtures/wav.js';
import type { Analyser, AnalyserContext, AudioSample } from '../src/analysers/analyser.js';
import { AudioLevelAnalyser } from '../src/audio/audio-level.js';
import { DeliveryAnalyser } from '../src/audio/delivery.js';
import { PitchAnalyser } from '../src/audio/pitch.js';
import { loadSilero, SpeechDetector } from '../src/audio/speech.js';
import { VadAnalyser } from '../src/audio/vad.js';
import { LocalSttEngine, OpenAiSttEngine, type SttEngine } from '../src/transcription/engine.js';
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

async function cpu() {
  const sttVad = await loadSilero(STT_VAD_SETTINGS);
  const perAnalyser = {
    vad: await measure(() => drain(new VadAnalyser(), chunks(speech))),
    pitch: await measure(() => drain(new PitchAnalyser(), chunks(speech))),
    delivery: await measure(() => drain(new DeliveryAnalyser(), chunks(speech))),
    audioLevel: await measure(() => drain(new AudioLevelAnalyser(), chunks(speech))),
    sttSegmenter: await measure(async () => {
      for await (const _ of new SpeechDetector(sttVad).run(
        (async function* () {
          for await (const c of chunks(speech)) yield c.frame;
        })(),
      ));
    }),
  };
  // One room: the candidate's analysers, plus the STT segmenter on the candidate and one interviewer.
  const perRoom =
    perAnalyser.vad +
    perAnalyser.pitch +
    perAnalyser.delivery +
    perAnalyser.audioLevel +
    2 * perAnalyser.sttSegmenter;
  const cores = availableParallelism();
  const round = (x: number) => Number(x.toFixed(2));
  return {
    mediaSeconds: round(mediaSeconds),
    cpuMsPerMediaSecond: Object.fromEntries(Object.entries(perAnalyser).map(([k, v]) => [k, round(v)])),
    cpuMsPerMediaSecondPerRoom: round(perRoom),
    cores,
    // Rooms whose audio analysis fits in 70 % of every core (the rest for decoding, video, STT).
    roomsAt70PercentCpu: Math.floor((cores * 1000 * 0.7) / perRoom),
    roomsPer2CoreMachine: Math.floor((2 * 1000 * 0.7) / perRoom),
  };
}

async function stt(engine: SttEngine) {
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
    await t.run(chunks(concat(readWav(clip.path), silence(1))));
    failed += got.filter((s) => s.status === 'failed').length;
    latencies.push(...got.map((s) => s.readyAt - s.closedAt));
    pairs.push({ reference: clip.reference, hypothesis: got.map((s) => s.text).join(' ') });
  }
  latencies.sort((a, b) => a - b);
  const vadHangoverMs = STT_VAD_SETTINGS.minSilenceDuration ?? 0;
  return {
    engine: engine.name,
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

const engines: SttEngine[] = [
  new LocalSttEngine({ python: process.env.STT_PYTHON ?? 'python3', language: 'en' }),
];
if (process.env.OPENAI_API_KEY)
  engines.push(
    new OpenAiSttEngine({
      baseURL: process.env.STT_BASE_URL,
      model: process.env.STT_MODEL ?? 'whisper-1',
      language: 'en',
      apiKey: process.env.OPENAI_API_KEY,
    }),
  );
const result = { bench: 'audio', at: new Date().toISOString(), cpu: await cpu(), stt: [] as unknown[] };
for (const e of engines) {
  result.stt.push(await stt(e));
  await e.close();
}
const json = `${JSON.stringify(result, null, 2)}\n`;
mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
writeFileSync(join(ROOT, 'bench-results/audio.json'), json);
process.stdout.write(json);
