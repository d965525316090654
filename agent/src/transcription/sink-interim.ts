import type { Speaker } from './transcriber.js';

/** One caption as it goes out on `lk.transcription`. */
export interface Caption {
  id: string;
  speaker: Speaker;
  text: string;
  /** `false` for interim (partial) text that a later caption with the same id replaces. */
  final: boolean;
  status: 'ok' | 'failed';
}

/** Options of {@link InterimCaptions}. */
export interface InterimCaptionsOptions {
  /** Least time between two interim captions of one segment. */
  minIntervalMs: number;
  /** Segments followed at once; past it the oldest is forgotten (a safety net: each is settled). */
  maxSegments: number;
  now: () => number;
}

export const defaultInterimCaptionsOptions: InterimCaptionsOptions = {
  minIntervalMs: 300,
  maxSegments: 64,
  now: () => Date.now(),
};

interface Live {
  text: string;
  at: number;
  sending?: Promise<void>;
}

/**
 * Throttles the interim captions of segments still being spoken: a segment's partial text goes out
 * only when it changed, at most once per `minIntervalMs`, and never while its previous interim
 * caption is still being sent (the next update carries the newer text). {@link settle} ends a
 * segment: it waits for its interim caption in flight, so the final caption always goes out after it.
 */
export class InterimCaptions {
  #send: (c: Caption) => Promise<void>;
  #o: InterimCaptionsOptions;
  #live = new Map<string, Live>();

  constructor(send: (c: Caption) => Promise<void>, opts: Partial<InterimCaptionsOptions> = {}) {
    this.#send = send;
    this.#o = { ...defaultInterimCaptionsOptions, ...opts };
  }

  /** The segment's partial text so far; returns whether an interim caption went out. */
  update(id: string, speaker: Speaker, partial: string): boolean {
    const text = partial.trim();
    if (!text) return false;
    const now = this.#o.now();
    const live = this.#live.get(id);
    if (live && (live.sending || live.text === text || now - live.at < this.#o.minIntervalMs)) return false;
    const state: Live = live ?? { text, at: now };
    state.text = text;
    state.at = now;
    const sending = this.#send({ id, speaker, text, final: false, status: 'ok' })
      .catch(() => {})
      .finally(() => {
        if (state.sending === sending) state.sending = undefined;
      });
    state.sending = sending;
    if (!live) {
      this.#live.set(id, state);
      for (const old of this.#live.keys()) {
        if (this.#live.size <= this.#o.maxSegments) break;
        this.#live.delete(old);
      }
    }
    return true;
  }

  /** Ends following a segment; resolves whether any interim caption of it went out. */
  async settle(id: string): Promise<boolean> {
    const live = this.#live.get(id);
    if (!live) return false;
    this.#live.delete(id);
    await live.sending;
    return true;
  }

  /**
   * Ends a segment with its outcome and resolves the final caption to send: the text when there is
   * some, an empty final caption (with the status) when interim captions went out and there is no
   * text (failed, or no words), else nothing.
   */
  async final(
    id: string,
    speaker: Speaker,
    text: string,
    status: Caption['status'],
  ): Promise<Caption | undefined> {
    const hadInterim = await this.settle(id);
    if (status === 'ok' && text) return { id, speaker, text, final: true, status };
    if (hadInterim) return { id, speaker, text: '', final: true, status };
    return undefined;
  }

  /** Segments with an interim caption out and no final one yet. */
  get open(): number {
    return this.#live.size;
  }
}
