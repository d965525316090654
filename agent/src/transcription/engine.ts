import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import * as openai from '@livekit/agents-plugin-openai';
import type { AudioFrame } from '@livekit/rtc-node';
import { logger } from '../log.js';
import {
  DeferredLiveTranscription,
  type LiveTranscription,
  OpenAiRealtimeSttEngine,
} from './engine-realtime.js';
import type { Recognition, SttEngine } from './engine-types.js';
import type { AudioSettings } from './settings.js';

export type { Recognition, SttEngine } from './engine-types.js';

/** Options of {@link OpenAiSttEngine}. */
export interface OpenAiEngineOptions {
  /** Any OpenAI-compatible endpoint, e.g. `http://127.0.0.1:9000/v1`; OpenAI's own when unset. */
  baseURL?: string;
  model: string;
  language: string;
  apiKey?: string;
}

/**
 * The `@livekit/agents-plugin-openai` STT in non-realtime mode (one `POST /audio/transcriptions`
 * per segment of speech found by our Silero VAD), against OpenAI or any compatible server.
 */
export class OpenAiSttEngine implements SttEngine {
  readonly name: string;
  #stt: openai.STT;

  constructor(opts: OpenAiEngineOptions) {
    this.name = `openai:${opts.model}`;
    this.#stt = new openai.STT({
      useRealtime: false,
      model: opts.model,
      language: opts.language,
      baseURL: opts.baseURL,
      // Local compatible servers need no key, but the client insists on one.
      apiKey: opts.apiKey ?? 'no-key',
    });
  }

  async transcribe(audio: AudioFrame, signal: AbortSignal): Promise<Recognition> {
    const event = await this.#stt.recognize([audio], signal);
    const first = event.alternatives?.[0];
    if (!first || typeof first.text !== 'string') throw new Error('transcription answer has no text');
    return { text: first.text.trim(), language: first.language };
  }

  async close(): Promise<void> {
    await this.#stt.close?.();
  }
}

/** Path of the bundled PocketSphinx server that speaks the OpenAI transcription API. */
export const POCKETSPHINX_SERVER = join(import.meta.dirname, 'pocketsphinx_server.py');

/**
 * Starts the bundled PocketSphinx server (`pocketsphinx_server.py`) on a free loopback port and
 * resolves its base URL. The process ends with `child.kill()`.
 */
export async function startPocketsphinxServer(
  python = 'python3',
  timeoutMs = 20_000,
): Promise<{ baseURL: string; child: ChildProcess }> {
  const child = spawn(python, [POCKETSPHINX_SERVER, '--host', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = logger('stt-local');
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`local STT server not ready after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`${err.message}; stderr: ${stderr.trim().slice(-500)}`));
    };
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`local STT server exited with code ${code}`)));
  });
  child.removeAllListeners('exit');
  child.once('exit', (code, sig) => log.warn({ code, signal: sig }, 'local STT server exited'));
  return { baseURL: `${url}/v1`, child };
}

/**
 * The offline engine: PocketSphinx (US English model shipped in the `pocketsphinx` PyPI package)
 * behind the bundled OpenAI-compatible server, reached through the same OpenAI plugin path: its
 * transcriptions endpoint (`batch`) or its realtime WebSocket (`realtime`, streaming each segment
 * while it is spoken). The server starts on first use.
 */
export class LocalSttEngine implements SttEngine {
  readonly name: string;
  /** True in realtime mode: segments are then streamed through {@link LocalSttEngine.live}. */
  readonly streaming: boolean;
  #python: string;
  #language: string;
  #realtime: boolean;
  #ready?: Promise<{ engine: OpenAiSttEngine | OpenAiRealtimeSttEngine; child: ChildProcess }>;

  constructor(opts: { python: string; language: string; mode?: 'batch' | 'realtime' }) {
    this.#python = opts.python;
    this.#language = opts.language;
    this.#realtime = opts.mode === 'realtime';
    this.streaming = this.#realtime;
    this.name = this.#realtime ? 'local:pocketsphinx-realtime' : 'local:pocketsphinx';
  }

  #engine(): Promise<OpenAiSttEngine | OpenAiRealtimeSttEngine> {
    this.#ready ??= startPocketsphinxServer(this.#python).then(({ baseURL, child }) => {
      const opts = { baseURL, model: 'pocketsphinx-en-us', language: this.#language };
      return {
        child,
        engine: this.#realtime ? new OpenAiRealtimeSttEngine(opts) : new OpenAiSttEngine(opts),
      };
    });
    // A server that failed to start is retried on the next segment.
    return this.#ready.then(
      (r) => r.engine,
      (err: unknown) => {
        this.#ready = undefined;
        throw err;
      },
    );
  }

  async transcribe(audio: AudioFrame, signal: AbortSignal): Promise<Recognition> {
    return (await this.#engine()).transcribe(audio, signal);
  }

  live(): LiveTranscription {
    return new DeferredLiveTranscription(
      this.#engine().then((e) => {
        if (!(e instanceof OpenAiRealtimeSttEngine)) throw new Error('the local engine is in batch mode');
        return e.live();
      }),
    );
  }

  async close(): Promise<void> {
    const ready = await this.#ready?.catch(() => undefined);
    this.#ready = undefined;
    ready?.child.kill();
    await ready?.engine.close();
  }
}

/** Creates the engine the settings name, or undefined for `none`. */
export function createSttEngine(s: AudioSettings): SttEngine | undefined {
  switch (s.engine) {
    case 'none':
      return undefined;
    case 'local':
      return new LocalSttEngine({ python: s.python, language: s.language, mode: s.mode });
    case 'openai': {
      const opts = { baseURL: s.baseURL, language: s.language, apiKey: s.apiKey };
      return s.mode === 'realtime'
        ? new OpenAiRealtimeSttEngine({ ...opts, model: s.model ?? 'gpt-4o-transcribe' })
        : new OpenAiSttEngine({ ...opts, model: s.model ?? 'whisper-1' });
    }
  }
}
