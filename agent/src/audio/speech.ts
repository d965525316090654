import { VADEventType } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import type { SpeechEvent } from '../analysers/audio-analysis.js';
import { ANALYSIS_RATE, MonoResampler } from './pcm.js';
import {
  SileroVad,
  type SileroVadOptions,
  type VoiceActivityEvent,
  type VoiceActivityModel,
  type VoiceActivityStream,
  WindowChunker,
} from './silero.js';

/** Silero settings shared by every speech detector of the process. */
export type SileroSettings = SileroVadOptions;

/** The Silero model with these settings (its one session per process is loaded by the first call). */
export function loadSilero(settings: Partial<SileroSettings> = {}): Promise<VoiceActivityModel> {
  return SileroVad.load(settings);
}

export type { SpeechEvent } from '../analysers/audio-analysis.js';

/** Audio kept for cutting segments (Silero's own buffer holds at most 60 s of speech). */
export const HISTORY_SECONDS = 65;
/** Audio added before and after a segment's detected bounds, so STT hears the onsets and ends. */
const PAD_BEFORE_MS = 300;
const PAD_AFTER_MS = 200;

/**
 * The recent 16 kHz mono audio of a stream, by sample index. Segments are cut from here rather
 * than from the VAD event, whose prefix padding (in the plugin version we use) is zeros.
 */
export class AudioHistory {
  #chunks: { at: number; data: Int16Array }[] = [];
  #samples = 0;
  #max: number;

  constructor(maxSamples: number) {
    this.#max = maxSamples;
  }

  push(at: number, data: Int16Array): void {
    this.#chunks.push({ at, data });
    this.#samples += data.length;
    while (this.#samples - (this.#chunks[0]?.data.length ?? 0) > this.#max) {
      this.#samples -= (this.#chunks.shift() as { data: Int16Array }).data.length;
    }
  }

  /** The audio between two times (ms since the first sample), padded; undefined when gone. */
  slice(startMs: number, endMs: number): AudioFrame | undefined {
    const from = Math.max(0, Math.floor(((startMs - PAD_BEFORE_MS) * ANALYSIS_RATE) / 1000));
    const to = Math.ceil(((endMs + PAD_AFTER_MS) * ANALYSIS_RATE) / 1000);
    const first = this.#chunks[0];
    if (!first || to <= from) return undefined;
    const start = Math.max(from, first.at);
    const out = new Int16Array(Math.max(0, to - start));
    let filled = 0;
    for (const c of this.#chunks) {
      if (c.at + c.data.length <= start || c.at >= to) continue;
      const a = Math.max(start, c.at) - c.at;
      const b = Math.min(to, c.at + c.data.length) - c.at;
      out.set(c.data.subarray(a, b), c.at + a - start);
      filled = Math.max(filled, c.at + b - start);
    }
    return filled > 0 ? new AudioFrame(out.subarray(0, filled), ANALYSIS_RATE, 1, filled) : undefined;
  }
}

/** Silence pushed after the input ends so the VAD closes a trailing segment. */
const TAIL_SECONDS = 1.2;

/**
 * Audio whose voice activity a {@link SpeechDetector} skipped to catch up (ms of audio since the first sample):
 * neither speech nor silence is known there.
 */
export interface VoiceActivitySkip {
  type: 'skipped';
  fromMs: number;
  toMs: number;
}

/** What a {@link SpeechDetector} yields: speech events, and the stretches it skipped. */
export type DetectorEvent = SpeechEvent | VoiceActivitySkip;

/** Options of {@link SpeechDetector}. */
export interface SpeechDetectorOptions {
  /**
   * How long audio given to Silero may wait for its result before the detector skips what waits and goes on
   * with the newest audio (in a fresh stream), ms. `Infinity`: never skip (files, benches: audio that is not
   * live may wait).
   */
  maxBacklogMs: number;
  /** Wall clock (tests). */
  now: () => number;
}

/** Defaults of {@link SpeechDetectorOptions}. */
export const defaultSpeechDetectorOptions: SpeechDetectorOptions = {
  maxBacklogMs: Number.POSITIVE_INFINITY,
  now: () => performance.now(),
};

/**
 * Runs Silero voice activity detection over a stream of audio frames (any rate, any channel
 * count) and turns the VAD's events into speech segments in audio time. `run` yields events until
 * the frames end; a segment still open at the end is closed at the last real sample.
 *
 * Live audio may not wait for Silero without bound: when the oldest window given to it has waited
 * `maxBacklogMs` for its result (inference slower than real time, the process starved), everything
 * waiting is skipped at once: an open segment ends where the results stopped, a `skipped` event names
 * the stretch, and a fresh Silero stream goes on from the newest audio. So voice activity stays about
 * the present instead of falling ever further behind.
 */
export class SpeechDetector {
  #vad: VoiceActivityModel;
  #o: SpeechDetectorOptions;

  constructor(vad: VoiceActivityModel, opts: Partial<SpeechDetectorOptions> = {}) {
    this.#vad = vad;
    this.#o = { ...defaultSpeechDetectorOptions, ...opts };
  }

  async *run(frames: AsyncIterable<AudioFrame>): AsyncGenerator<DetectorEvent> {
    const { maxBacklogMs, now } = this.#o;
    /** One Silero stream: its first sample's index in the input, and its events. */
    interface Part {
      stream: VoiceActivityStream;
      offset: number;
      events: AsyncIterator<VoiceActivityEvent>;
    }
    const open = (offset: number): Part => {
      const stream = this.#vad.stream();
      return { stream, offset, events: stream[Symbol.asyncIterator]() };
    };
    let part = open(0);
    const resampler = new MonoResampler();
    let pushed = 0;
    /** Samples given to Silero (whole windows), and how far its results have come, in input samples. */
    let fed = 0;
    let inferred = 0;
    /** When each window waiting for its result was given to Silero (its end, in input samples). */
    const waiting: { end: number; at: number }[] = [];
    const skips: VoiceActivitySkip[] = [];
    const history = new AudioHistory(HISTORY_SECONDS * ANALYSIS_RATE);
    let ended = false;
    let failed: unknown;
    let wake: (() => void) | undefined;
    const windows = new WindowChunker();
    const ms = (samples: number) => (samples / ANALYSIS_RATE) * 1000;
    const skipWaiting = () => {
      skips.push({ type: 'skipped', fromMs: ms(inferred), toMs: ms(fed) });
      closeStream(part.stream);
      part = open(fed);
      inferred = fed;
      waiting.length = 0;
      wake?.();
    };
    const feed = (async () => {
      try {
        for await (const frame of frames) {
          for (const f of resampler.push(frame)) {
            for (const w of windows.push(f)) {
              const first = waiting[0];
              if (first && now() - first.at > maxBacklogMs) skipWaiting();
              part.stream.pushFrame(w);
              fed += w.samplesPerChannel;
              if (Number.isFinite(maxBacklogMs)) waiting.push({ end: fed, at: now() });
            }
            history.push(pushed, f.data);
            pushed += f.samplesPerChannel;
          }
        }
      } catch (err) {
        failed = err;
      } finally {
        ended = true;
        resampler.close();
        wake?.();
      }
    })();
    let speechStart = -1;
    /** The pending read of a stream's next event. */
    let pending: { part: Part; promise: Promise<IteratorResult<VoiceActivityEvent>> } | undefined;
    const next = () => ({ part, promise: part.events.next() });
    const convert = (from: Part, e: VoiceActivityEvent, endMs: number) => {
      const index = from.offset + e.samplesIndex;
      if (e.type === VADEventType.INFERENCE_DONE && index > inferred) {
        inferred = index;
        while (waiting.length > 0 && (waiting[0] as { end: number }).end <= index) waiting.shift();
      }
      const out = this.#convert(e, from.offset, speechStart, endMs, history);
      if (out?.type === 'start') speechStart = out.atMs;
      if (out?.type === 'end') speechStart = -1;
      return out;
    };
    /** The skips so far, each after the end of the segment it cuts. */
    function* skipped(): Generator<DetectorEvent> {
      for (const s of skips.splice(0)) {
        if (speechStart >= 0) {
          const end = Math.max(speechStart, s.fromMs);
          yield { type: 'end', startMs: speechStart, endMs: end, audio: history.slice(speechStart, end) };
          speechStart = -1;
        }
        yield s;
      }
    }
    try {
      while (true) {
        // Wait for the next VAD event, a skip or the end of the input, whichever comes first.
        if (pending && pending.part !== part) pending = undefined; // a skipped stream's: its results no longer count
        pending ??= next();
        const from = pending;
        const stop = new Promise<'wake'>((resolve) => {
          wake = () => resolve('wake');
          if (ended || skips.length > 0) resolve('wake');
        });
        const got = await Promise.race([from.promise, stop]);
        if (got !== 'wake') {
          pending = undefined;
          if (from.part === part) {
            if (got.done) return;
            const out = convert(from.part, got.value, Number.POSITIVE_INFINITY);
            if (out) yield out;
          }
        }
        if (skips.length > 0) yield* skipped();
        else if (got === 'wake' && ended) break;
      }
      await feed;
      if (failed) throw failed;
      yield* skipped();
      // Trailing silence makes the VAD close an open segment; read up to the last real sample.
      const last = pushed;
      const tail = Math.round(TAIL_SECONDS * ANALYSIS_RATE);
      const rest = windows.flush();
      if (rest) part.stream.pushFrame(rest);
      const chunk = ANALYSIS_RATE / 100;
      for (let i = 0; i < tail; i += chunk)
        part.stream.pushFrame(new AudioFrame(new Int16Array(chunk), ANALYSIS_RATE, 1, chunk));
      const endMs = ms(last);
      if (pending && pending.part !== part) pending = undefined;
      while (true) {
        const from = pending ?? next();
        pending = undefined;
        const got = await from.promise;
        if (got.done) break;
        const e = got.value;
        const out = convert(from.part, e, endMs);
        if (out) yield out;
        if (from.part.offset + e.samplesIndex >= last + tail - 1024) break;
      }
      if (speechStart >= 0)
        yield { type: 'end', startMs: speechStart, endMs, audio: history.slice(speechStart, endMs) };
    } finally {
      wake = undefined;
      closeStream(part.stream);
    }
  }

  /** Maps one VAD event to a speech event; nothing past `endMs` (the trailing silence) counts. */
  #convert(
    e: VoiceActivityEvent,
    offset: number,
    openStart: number,
    endMs: number,
    history: AudioHistory,
  ): SpeechEvent | undefined {
    const atMs = ((offset + e.samplesIndex) / ANALYSIS_RATE) * 1000;
    if (e.type === VADEventType.START_OF_SPEECH && atMs <= endMs) {
      return { type: 'start', atMs: Math.max((offset / ANALYSIS_RATE) * 1000, atMs - e.speechDuration) };
    }
    if (e.type === VADEventType.END_OF_SPEECH && openStart >= 0) {
      const end = Math.min(endMs, Math.max(openStart, atMs - e.silenceDuration));
      return { type: 'end', startMs: openStart, endMs: end, audio: history.slice(openStart, end) };
    }
    if (e.type === VADEventType.INFERENCE_DONE && atMs <= endMs) {
      return { type: 'tick', atMs, speaking: e.speaking, probability: e.probability };
    }
    return undefined;
  }
}

function closeStream(stream: VoiceActivityStream): void {
  try {
    stream.close();
  } catch {
    // already closed
  }
}
