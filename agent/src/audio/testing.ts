import { VADEventType } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import {
  VAD_WINDOW,
  type VoiceActivityEvent,
  type VoiceActivityModel,
  type VoiceActivityStream,
} from './silero.js';

/**
 * Real Silero whose first stream stops handing out results after `holdAfterMs` of audio (inference stalled), and
 * that tells the feed when every window given to the current stream has been scored, so the fake clock below
 * advances in step with the audio, whatever the machine's speed.
 */
export class StallingVad implements VoiceActivityModel {
  streams = 0;
  #inner: VoiceActivityModel;
  #holdAfter: number;
  #current = { pushed: 0, scored: 0 };
  #waiters: (() => void)[] = [];

  constructor(inner: VoiceActivityModel, holdAfterMs: number) {
    this.#inner = inner;
    this.#holdAfter = (holdAfterMs * 16000) / 1000;
  }

  /** Resolves once the current stream has scored every window given to it. */
  async scored(): Promise<void> {
    await new Promise((r) => setImmediate(r)); // what was read reaches the stream first (microtasks)
    while (this.#current.scored < this.#current.pushed) await new Promise<void>((r) => this.#waiters.push(r));
  }

  stream(): VoiceActivityStream {
    const inner = this.#inner.stream();
    const counts = { pushed: 0, scored: 0 };
    this.#current = counts;
    const stalls = this.streams++ === 0;
    const holdAfter = this.#holdAfter;
    const wake = () => {
      for (const w of this.#waiters.splice(0)) w();
    };
    async function* events(): AsyncGenerator<VoiceActivityEvent> {
      for await (const e of inner) {
        if (e.type === VADEventType.INFERENCE_DONE) counts.scored += 1;
        wake();
        if (!stalls || e.samplesIndex <= holdAfter) yield e;
      }
    }
    return {
      pushFrame: (f: AudioFrame) => {
        if (f.samplesPerChannel === VAD_WINDOW) counts.pushed += 1;
        inner.pushFrame(f);
      },
      close: () => inner.close(),
      [Symbol.asyncIterator]: events,
    };
  }
}
