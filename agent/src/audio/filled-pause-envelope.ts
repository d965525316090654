import FFT from 'fft.js';
import { ANALYSIS_RATE } from './pcm.js';

/** Band edges (Hz) of the envelope: roughly mel-spaced over the first three formants. */
export const ENVELOPE_BANDS = [100, 250, 400, 550, 700, 900, 1100, 1400, 1700, 2100, 2500, 3000, 3600];

/** Bands from this edge up are the "high" part (formants F2/F3; a pure low tone has none). */
const HIGH_FROM_HZ = 1100;

/** What {@link SpectralEnvelope} measures in one window. */
export interface EnvelopeFrame {
  /** RMS level of the window, dBFS. */
  db: number;
  /** Log energy per band with the overall level removed (the shape of the spectrum), dB. */
  shape: Float64Array;
  /** Energy of the bands above 1.1 kHz relative to all bands, dB. */
  highDb: number;
}

/**
 * A cheap spectral envelope of 16 kHz audio: the Hann-windowed 512-point FFT (fft.js, 32 ms) of a
 * window, summed into 12 bands between 100 and 3600 Hz, as log energies minus their mean, so two
 * frames of one vowel at different loudness compare equal and a formant move shows as a distance.
 */
export class SpectralEnvelope {
  static readonly SIZE = 512;
  #fft = new FFT(SpectralEnvelope.SIZE);
  #spectrum = this.#fft.createComplexArray() as number[];
  #input = new Array<number>(SpectralEnvelope.SIZE).fill(0);
  #hann = Float64Array.from(
    { length: SpectralEnvelope.SIZE },
    (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / SpectralEnvelope.SIZE),
  );
  #bins = ENVELOPE_BANDS.slice(0, -1).map((lo, i): [number, number] => {
    const hzPerBin = ANALYSIS_RATE / SpectralEnvelope.SIZE;
    return [Math.round(lo / hzPerBin), Math.round((ENVELOPE_BANDS[i + 1] as number) / hzPerBin)];
  });

  /** Measures the `SIZE` samples (−1..1) of `buf` from `offset`. */
  measure(buf: Float32Array, offset = 0): EnvelopeFrame {
    const n = SpectralEnvelope.SIZE;
    if (offset < 0 || offset + n > buf.length) throw new RangeError(`envelope needs ${n} samples`);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const s = buf[offset + i] as number;
      sum += s * s;
      this.#input[i] = s * (this.#hann[i] as number);
    }
    const db = sum > 0 ? 10 * Math.log10(sum / n) : -120;
    this.#fft.realTransform(this.#spectrum, this.#input);
    const shape = new Float64Array(this.#bins.length);
    let total = 0;
    let high = 0;
    this.#bins.forEach(([lo, hi], b) => {
      let e = 0;
      for (let k = lo; k < hi; k++) {
        const re = this.#spectrum[2 * k] as number;
        const im = this.#spectrum[2 * k + 1] as number;
        e += re * re + im * im;
      }
      total += e;
      if ((ENVELOPE_BANDS[b] as number) >= HIGH_FROM_HZ) high += e;
      shape[b] = 10 * Math.log10(e / (hi - lo) + 1e-12);
    });
    const mean = shape.reduce((a, b) => a + b, 0) / shape.length;
    for (let b = 0; b < shape.length; b++) shape[b] = (shape[b] as number) - mean;
    const highDb = total > 0 && high > 0 ? 10 * Math.log10(high / total) : -120;
    return { db, shape, highDb };
  }
}

/** Root-mean-square difference of two envelope shapes, dB. */
export function envelopeDistance(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(d / Math.max(1, a.length));
}

/**
 * Periodicity of a window of 16 kHz audio after Boersma (1993): the autocorrelation of the
 * Hann-windowed signal (through a zero-padded FFT) divided by the window's own autocorrelation,
 * its highest normalised peak between the lags of `maxHz` and `minHz`. Near 1 for a voiced vowel,
 * low for noise and silence; a voicing cue that does not depend on a pitch tracker's verdict
 * (YIN drops many frames of breathy or low voices).
 */
export class Periodicity {
  #n: number;
  #fft: FFT;
  #input: number[];
  #spectrum: number[];
  #power: number[];
  #acf: number[];
  #hann: Float64Array;
  #window: Float64Array;
  #minLag: number;
  #maxLag: number;

  constructor(windowSamples: number, minHz = 60, maxHz = 400) {
    this.#n = windowSamples;
    let size = 1;
    while (size < 2 * windowSamples) size *= 2;
    this.#fft = new FFT(size);
    this.#input = new Array<number>(size).fill(0);
    this.#spectrum = this.#fft.createComplexArray() as number[];
    this.#power = new Array<number>(size).fill(0);
    this.#acf = this.#fft.createComplexArray() as number[];
    this.#hann = Float64Array.from(
      { length: windowSamples },
      (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / windowSamples),
    );
    this.#minLag = Math.max(2, Math.floor(ANALYSIS_RATE / maxHz));
    this.#maxLag = Math.min(windowSamples >> 1, Math.ceil(ANALYSIS_RATE / minHz));
    // the window's own autocorrelation, normalised
    const w = this.#hann;
    this.#window = Float64Array.from({ length: this.#maxLag + 2 }, (_, lag) => {
      let s = 0;
      for (let i = 0; i + lag < windowSamples; i++) s += (w[i] as number) * (w[i + lag] as number);
      return s;
    });
    const r0 = this.#window[0] as number;
    for (let i = 0; i < this.#window.length; i++) this.#window[i] = (this.#window[i] as number) / r0;
  }

  /** Periodicity (0–1) of the `windowSamples` samples (−1..1) of `buf` from `offset`. */
  measure(buf: Float32Array, offset = 0): number {
    const n = this.#n;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += buf[offset + i] as number;
    mean /= n;
    for (let i = 0; i < n; i++)
      this.#input[i] = ((buf[offset + i] as number) - mean) * (this.#hann[i] as number);
    this.#fft.realTransform(this.#spectrum, this.#input);
    // The power spectrum is real and even, so its inverse transform is its forward real transform
    // divided by the size (the division cancels in the ratios to lag 0); only lags up to the
    // window's half are read, which the half spectrum holds.
    const p = this.#power;
    const size = p.length;
    const spectrum = this.#spectrum;
    for (let k = 0; k <= size >> 1; k++) {
      const re = spectrum[2 * k] as number;
      const im = spectrum[2 * k + 1] as number;
      p[k] = re * re + im * im;
    }
    for (let k = 1; k < size >> 1; k++) p[size - k] = p[k] as number;
    this.#fft.realTransform(this.#acf, p);
    const r0 = this.#acf[0] as number;
    if (!(r0 > 1e-10 * size)) return 0;
    let best = 0;
    for (let lag = this.#minLag; lag <= this.#maxLag; lag++) {
      const r = (this.#acf[2 * lag] as number) / r0 / (this.#window[lag] as number);
      const prev = (this.#acf[2 * (lag - 1)] as number) / r0 / (this.#window[lag - 1] as number);
      const next = (this.#acf[2 * (lag + 1)] as number) / r0 / (this.#window[lag + 1] as number);
      if (r > best && r >= prev && r >= next) best = r;
    }
    return Math.min(1, best);
  }
}

/**
 * The first two formants of a window of 16 kHz audio from linear prediction: pre-emphasis,
 * Hamming window, autocorrelation, Levinson–Durbin (order 14), then the peaks of the all-pole
 * envelope between 200 and 4000 Hz (an FFT of the prediction polynomial). Close formants that
 * merge into one peak (back vowels) make F2 come out high; a cue of vowel quality, not a tracker.
 */
export class Formants {
  static readonly ORDER = 14;
  #n: number;
  #fft = new FFT(1024);
  #input = new Array<number>(1024).fill(0);
  #out = this.#fft.createComplexArray() as number[];
  #x: Float64Array;
  #hamming: Float64Array;
  #r = new Float64Array(Formants.ORDER + 1);
  #a = new Float64Array(Formants.ORDER + 1);
  #prev = new Float64Array(Formants.ORDER + 1);
  #mag = new Float64Array(513);

  constructor(windowSamples = 512) {
    this.#n = windowSamples;
    this.#x = new Float64Array(windowSamples);
    this.#hamming = Float64Array.from(
      { length: windowSamples },
      (_, i) => 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (windowSamples - 1)),
    );
  }

  /** [F1, F2] in Hz of the `windowSamples` samples of `buf` from `offset` ([0, 0] when not found). */
  measure(buf: Float32Array, offset = 0): [number, number] {
    const n = this.#n;
    const p = Formants.ORDER;
    const x = this.#x;
    for (let i = 0; i < n; i++) {
      const s = (buf[offset + i] as number) - 0.97 * (i > 0 ? (buf[offset + i - 1] as number) : 0);
      x[i] = s * (this.#hamming[i] as number);
    }
    const r = this.#r;
    for (let lag = 0; lag <= p; lag++) {
      let s = 0;
      for (let i = lag; i < n; i++) s += (x[i] as number) * (x[i - lag] as number);
      r[lag] = s;
    }
    if (!((r[0] as number) > 1e-9)) return [0, 0];
    r[0] = (r[0] as number) * (1 + 1e-6);
    // Levinson–Durbin
    const a = this.#a.fill(0);
    const prev = this.#prev;
    a[0] = 1;
    let err = r[0] as number;
    for (let i = 1; i <= p; i++) {
      let acc = r[i] as number;
      for (let j = 1; j < i; j++) acc += (a[j] as number) * (r[i - j] as number);
      const k = -acc / err;
      prev.set(a);
      for (let j = 1; j < i; j++) a[j] = (prev[j] as number) + k * (prev[i - j] as number);
      a[i] = k;
      err *= 1 - k * k;
      if (!(err > 0)) return [0, 0];
    }
    // envelope 1/|A(f)|: peaks where |A| has minima
    this.#input.fill(0);
    for (let i = 0; i <= p; i++) this.#input[i] = a[i] as number;
    this.#fft.realTransform(this.#out, this.#input);
    const hzPerBin = ANALYSIS_RATE / 1024;
    // |A| per bin, each computed once as the search reaches it
    const mags = this.#mag;
    const mag = (k: number) => Math.hypot(this.#out[2 * k] as number, this.#out[2 * k + 1] as number);
    const peaks: number[] = [];
    const lo = Math.ceil(200 / hzPerBin);
    const hi = Math.floor(4000 / hzPerBin);
    mags[lo - 1] = mag(lo - 1);
    mags[lo] = mag(lo);
    for (let k = lo; k <= hi && peaks.length < 2; k++) {
      mags[k + 1] = mag(k + 1);
      const m = mags[k] as number;
      if (m < (mags[k - 1] as number) && m <= (mags[k + 1] as number)) peaks.push(k * hzPerBin);
    }
    return [peaks[0] ?? 0, peaks[1] ?? 0];
  }
}
