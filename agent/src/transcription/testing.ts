import { setTimeout as sleep } from 'node:timers/promises';
import { type AudioBuffer, stt } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import { afterAll, beforeAll } from 'vitest';
import { chunks } from '../../../test/fixtures/audio.js';
import type { Pcm16 } from '../../../test/fixtures/wav.js';
import { loadSilero } from '../audio/speech.js';
import { LocalRecognizerSTT } from './engine.js';
import { RecognizerService, type RecognizerServiceOptions } from './recognizer-service.js';
import {
  SpeakerTranscriber,
  STT_VAD_SETTINGS,
  type TranscriberOptions,
  type TranscriptSegment,
} from './transcriber.js';

/** The candidate speaker the transcription tests use. */
export const testSpeaker = { identity: 'cand', role: 'candidate' as const, trackSid: 'TR_c' };

/** The Whisper model the tests use (`STT_TEST_MODEL`, default `whisper-base`, as in production). */
export const TEST_MODEL = process.env.STT_TEST_MODEL ?? 'whisper-base';

/**
 * The local recognizer (OpenAI transcription API over faster-whisper, loopback) for the enclosing
 * `describe` block: started before its tests, stopped after them. `baseURL` and `service` are set
 * once started. `STT_MODELS_DIR` points it at another models directory, as it does the agent.
 */
export function localSttServer(opts: Partial<RecognizerServiceOptions> = {}): {
  baseURL: string;
  service: RecognizerService;
} {
  const modelsDir = process.env.STT_MODELS_DIR;
  const service = new RecognizerService({ model: TEST_MODEL, ...(modelsDir ? { modelsDir } : {}), ...opts });
  const handle = { baseURL: '', service };
  beforeAll(async () => {
    await service.start();
    handle.baseURL = service.baseURL;
  }, 90_000);
  afterAll(() => service.stop());
  return handle;
}

/** A `stt.STT` on the recognizer at `baseURL`. */
export function localStt(baseURL: string): stt.STT {
  return new LocalRecognizerSTT({ baseURL, language: 'en', service: { model: TEST_MODEL } });
}

/**
 * 20 ms frames at `speed` times real time, as a microphone would send them (speed 2: twice as fast).
 * With `keepUp`, each frame waits for it first (e.g. {@link InFlightSTT.idle}) and the clock moves on
 * by the wait: the audio of a recognizer that keeps up, whatever the machine's load.
 */
export async function* paced(pcm: Pcm16, speed = 1, keepUp?: () => Promise<void>) {
  const n = pcm.sampleRate / 50;
  let started = Date.now();
  for (let i = 0, k = 1; i + n <= pcm.samples.length; i += n, k++) {
    if (keepUp) {
      const waited = Date.now();
      await keepUp();
      started += Date.now() - waited;
    }
    const at = started + (k * 20) / speed;
    yield { frame: new AudioFrame(pcm.samples.slice(i, i + n), pcm.sampleRate, 1, n), receivedAt: at };
    await sleep(Math.max(0, at - Date.now()));
  }
}

/** A batch STT passed through, which knows when none of its requests is in flight. */
export class InFlightSTT extends stt.STT {
  label = 'in-flight';
  #inner: stt.STT;
  #inFlight = 0;
  #waiting: (() => void)[] = [];

  constructor(inner: stt.STT) {
    super({ streaming: false, interimResults: false });
    this.#inner = inner;
  }

  /** Resolves once no request is in flight. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  protected async _recognize(buffer: AudioBuffer, signal?: AbortSignal): Promise<stt.SpeechEvent> {
    this.#inFlight++;
    try {
      return await this.#inner.recognize(buffer, signal);
    } finally {
      if (--this.#inFlight === 0) for (const resolve of this.#waiting.splice(0)) resolve();
    }
  }

  stream(): stt.SpeechStream {
    throw new Error('no stream');
  }
}

/**
 * Runs a clip through a {@link SpeakerTranscriber} with the production VAD (as fast as it goes,
 * or at `speed` times real time); its segments, VAD boundaries and interim texts.
 */
export async function transcribeClip(
  s: stt.STT,
  pcm: Pcm16,
  options: Partial<TranscriberOptions> = {},
  mode: 'batch' | 'realtime' = 'batch',
  speed?: number,
  keepUp?: () => Promise<void>,
) {
  const segments: TranscriptSegment[] = [];
  const boundaries: string[] = [];
  const interims: string[] = [];
  const overloads: string[] = [];
  const t = new SpeakerTranscriber({
    speaker: testSpeaker,
    stt: s,
    mode,
    vad: await loadSilero(STT_VAD_SETTINGS),
    onSegment: async (seg) => {
      segments.push(seg);
    },
    onBoundary: (b) => boundaries.push(b.type),
    onInterim: (i) => {
      if (i.text && interims.at(-1) !== i.text) interims.push(i.text);
    },
    onOverload: (e) => overloads.push(e),
    options,
  });
  await t.run(speed ? paced(pcm, speed, keepUp) : chunks(pcm));
  return { segments, boundaries, interims, overloads };
}
