/**
 * Audio bench: CPU per media-second of the audio analysers on real speech and the rooms one machine
 * sustains. Speech-to-text has its own bench: `npm run bench:stt` (bench/stt.ts).
 *
 *   npm run bench -w agent            # prints JSON and writes bench-results/audio.json
 *
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { initializeLogger } from '@livekit/agents';
import { dispose } from '@livekit/rtc-node';
import { chunks, concat, librivoxClips, scriptedFillerAnswer, silence } from '../../test/fixtures/audio.js';
import { ROOT } from '../../test/fixtures/paths.js';
import { readWav } from '../../test/fixtures/wav.js';
import type { Analyser, AnalyserContext, AudioSample } from '../src/analysers/analyser.js';
import { AudioLevelAnalyser } from '../src/audio/audio-level.js';
import { DeliveryAnalyser } from '../src/audio/delivery.js';
import { FilledPauseDetector } from '../src/audio/filled-pause.js';
import { PitchAnalyser } from '../src/audio/pitch.js';
import { loadSilero, SpeechDetector } from '../src/audio/speech.js';
import { VadAnalyser } from '../src/audio/vad.js';
import { STT_VAD_SETTINGS } from '../src/transcription/transcriber.js';

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
    // Includes the filled-pause detector (listed on its own below, not added twice to the room).
    delivery: await measure(() => drain(new DeliveryAnalyser(), chunks(speech))),
    filledPauseDetector: await measure(async () => {
      const d = new FilledPauseDetector();
      for (let i = 0; i < speech.samples.length; i += 160) d.push(speech.samples.subarray(i, i + 160));
      d.flush();
    }),
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

const result = {
  bench: 'audio',
  at: new Date().toISOString(),
  cpu: await cpu(),
  filledPauses: filledPauses(),
  // Speech-to-text (WER, latency, CPU, the shared recognizer under load): `npm run bench:stt`.
};
const json = `${JSON.stringify(result, null, 2)}\n`;
mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
writeFileSync(join(ROOT, 'bench-results/audio.json'), json);
process.stdout.write(json);
// The realtime STT resamples through rtc-node's native FFI, which keeps the process alive until disposed.
await dispose();
