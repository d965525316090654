/**
 * Audio bench: CPU per media-second of the audio front end (one decode, one Silero pass and one
 * pitch track per participant track) and of the analysers reading it, on real speech, and the rooms
 * one machine sustains. Speech-to-text has its own bench: `npm run bench:stt` (bench/stt.ts).
 *
 *   npm run bench -w agent            # prints JSON and writes bench-results/audio.json
 *
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { initializeLogger } from '@livekit/agents';
import { AudioFrame, dispose } from '@livekit/rtc-node';
import { chunks, concat, librivoxClips, scriptedFillerAnswer, silence } from '../../test/fixtures/audio.js';
import { ROOT } from '../../test/fixtures/paths.js';
import { readWav } from '../../test/fixtures/wav.js';
import type { Analyser, AnalyserContext, AudioSample } from '../src/analysers/analyser.js';
import { AudioLevelAnalyser } from '../src/audio/audio-level.js';
import { DeliveryAnalyser } from '../src/audio/delivery.js';
import { FilledPauseDetector } from '../src/audio/filled-pause.js';
import { AudioFrontEnd } from '../src/audio/front-end.js';
import { PitchAnalyser, PitchTracker } from '../src/audio/pitch.js';
import { defaultSileroVadOptions, SileroStream, sileroSession } from '../src/audio/silero.js';
import { SileroRuns, type SileroRunsOptions } from '../src/audio/silero-runs.js';
import { loadSilero } from '../src/audio/speech.js';
import { TurnModel } from '../src/audio/turn-model.js';
import { VadAnalyser } from '../src/audio/vad.js';
import { SessionBus } from '../src/bus/session-bus.js';
import { sttSegments } from '../src/transcription/segments.js';

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
    // For reference: the YIN pitch track on its own (inside the candidate's front end).
    pitchTrack: await measure(async () => {
      const tracker = new PitchTracker();
      for (let i = 0; i < speech.samples.length; i += 160) tracker.push(speech.samples.subarray(i, i + 160));
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

/**
 * Silero on `mics` live microphones in one process (a room host's rooms), paced in real time in 10 ms frames for
 * `seconds`: CPU per microphone-second with one model run per window against the windows of all streams run
 * together (the default). Each microphone starts at a different point of the speech; `staggered`: their frames
 * come at phases spread over the 32-ms window, as those of different rooms do.
 */
async function sileroLive(mics: number, seconds: number, staggered = false) {
  const session = await sileroSession();
  const frame = 160;
  const frames = Math.floor((seconds * 16000) / frame);
  const run = async (opts: Partial<SileroRunsOptions>) => {
    const runs = new SileroRuns(session, opts);
    const streams = Array.from({ length: mics }, () => new SileroStream(runs, defaultSileroVadOptions));
    const reading = streams.map(async (s) => {
      for await (const _ of s);
    });
    const offsets = streams.map((_, k) => Math.floor((k * speech.samples.length) / mics / frame) * frame);
    const start = cpuMs();
    const t0 = performance.now();
    const push = (s: SileroStream, k: number, i: number) => {
      const at = ((offsets[k] as number) + i * frame) % (speech.samples.length - frame);
      s.pushFrame(new AudioFrame(speech.samples.slice(at, at + frame), 16000, 1, frame));
    };
    if (staggered) {
      // each microphone's frames at its own phase of the 32-ms window, spread evenly (rooms of one host do not
      // share a clock); one timer per microphone, so the pacing costs more than below
      await Promise.all(
        streams.map(async (s, k) => {
          for (let i = 0; i < frames; i++) {
            await sleep(Math.max(0, t0 + (k * 32) / mics + i * 10 - performance.now()));
            push(s, k, i);
          }
        }),
      );
    } else {
      for (let i = 0; i < frames; i++) {
        for (const [k, s] of streams.entries()) push(s, k, i);
        await sleep(Math.max(0, t0 + (i + 1) * 10 - performance.now()));
      }
    }
    const cpu = cpuMs() - start;
    for (const s of streams) s.close();
    await Promise.all(reading);
    const { runs: n, windows } = runs.stats;
    return {
      cpuMsPerMicSecond: Number((cpu / mics / seconds).toFixed(2)),
      windowsPerRun: Number((windows / n).toFixed(2)),
    };
  };
  await run({ maxBatch: 1 }); // warm up
  return { mics, seconds, staggered, oneRunPerWindow: await run({ maxBatch: 1 }), batched: await run({}) };
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
  // Pacing costs the same in both; the difference is the model runs. 2 microphones: one room; 8: a host of four.
  sileroLive: [await sileroLive(2, 10), await sileroLive(8, 10), await sileroLive(8, 10, true)],
  filledPauses: filledPauses(),
  // Speech-to-text (WER, latency, CPU, the shared recognizer under load): `npm run bench:stt`.
};
const json = `${JSON.stringify(result, null, 2)}\n`;
mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
writeFileSync(join(ROOT, 'bench-results/audio.json'), json);
process.stdout.write(json);
// The realtime STT resamples through rtc-node's native FFI, which keeps the process alive until disposed.
await dispose();
