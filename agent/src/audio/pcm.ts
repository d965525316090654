import { AudioFrame, AudioResampler } from '@livekit/rtc-node';

/** Rate every audio analyser and the VAD work at. */
export const ANALYSIS_RATE = 16000;

/** Full scale of 16-bit PCM. */
export const FULL_SCALE = 32768;

/** Floor reported for digital silence, in dBFS. */
export const SILENCE_DBFS = -120;

/** Converts a linear amplitude (0..32768) to dBFS, floored at {@link SILENCE_DBFS}. */
export function toDbfs(amplitude: number): number {
  return amplitude > 0 ? Math.max(SILENCE_DBFS, 20 * Math.log10(amplitude / FULL_SCALE)) : SILENCE_DBFS;
}

/** Rounds for signal values. */
export const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/**
 * Brings any PCM16 frame (8/16/48 kHz, mono or interleaved multi-channel) to 16 kHz mono. The
 * session already delivers 16 kHz mono; this keeps analysers correct when fed anything else (files,
 * benches, other pumps). A change of input rate starts a new resampler.
 */
export class MonoResampler {
  #resampler?: AudioResampler;
  #rate = 0;

  /** Returns 16 kHz mono frames for `frame` (none while the resampler fills). */
  push(frame: AudioFrame): AudioFrame[] {
    const mono = frame.channels === 1 ? frame : downmix(frame);
    if (mono.sampleRate === ANALYSIS_RATE) return [mono];
    if (mono.sampleRate !== this.#rate) {
      this.#resampler?.close();
      this.#resampler = new AudioResampler(mono.sampleRate, ANALYSIS_RATE, 1);
      this.#rate = mono.sampleRate;
    }
    return (this.#resampler as AudioResampler).push(mono);
  }

  close(): void {
    this.#resampler?.close();
    this.#resampler = undefined;
  }
}

/** Averages the channels of an interleaved frame. */
export function downmix(frame: AudioFrame): AudioFrame {
  const n = frame.samplesPerChannel;
  const ch = frame.channels;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < ch; c++) sum += frame.data[i * ch + c] as number;
    out[i] = Math.round(sum / ch);
  }
  return new AudioFrame(out, frame.sampleRate, 1, n);
}

/** Root mean square of PCM16 samples (linear, 0..32768). */
export function rms(data: Int16Array, from = 0, to = data.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) {
    const s = data[i] as number;
    sum += s * s;
  }
  return Math.sqrt(sum / Math.max(1, to - from));
}

/** Median of a list (NaN when empty). */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
