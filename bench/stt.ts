/**
 * Speech-to-text bench: the local recognizer (faster-whisper base and tiny.en) side by side with the
 * previous engine (PocketSphinx), through the production transcriber (Silero VAD, retries).
 *
 *   npm run bench:stt          # prints JSON and writes bench-results/stt.json (5-15 minutes on 2 cores)
 *
 * 1. Word error rate on Debian's pocketsphinx-testdata LibriVox clips and on scripted espeak-ng interview voices
 *    (4 voices x 10 lines), per engine, plus the recognizer's CPU per second of speech.
 * 2. Latency, one room, audio paced in real time: end of speech (the VAD's end of the segment) → final segment
 *    text ready to publish on `lk.transcription`, in `realtime` mode (chunked decoding at short pauses) and in
 *    `batch` mode, with the recognizer's CPU per second of speech.
 * 3. Four rooms speaking at once against the one shared recognizer: queue depth (polled and the server's own
 *    maximum), segments lost (VAD segment ends without a stored segment), failed segments, latency, RSS.
 * 4. Invented words: non-speech sent straight to the recognizer (no VAD) with the hallucination filters on and
 *    off, and through the VAD-gated transcriber; degraded speech (clipped, 8 kHz) WER.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { initializeLogger } from '@livekit/agents';
import { AudioFrame, dispose } from '@livekit/rtc-node';
import { loadSilero } from '../agent/src/audio/speech.js';
import { LocalRecognizerSTT } from '../agent/src/transcription/engine.js';
import {
  RecognizerService,
  type RecognizerServiceOptions,
  type RecognizerStats,
} from '../agent/src/transcription/recognizer-service.js';
import {
  SpeakerTranscriber,
  STT_VAD_SETTINGS,
  type TranscriptSegment,
} from '../agent/src/transcription/transcriber.js';
import { normaliseWords, wordErrorRate } from '../agent/src/transcription/wer.js';
import { chunks } from '../test/fixtures/audio.js';
import { ROOT } from '../test/fixtures/paths.js';
import type { Pcm16 } from '../test/fixtures/wav.js';
import { conversation, degradedSpeech, interviewSet, librivox, nonSpeech } from './stt-clips.js';

initializeLogger({ pretty: false, level: 'error' });
const loadAtStart = loadavg().map((x) => Number(x.toFixed(1)));

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? Number.NaN;
};
const dist = (xs: number[]) => ({
  n: xs.length,
  p50: Math.round(percentile(xs, 0.5)),
  p95: Math.round(percentile(xs, 0.95)),
  max: Math.round(Math.max(...xs)),
});
const round = (x: number, d = 3) => Number(x.toFixed(d));

/** 20 ms frames in real time, as a microphone sends them. */
async function* paced(pcm: Pcm16) {
  const n = pcm.sampleRate / 50;
  const t0 = Date.now();
  for (let i = 0, k = 1; i + n <= pcm.samples.length; i += n, k++) {
    const at = t0 + k * 20;
    await sleep(Math.max(0, at - Date.now()));
    yield {
      frame: new AudioFrame(pcm.samples.slice(i, i + n), pcm.sampleRate, 1, n),
      receivedAt: Date.now(),
    };
  }
}

const vad = await loadSilero(STT_VAD_SETTINGS);

/** Runs audio through a transcriber; segments, VAD segment ends and discarded segments. */
async function run(stt: LocalRecognizerSTT, pcm: Pcm16, mode: 'batch' | 'realtime', realTime: boolean) {
  const segments: TranscriptSegment[] = [];
  let ends = 0;
  let discarded = 0;
  const t = new SpeakerTranscriber({
    speaker: { identity: 'c', role: 'candidate', trackSid: 'TR' },
    stt,
    mode,
    vad,
    onSegment: async (s) => {
      segments.push(s);
    },
    onBoundary: (b) => {
      if (b.type === 'end') ends++;
    },
    onDiscard: () => {
      discarded++;
    },
  });
  await t.run(realTime ? paced(pcm) : chunks(pcm));
  await sleep(50); // discards are reported asynchronously
  return { segments, ends, discarded };
}

async function service(opts: Partial<RecognizerServiceOptions>) {
  const s = new RecognizerService(opts);
  await s.start();
  return { service: s, stt: new LocalRecognizerSTT({ baseURL: s.baseURL, language: 'en', service: opts }) };
}

const cpuOf = (a: RecognizerStats, b: RecognizerStats) => b.cpuSeconds - a.cpuSeconds;

/** WER of one engine on a set of clips through the transcriber (batch mode, as fast as it goes). */
async function wer(
  stt: LocalRecognizerSTT,
  svc: RecognizerService,
  items: { reference: string; pcm: Pcm16 }[],
) {
  const before = await svc.stats();
  const pairs: { reference: string; hypothesis: string }[] = [];
  let speech = 0;
  let failed = 0;
  for (const item of items) {
    const r = await run(stt, item.pcm, 'batch', false);
    failed += r.segments.filter((s) => s.status === 'failed').length;
    speech += item.pcm.samples.length / item.pcm.sampleRate;
    pairs.push({ reference: item.reference, hypothesis: r.segments.map((s) => s.text).join(' ') });
  }
  const after = await svc.stats();
  const words = pairs.reduce((n, p) => n + normaliseWords(p.reference).length, 0);
  return {
    clips: items.length,
    referenceWords: words,
    wer: round(wordErrorRate(pairs)),
    failedSegments: failed,
    cpuSecondsPerSpeechSecond: round(cpuOf(before, after) / speech),
    worst: pairs
      .map((p) => ({ ...p, wer: round(wordErrorRate([p])) }))
      .sort((a, b) => b.wer - a.wer)
      .slice(0, 3),
  };
}

const engines: { name: string; opts: Partial<RecognizerServiceOptions> }[] = [
  { name: 'whisper-base (int8, beam 5, fit window)', opts: { model: 'whisper-base' } },
  { name: 'whisper-tiny.en (int8, beam 5, fit window)', opts: { model: 'whisper-tiny.en' } },
  { name: 'pocketsphinx 5.1.1 en-us (previous engine)', opts: { backend: 'pocketsphinx' } },
];
const lv = librivox();
const scripted = interviewSet();
const accuracy = [];
// STT_BENCH_SKIP_ACCURACY=1 skips part 1 (the slow side-by-side WER runs).
for (const e of process.env.STT_BENCH_SKIP_ACCURACY ? [] : engines) {
  const { service: svc, stt } = await service(e.opts);
  accuracy.push({
    engine: e.name,
    librivox: await wer(stt, svc, lv),
    espeakInterview: await wer(stt, svc, scripted),
    rssBytes: (await svc.stats()).peakRssBytes,
  });
  await svc.stop();
}

// Latency, CPU, load, hallucinations: the default engine (base).
const { service: svc, stt } = await service({ model: process.env.STT_BENCH_MODEL ?? 'whisper-base' });
const talk = conversation();

async function oneRoom(mode: 'batch' | 'realtime') {
  const before = await svc.stats();
  const r = await run(stt, talk.pcm, mode, true);
  const after = await svc.stats();
  const ok = r.segments.filter((s) => s.status === 'ok');
  return {
    mode,
    segments: r.segments.length,
    vadSegmentEnds: r.ends,
    failed: r.segments.length - ok.length,
    longestSegmentSeconds: round(Math.max(...ok.map((s) => s.end - s.start)) / 1000, 1),
    endOfSpeechToFinalMs: dist(ok.map((s) => s.readyAt - s.end)),
    vadCloseToFinalMs: dist(ok.map((s) => s.readyAt - s.closedAt)),
    cpuSecondsPerSpeechSecond: round(cpuOf(before, after) / talk.speechSeconds),
  };
}
const latency = [await oneRoom('realtime'), await oneRoom('batch')];

async function fourRooms() {
  const before = await svc.stats();
  let maxQueue = 0;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      maxQueue = Math.max(maxQueue, (await svc.stats()).queueDepth);
      await sleep(200);
    }
  })();
  const rooms = await Promise.all(
    [0, 600, 1300, 1900].map(async (offset) => {
      await sleep(offset);
      return run(stt, talk.pcm, 'realtime', true);
    }),
  );
  polling = false;
  await poll;
  const after = await svc.stats();
  const segs = rooms.flatMap((r) => r.segments);
  const ok = segs.filter((s) => s.status === 'ok');
  return {
    rooms: rooms.length,
    vadSegmentEnds: rooms.reduce((n, r) => n + r.ends, 0),
    segments: segs.length,
    discarded: rooms.reduce((n, r) => n + r.discarded, 0),
    lost: rooms.reduce((n, r) => n + r.ends - r.segments.length - r.discarded, 0),
    failed: segs.length - ok.length,
    queueDepthMaxPolled: maxQueue,
    queueDepthMaxServer: after.maxQueueDepthSeen,
    maxQueue: after.maxQueue,
    rejected: after.requests.rejected - before.requests.rejected,
    lowPriorityRefused: (after.requests.lowPriorityRefused ?? 0) - (before.requests.lowPriorityRefused ?? 0),
    endOfSpeechToFinalMs: dist(ok.map((s) => s.readyAt - s.end)),
    cpuSecondsPerSpeechSecond: round(cpuOf(before, after) / (talk.speechSeconds * rooms.length)),
    recognizerRssBytes: after.rssBytes,
    recognizerPeakRssBytes: after.peakRssBytes,
  };
}
const load = await fourRooms();

/** Posts audio straight to a recognizer (no VAD): what it makes of it. */
async function direct(baseURL: string, pcm: Pcm16) {
  const wav = Buffer.alloc(44 + pcm.samples.length * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + pcm.samples.length * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(pcm.sampleRate, 24);
  wav.writeUInt32LE(pcm.sampleRate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(pcm.samples.length * 2, 40);
  Buffer.from(pcm.samples.buffer, pcm.samples.byteOffset, pcm.samples.byteLength).copy(wav, 44);
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(wav)], { type: 'audio/wav' }), 'a.wav');
  form.append('response_format', 'verbose_json');
  const res = await fetch(`${baseURL}/audio/transcriptions`, { method: 'POST', body: form });
  return (await res.json()) as { text: string; dropped?: { text: string }[] };
}

const unfiltered = new RecognizerService({
  model: process.env.STT_BENCH_MODEL ?? 'whisper-base',
  extraArgs: [
    '--no-speech',
    '1.0',
    '--min-logprob',
    '-100',
    '--drop-logprob',
    '-100',
    '--max-compression',
    '1000',
  ],
});
await unfiltered.start();
const hallucination = [];
for (const clip of nonSpeech()) {
  const on = await direct(svc.baseURL, clip.pcm);
  const off = await direct(unfiltered.baseURL, clip.pcm);
  const gated = await run(stt, clip.pcm, 'batch', false);
  hallucination.push({
    clip: clip.name,
    noVadFiltersOff: off.text,
    noVadFiltersOn: on.text,
    droppedByFilters: (on.dropped ?? []).map((d) => d.text),
    vadGatedTranscriber: gated.segments.map((s) => s.text).join(' '),
    inventedWords: normaliseWords(gated.segments.map((s) => s.text).join(' ')).length,
  });
}
await unfiltered.stop();
const degraded = [];
for (const clip of degradedSpeech()) {
  const r = await run(stt, clip.pcm, 'batch', false);
  const hypothesis = r.segments.map((s) => s.text).join(' ');
  degraded.push({
    clip: clip.name,
    hypothesis,
    wer: round(wordErrorRate([{ reference: clip.reference, hypothesis }])),
  });
}
await svc.stop();

const result = {
  bench: 'stt',
  at: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg().map((x) => round(x, 1)),
  },
  note: 'latency = readyAt − the VAD end of speech (includes the 0.8 s VAD hangover); publishing on lk.transcription adds one text-stream write',
  accuracy,
  latencyOneRoom: latency,
  fourRooms: load,
  hallucination,
  degradedSpeech: degraded,
};
const json = `${JSON.stringify(result, null, 2)}\n`;
mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
writeFileSync(join(ROOT, 'bench-results/stt.json'), json);
process.stdout.write(json);
await dispose();
