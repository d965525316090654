import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { VADEventType } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import * as ort from 'onnxruntime-node';
import { ANALYSIS_RATE } from './pcm.js';
import { SILERO_INPUT, SILERO_STATE, SileroRuns } from './silero-runs.js';

/** One step of voice activity: the fields of the framework's `VADEvent` the speech detector reads. */
export interface VoiceActivityEvent {
  type: VADEventType;
  /** Samples scored so far in the stream (the end of the window this event is about). */
  samplesIndex: number;
  /** Speech so far in the current segment, ms (on `START_OF_SPEECH`: what started it). */
  speechDuration: number;
  /** Silence so far since the last segment, ms (on `END_OF_SPEECH`: what ended it). */
  silenceDuration: number;
  /** Smoothed speech probability of the window. */
  probability: number;
  speaking: boolean;
}

/** A stream of voice activity: 16 kHz mono frames in, events out (as the framework's `VADStream`). */
export interface VoiceActivityStream extends AsyncIterable<VoiceActivityEvent> {
  pushFrame(frame: AudioFrame): void;
  close(): void;
}

/** A voice activity model that opens independent streams (as the framework's `VAD`). */
export interface VoiceActivityModel {
  stream(): VoiceActivityStream;
}

/** Options of {@link SileroVad}: those of the Silero plugin the speech detector uses. */
export interface SileroVadOptions {
  /** Silence that ends a speech segment, in ms. */
  minSilenceDuration: number;
  /** Speech that starts a segment, in ms. */
  minSpeechDuration: number;
  /** Speech probability that counts as speech. */
  activationThreshold: number;
}

/** Defaults of {@link SileroVadOptions} (the plugin's). */
export const defaultSileroVadOptions: SileroVadOptions = {
  minSilenceDuration: 550,
  minSpeechDuration: 50,
  activationThreshold: 0.5,
};

/** Samples Silero scores at a time (its window: 32 ms at 16 kHz). */
export const VAD_WINDOW = (ANALYSIS_RATE / 16000) * 512;
/** Samples of the previous window the model sees before each window. */
const CONTEXT = SILERO_INPUT - VAD_WINDOW;
const WINDOW_MS = (VAD_WINDOW / ANALYSIS_RATE) * 1000;
/** Weight of the previous smoothed probability (the plugin's `ExpFilter(0.35)`). */
const SMOOTHING = 0.35;

/** The Silero model file the plugin ships. */
function sileroModelPath(): string {
  const entry = createRequire(import.meta.url).resolve('@livekit/agents-plugin-silero');
  return join(dirname(entry), 'silero_vad.onnx');
}

let session: Promise<ort.InferenceSession> | undefined;

/** The process's one onnxruntime session of the Silero model (loaded by the first call; a failed load is retried). */
export function sileroSession(): Promise<ort.InferenceSession> {
  session ??= ort.InferenceSession.create(sileroModelPath(), {
    interOpNumThreads: 1,
    intraOpNumThreads: 1,
    executionMode: 'sequential',
    executionProviders: ['cpu'],
  });
  const loading = session;
  loading.catch(() => {
    if (session === loading) session = undefined;
  });
  return loading;
}

/**
 * Silero voice activity detection on one onnxruntime session per process (whatever the settings), with the Silero
 * plugin's model and decisions (smoothing, thresholds, events) but none of its stream's per-window overhead: the
 * plugin's stream merges frames, copies every window into a 60 s speech buffer and hands each event (with audio
 * frames nobody here reads) through web streams, which costs as much CPU as the model run itself. Here a window costs
 * its share of a model run ({@link SileroRuns} runs the windows of all the process's streams together) and a few
 * arithmetic steps; the events are the plugin's, value for value (`silero.test.ts` checks it on real speech).
 */
export class SileroVad implements VoiceActivityModel {
  #runs: SileroRuns;
  #o: SileroVadOptions;

  private constructor(runs: SileroRuns, o: SileroVadOptions) {
    this.#runs = runs;
    this.#o = o;
  }

  /** The batched runs of the process's session of the model (settings do not change it), once loaded. */
  static #shared: SileroRuns | undefined;

  /** A detector with these settings on the process's session of the model (loaded by the first call). */
  static async load(opts: Partial<SileroVadOptions> = {}): Promise<SileroVad> {
    const session = await sileroSession();
    SileroVad.#shared ??= new SileroRuns(session);
    return new SileroVad(SileroVad.#shared, { ...defaultSileroVadOptions, ...opts });
  }

  stream(): SileroStream {
    return new SileroStream(this.#runs, this.#o);
  }

  /** Model runs of the process's session so far and the windows they scored (all detectors, all streams). */
  get runStats(): { runs: number; windows: number } {
    return this.#runs.stats;
  }
}

/**
 * Cuts a stream of 16 kHz mono frames into frames of exactly one VAD window: how a {@link SileroStream} takes audio
 * of any framing, and how the speech detector knows when it gave each window to Silero (what bounds its backlog).
 */
export class WindowChunker {
  #buf = new Int16Array(VAD_WINDOW);
  #filled = 0;

  /** The whole windows completed by `frame` (none while one fills). */
  push(frame: AudioFrame): AudioFrame[] {
    const out: AudioFrame[] = [];
    const data = frame.data;
    let i = 0;
    while (i < data.length) {
      const n = Math.min(VAD_WINDOW - this.#filled, data.length - i);
      this.#buf.set(data.subarray(i, i + n), this.#filled);
      this.#filled += n;
      i += n;
      if (this.#filled === VAD_WINDOW) {
        out.push(new AudioFrame(this.#buf, ANALYSIS_RATE, 1, VAD_WINDOW));
        this.#buf = new Int16Array(VAD_WINDOW);
        this.#filled = 0;
      }
    }
    return out;
  }

  /** The samples of a window not yet completed, if any (the input ended). */
  flush(): AudioFrame | undefined {
    if (this.#filled === 0) return undefined;
    const rest = new AudioFrame(this.#buf.slice(0, this.#filled), ANALYSIS_RATE, 1, this.#filled);
    this.#filled = 0;
    return rest;
  }
}

/**
 * One stream of {@link SileroVad}: frames of 16 kHz mono audio (any length) are cut into 32 ms windows, scored one
 * after another in the order given (pushing never waits; a live window may wait up to one window's duration for
 * other streams' windows to run with it), and each score yields an `INFERENCE_DONE` event, preceded
 * by `START_OF_SPEECH` or `END_OF_SPEECH` where the plugin's stream would send them, after it. A failed run ends the
 * events with its error; `close` ends them at once and drops what waits.
 */
export class SileroStream implements VoiceActivityStream {
  #runs: SileroRuns;
  #release: () => void;
  #o: SileroVadOptions;
  /** Model input: the previous window's last samples, then the window. */
  #input = new Float32Array(SILERO_INPUT);
  #state = new Float32Array(SILERO_STATE);
  #chunker = new WindowChunker();
  #windows: Int16Array[] = [];
  #scoring = false;
  #events: VoiceActivityEvent[] = [];
  #wake: (() => void) | undefined;
  #failed: unknown;
  #closed = false;
  // the plugin's state machine
  #smoothed: number | undefined;
  #samples = 0;
  #speaking = false;
  #speechMs = 0;
  #silenceMs = 0;
  #speechRunMs = 0;
  #silenceRunMs = 0;

  constructor(runs: SileroRuns, o: SileroVadOptions) {
    this.#runs = runs;
    this.#release = runs.open();
    this.#o = o;
  }

  pushFrame(frame: AudioFrame): void {
    if (this.#closed) throw new Error('the voice activity stream is closed');
    if (frame.sampleRate !== ANALYSIS_RATE || frame.channels !== 1)
      throw new Error(
        `Silero takes ${ANALYSIS_RATE} Hz mono audio; got ${frame.sampleRate} Hz with ${frame.channels} channels`,
      );
    for (const w of this.#chunker.push(frame)) this.#windows.push(w.data);
    if (!this.#scoring && this.#windows.length > 0) void this.#score();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#release();
    this.#windows.length = 0;
    this.#wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<VoiceActivityEvent> {
    return {
      next: () => this.#next(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  async #next(): Promise<IteratorResult<VoiceActivityEvent>> {
    while (true) {
      const e = this.#events.shift();
      if (e) return { done: false, value: e };
      if (this.#failed !== undefined) throw this.#failed;
      if (this.#closed) return { done: true, value: undefined };
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }

  async #score(): Promise<void> {
    this.#scoring = true;
    try {
      for (let w = this.#windows.shift(); w && !this.#closed; w = this.#windows.shift()) {
        const p = await this.#run(w);
        if (this.#closed) break;
        this.#step(p);
        this.#wake?.();
      }
    } catch (err) {
      this.#failed = err;
      this.close();
    } finally {
      this.#scoring = false;
    }
  }

  /** One window scored (with other streams' windows, see {@link SileroRuns}): its raw speech probability. */
  #run(window: Int16Array): Promise<number> {
    const input = this.#input;
    input.copyWithin(0, VAD_WINDOW, VAD_WINDOW + CONTEXT);
    for (let i = 0; i < VAD_WINDOW; i++) input[CONTEXT + i] = (window[i] as number) / 32767;
    return this.#runs.score(input, this.#state, this.#windows.length > 0);
  }

  /** The plugin's decisions for one scored window, as events. */
  #step(raw: number): void {
    const o = this.#o;
    const p = this.#smoothed === undefined ? raw : SMOOTHING * this.#smoothed + (1 - SMOOTHING) * raw;
    this.#smoothed = p;
    this.#samples += VAD_WINDOW;
    if (this.#speaking) this.#speechMs += WINDOW_MS;
    else this.#silenceMs += WINDOW_MS;
    const event = (type: VADEventType): VoiceActivityEvent => ({
      type,
      samplesIndex: this.#samples,
      speechDuration: this.#speechMs,
      silenceDuration: this.#silenceMs,
      probability: p,
      speaking: this.#speaking,
    });
    this.#events.push(event(VADEventType.INFERENCE_DONE));
    if (p > o.activationThreshold) {
      this.#speechRunMs += WINDOW_MS;
      this.#silenceRunMs = 0;
      if (!this.#speaking && this.#speechRunMs >= o.minSpeechDuration) {
        this.#speaking = true;
        this.#silenceMs = 0;
        this.#speechMs = this.#speechRunMs;
        this.#events.push(event(VADEventType.START_OF_SPEECH));
      }
    } else {
      this.#silenceRunMs += WINDOW_MS;
      this.#speechRunMs = 0;
      if (this.#speaking && this.#silenceRunMs > o.minSilenceDuration) {
        this.#speaking = false;
        this.#speechMs = 0;
        this.#silenceMs = this.#silenceRunMs;
        this.#events.push(event(VADEventType.END_OF_SPEECH));
      }
    }
  }
}
