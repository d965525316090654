import type { stt } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import { deadline } from '../deadline.js';
import type { LowPrioritySTT } from './engine.js';
import { aborted, type LiveTranscription, type Recognition } from './engine-realtime.js';

/** Options of {@link ChunkedTranscription}. */
export interface ChunkOptions {
  /** Speech shorter than this before a pause is not decoded alone (it waits for the next pause). */
  minChunkMs: number;
  /** Audio kept after the pause's start in a chunk, so the last word is whole. */
  padAfterMs: number;
  /** Time limit of one chunk's request. */
  timeoutMs: number;
  /**
   * Speech without a pause: after this much audio past the last cut, the uncommitted audio is decoded
   * once for the interim caption only (it is decoded again, with what follows, at the next cut); 0: never.
   * Sent at low priority when the STT has it (the local recognizer then decodes it only when idle).
   */
  provisionalEveryMs: number;
}

export const defaultChunkOptions: ChunkOptions = {
  minChunkMs: 1500,
  padAfterMs: 150,
  timeoutMs: 20_000,
  provisionalEveryMs: 4000,
};

interface Chunk {
  result: Promise<string>;
}

/**
 * Transcribes a segment of speech while it is spoken with a batch `stt.STT` (one that only has
 * `recognize`, such as the local Whisper recognizer): at each short pause of the speaker (reported
 * by the VAD with `pause`), the audio since the previous cut is decoded as one chunk, and its text
 * is committed. The partial text is the committed chunks (an interim caption costs no extra
 * decoding). When the segment ends only the audio after the last cut is decoded, and nothing when
 * the speaker did not speak again after it, so the final text is ready about when the VAD closes
 * the segment. Any chunk failing fails `finish` (the caller then retries the whole segment).
 */
export class ChunkedTranscription implements LiveTranscription {
  #stt: stt.STT;
  #o: ChunkOptions;
  #rate = 0;
  #channels = 1;
  #parts: Int16Array[] = [];
  #samples = 0;
  /** Sample where the next chunk starts. */
  #cut = 0;
  /** Speech since the last cut (false right after a pause started a chunk). */
  #spokeSinceCut = true;
  #chunks: Chunk[] = [];
  #texts: string[] = [];
  #abort = new AbortController();
  #open = true;
  /** Interim-only text of the audio after the last cut, and up to which sample it reaches. */
  #provisional = { text: '', cut: -1, upTo: 0 };
  #provisionalBusy = false;

  constructor(s: stt.STT, opts: Partial<ChunkOptions> = {}) {
    this.#stt = s;
    this.#o = { ...defaultChunkOptions, ...opts };
  }

  /** The committed chunks' text so far, then the provisional text of what follows. */
  get partial(): string {
    const committed = this.#committed();
    const p = this.#provisional;
    return p.cut === this.#cut && p.text ? `${committed} ${p.text}`.trim() : committed;
  }

  #committed(): string {
    return this.#texts.filter((t) => t).join(' ');
  }

  /** Chunks sent so far (for tests and benchmarks). */
  get chunks(): number {
    return this.#chunks.length;
  }

  push(frame: AudioFrame): void {
    if (!this.#open || frame.samplesPerChannel === 0) return;
    if (!this.#rate) {
      this.#rate = frame.sampleRate;
      this.#channels = frame.channels;
    }
    this.#parts.push(frame.data);
    this.#samples += frame.samplesPerChannel;
    const p = this.#provisional;
    const every = (this.#o.provisionalEveryMs * this.#rate) / 1000;
    const since = p.cut === this.#cut ? p.upTo : this.#cut;
    if (every > 0 && !this.#provisionalBusy && this.#spokeSinceCut && this.#samples - since >= every)
      this.#provisionally();
  }

  /** Decodes the audio after the last cut for the interim caption only (one at a time, never waited for). */
  #provisionally(): void {
    const cut = this.#cut;
    const upTo = this.#samples;
    const before = this.#provisional;
    this.#provisional = { cut, upTo, text: before.cut === cut ? before.text : '' };
    this.#provisionalBusy = true;
    const signal = deadline(this.#abort.signal, this.#o.timeoutMs);
    const low = (this.#stt as Partial<LowPrioritySTT>).recognizeLowPriority?.bind(this.#stt);
    (low ?? this.#stt.recognize.bind(this.#stt))([this.#slice(cut, upTo)], signal)
      .then((ev) => {
        const text = ev.alternatives?.[0]?.text;
        const p = this.#provisional;
        if (typeof text === 'string' && p.cut === cut && p.upTo === upTo) p.text = text.trim();
      })
      .catch(() => {})
      .finally(() => {
        this.#provisionalBusy = false;
      });
  }

  pause(atMs: number): void {
    if (!this.#open || !this.#rate) return;
    const end = Math.min(this.#samples, Math.round(((atMs + this.#o.padAfterMs) * this.#rate) / 1000));
    if (((end - this.#cut) / this.#rate) * 1000 < this.#o.minChunkMs) return;
    // Until its chunk is decoded, the provisional text of this stretch stands in for it (captions never shrink).
    this.#send(this.#cut, end, this.#provisional.cut === this.#cut ? this.#provisional.text : '');
    this.#cut = end;
    this.#spokeSinceCut = false;
    this.#provisional = { text: '', cut: -1, upTo: 0 };
  }

  resume(): void {
    this.#spokeSinceCut = true;
  }

  /** The audio between two sample indexes. */
  #slice(from: number, to: number): AudioFrame {
    const out = new Int16Array((to - from) * this.#channels);
    let at = 0;
    let filled = 0;
    for (const p of this.#parts) {
      const n = p.length / this.#channels;
      const a = Math.max(from, at);
      const b = Math.min(to, at + n);
      if (b > a) {
        out.set(
          p.subarray((a - at) * this.#channels, (b - at) * this.#channels),
          (a - from) * this.#channels,
        );
        filled = b - from;
      }
      at += n;
      if (at >= to) break;
    }
    return new AudioFrame(out.subarray(0, filled * this.#channels), this.#rate, this.#channels, filled);
  }

  #send(from: number, to: number, placeholder = ''): void {
    const index = this.#texts.length;
    this.#texts.push(placeholder);
    const audio = this.#slice(from, to);
    const signal = deadline(this.#abort.signal, this.#o.timeoutMs);
    // Chunks are decoded one after another, in order (the recognizer is shared by every room).
    const previous = this.#chunks.at(-1)?.result.catch(() => '') ?? Promise.resolve('');
    const result = previous.then(async () => {
      const ev = await this.#stt.recognize([audio], signal);
      const text = ev.alternatives?.[0]?.text;
      if (typeof text !== 'string') throw new Error('transcription answer has no text');
      this.#texts[index] = text.trim();
      return text.trim();
    });
    result.catch(() => {});
    this.#chunks.push({ result });
  }

  async finish(signal: AbortSignal): Promise<Recognition> {
    if (this.#open) {
      this.#open = false;
      const tailMs = ((this.#samples - this.#cut) / (this.#rate || 1)) * 1000;
      if (this.#chunks.length === 0 || (this.#spokeSinceCut && tailMs > 100))
        this.#send(this.#cut, this.#samples);
    }
    const all = Promise.all(this.#chunks.map((c) => c.result));
    await Promise.race([all, aborted(signal)]);
    return { text: this.#committed() };
  }

  close(): void {
    this.#open = false;
    this.#abort.abort();
    this.#parts = [];
  }
}
