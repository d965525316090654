import { AudioFrame } from '@livekit/rtc-node';
import type { LiveTranscription } from './engine-realtime.js';

/** Audio sent before the detected start of speech, and after its end, as in the cut segments. */
const PAD_BEFORE_MS = 300;
const PAD_AFTER_MS = 200;
/** Recent audio kept: the VAD may run behind the frames it was given (as the speech detector's). */
const KEEP_MS = 65_000;

interface Held {
  startMs: number;
  endMs: number;
  frame: AudioFrame;
}

/** The part of `frame` (starting at `startMs`) between `fromMs` and `toMs`, or undefined. */
function cut(frame: AudioFrame, startMs: number, fromMs: number, toMs: number): AudioFrame | undefined {
  const n = frame.samplesPerChannel;
  const perMs = frame.sampleRate / 1000;
  const a = Math.max(0, Math.min(n, Math.round((fromMs - startMs) * perMs)));
  const b = Math.max(0, Math.min(n, Math.round((toMs - startMs) * perMs)));
  if (b <= a) return undefined;
  if (a === 0 && b === n) return frame;
  const ch = frame.channels;
  return new AudioFrame(frame.data.slice(a * ch, b * ch), frame.sampleRate, ch, b - a);
}

/**
 * Streams the speech of one track to a {@link LiveTranscription} while it is spoken, in step
 * with the VAD: `record` every frame as it arrives, `begin` at a start of speech (the audio from
 * 300 ms before it goes out at once), `advance` to the audio time the VAD has reached, `end` at
 * the end of speech (audio up to 200 ms after it), which hands back the live transcription to
 * `finish`. Times are ms of audio since the first frame, as the VAD reports them.
 */
export class LiveFeed {
  #open: () => LiveTranscription;
  #held: Held[] = [];
  #recordedMs = 0;
  #live?: LiveTranscription;
  #sentMs = 0;
  #firstMs = 0;

  /** `open` starts the live transcription of one segment. */
  constructor(open: () => LiveTranscription) {
    this.#open = open;
  }

  /** The partial text of the open segment so far ('' when none is open or nothing is recognised yet). */
  get partial(): string {
    return this.#live?.partial ?? '';
  }

  /** Keeps a frame of the track (the VAD sees the same frames). */
  record(frame: AudioFrame): void {
    const ms = (frame.samplesPerChannel / frame.sampleRate) * 1000;
    this.#held.push({ startMs: this.#recordedMs, endMs: this.#recordedMs + ms, frame });
    this.#recordedMs += ms;
    while ((this.#held[0]?.endMs ?? Number.POSITIVE_INFINITY) < this.#recordedMs - KEEP_MS)
      this.#held.shift();
  }

  /** A segment starts at `atMs`; `reachedMs` is how far the VAD has read. */
  begin(atMs: number, reachedMs: number): void {
    this.#live?.close();
    this.#live = this.#open();
    this.#sentMs = Math.max(0, atMs - PAD_BEFORE_MS);
    this.#firstMs = this.#sentMs;
    this.advance(reachedMs);
  }

  /** The speaker paused at `atMs` (the segment goes on); the audio up to there has been sent. */
  pause(atMs: number): void {
    this.#live?.pause?.(atMs - this.#firstMs);
  }

  /** Speech resumed after a pause. */
  resume(): void {
    this.#live?.resume?.();
  }

  /** Sends the audio up to `ms` of the open segment. */
  advance(ms: number): void {
    const live = this.#live;
    if (!live || ms <= this.#sentMs) return;
    let i = this.#held.length;
    while (i > 0 && (this.#held[i - 1] as Held).endMs > this.#sentMs) i--;
    for (const h of this.#held.slice(i)) {
      if (h.startMs >= ms) break;
      const part = cut(h.frame, h.startMs, this.#sentMs, ms);
      if (part) live.push(part);
    }
    this.#sentMs = Math.min(ms, this.#recordedMs);
  }

  /** Ends the open segment at `endMs`; its live transcription is the caller's from now on. */
  end(endMs: number): LiveTranscription | undefined {
    this.advance(endMs + PAD_AFTER_MS);
    const live = this.#live;
    this.#live = undefined;
    return live;
  }

  /** Gives up an open segment (the track ended). */
  close(): void {
    this.#live?.close();
    this.#live = undefined;
    this.#held = [];
  }
}
