import type { SignalKind } from '@interview-helper/protocol';
import type { Analyser, AnalyserContext, AudioSample, SignalDraft } from '../analysers/analyser.js';
import { type FilledPause, FilledPauseDetector, type FilledPauseOptions } from './filled-pause.js';
import { ANALYSIS_RATE, MonoResampler, round, toDbfs } from './pcm.js';

/** Options of {@link DeliveryAnalyser}. */
export interface DeliveryOptions {
  /** Frame of the energy envelope, in ms. */
  frameMs: number;
  /** Frames quieter than this (dBFS) are never voice. */
  gateDbfs: number;
  /** Frames must also be this far above the running noise floor (dB). */
  aboveNoiseDb: number;
  /** A gap in the voice at least this long is a pause, in seconds. */
  minPauseSeconds: number;
  /** A gap at least this long ends the answer and reports it, in seconds. */
  answerGapSeconds: number;
  /** An answer still running after this long is reported anyway, in seconds. */
  maxAnswerSeconds: number;
  /** Dip (dB) the envelope must make between two syllable nuclei. */
  syllableDipDb: number;
  /** Acoustic filled-pause ("um", "uh") detection, or `false` to skip it. */
  filledPauses: Partial<FilledPauseOptions> | false;
}

export const defaultDeliveryOptions: DeliveryOptions = {
  frameMs: 20,
  gateDbfs: -45,
  aboveNoiseDb: 15,
  minPauseSeconds: 0.5,
  answerGapSeconds: 4,
  maxAnswerSeconds: 30,
  syllableDipDb: 3,
  filledPauses: {},
};

/** A stretch of speech between long gaps, with what was measured in it. */
interface Answer {
  startMs: number;
  lastVoiceMs: number;
  voicedFrames: number;
  power: number;
  peak: number;
  clipped: number;
  samples: number;
  pauses: number[];
  syllables: number;
  filled: FilledPause[];
}

/**
 * Vocal delivery from the energy envelope alone (no STT needed): per answer (speech between gaps of
 * `answerGapSeconds`) its loudness, clipping, pauses (count, longest, share of the answer), a
 * syllable-rate estimate from intensity peaks (nuclei separated by a dip of `syllableDipDb`) and
 * the filled pauses ("um", "uh") of the {@link FilledPauseDetector}. Each filled pause is also its
 * own `filled-pause` signal as soon as it ends, so transcripts can be matched against it.
 */
export class DeliveryAnalyser implements Analyser<'audio'> {
  readonly name = 'delivery';
  readonly media = 'audio' as const;
  readonly emits = ['delivery', 'filled-pause'] as const satisfies readonly SignalKind[];
  #o: DeliveryOptions;

  constructor(opts: Partial<DeliveryOptions> = {}) {
    this.#o = { ...defaultDeliveryOptions, ...opts };
  }

  async *analyse(samples: AsyncIterable<AudioSample>, ctx: AnalyserContext): AsyncIterable<SignalDraft> {
    const o = this.#o;
    const frameLen = Math.round((ANALYSIS_RATE * o.frameMs) / 1000);
    const resampler = new MonoResampler();
    const frame = new Int16Array(frameLen);
    let fill = 0;
    let frames = 0;
    let origin = Number.NaN;
    let noise = -60;
    let answer: Answer | undefined;
    let silentFrames = 0;
    // Syllable nuclei: peaks of the smoothed envelope with a dip of `syllableDipDb` on both sides.
    let smooth = -120;
    let seekingPeak = true;
    let top = -120;
    let valley = -120;
    const wall = (ms: number) => Math.round((Number.isNaN(origin) ? ctx.now() : origin) + ms);

    const detector = o.filledPauses === false ? undefined : new FilledPauseDetector(o.filledPauses);
    const filledSignal = (p: FilledPause): SignalDraft => {
      if (answer && p.startMs >= answer.startMs - o.frameMs) answer.filled.push(p);
      const seconds = round((p.endMs - p.startMs) / 1000, 2);
      return {
        kind: 'filled-pause',
        range: { start: wall(p.startMs), end: wall(p.endMs) },
        values: {
          seconds,
          medianHz: round(p.medianHz, 1),
          pitchSpreadSemitones: round(p.pitchSpreadSemitones, 2),
          spectralSpreadDb: round(p.spectralSpreadDb, 2),
        },
        confidence: 0.6,
        summary: `Filled pause ("um"/"uh") of ${seconds} s`,
      };
    };

    const report = (a: Answer, reason: string): SignalDraft => {
      const durationMs = Math.max(o.frameMs, a.lastVoiceMs - a.startMs);
      const pauseMs = a.pauses.reduce((x, y) => x + y, 0);
      const voicedSeconds = (a.voicedFrames * o.frameMs) / 1000;
      const loudness = round(toDbfs(Math.sqrt(a.power / Math.max(1, a.voicedFrames * frameLen))));
      const values = {
        seconds: round(durationMs / 1000, 2),
        voicedSeconds: round(voicedSeconds, 2),
        loudnessDbfs: loudness,
        peakDbfs: round(toDbfs(a.peak)),
        clippedShare: round(a.clipped / Math.max(1, a.samples), 4),
        pauses: a.pauses.length,
        longestPauseSeconds: round(Math.max(0, ...a.pauses) / 1000, 2),
        pauseShare: round(pauseMs / durationMs, 3),
        syllables: a.syllables,
        syllablesPerSecond: round(a.syllables / (durationMs / 1000), 2),
        articulationRate: round(a.syllables / Math.max(0.1, voicedSeconds), 2),
        filledPauses: a.filled.length,
        filledPausesPerMinute: round((a.filled.length * 60_000) / durationMs, 1),
        filledPauseSeconds: round(a.filled.reduce((n, p) => n + p.endMs - p.startMs, 0) / 1000, 2),
        // When, in seconds from the answer's start (evidence for the interviewer).
        filledPausesAt: a.filled
          .map((p) => round((p.startMs - a.startMs) / 1000, 1))
          .join(',')
          .slice(0, 256),
        reason,
      };
      return {
        kind: 'delivery',
        range: { start: wall(a.startMs), end: wall(a.lastVoiceMs) },
        values,
        confidence: round(Math.min(1, voicedSeconds / 5), 2),
        summary: `${values.seconds} s answer: ${values.pauses} pauses (longest ${values.longestPauseSeconds} s), ${values.filledPauses} filled pauses, ~${values.syllablesPerSecond} syllables/s, ${loudness} dBFS`,
      };
    };

    const onFrame = (atMs: number): SignalDraft | undefined => {
      let sum = 0;
      let peak = 0;
      let clipped = 0;
      for (let i = 0; i < frameLen; i++) {
        const s = frame[i] as number;
        sum += s * s;
        const a = s < 0 ? -s : s;
        if (a > peak) peak = a;
        if (a >= 32700) clipped++;
      }
      const db = toDbfs(Math.sqrt(sum / frameLen));
      // Noise floor: follows quiet frames at once, rises slowly (1 dB/s) through speech.
      noise = db < noise ? db : noise + o.frameMs / 1000;
      const voiced = db > o.gateDbfs && db > Math.max(noise, -90) + o.aboveNoiseDb;
      smooth = smooth <= -119 ? db : 0.5 * smooth + 0.5 * db;
      let out: SignalDraft | undefined;
      if (voiced) {
        if (!answer)
          answer = {
            startMs: atMs - o.frameMs,
            lastVoiceMs: atMs,
            voicedFrames: 0,
            power: 0,
            peak: 0,
            clipped: 0,
            samples: 0,
            pauses: [],
            syllables: 0,
            filled: [],
          };
        const gapMs = silentFrames * o.frameMs;
        if (answer.voicedFrames > 0 && gapMs >= o.minPauseSeconds * 1000) answer.pauses.push(gapMs);
        silentFrames = 0;
        answer.lastVoiceMs = atMs;
        answer.voicedFrames++;
        answer.power += sum;
        answer.peak = Math.max(answer.peak, peak);
        if (seekingPeak) {
          top = Math.max(top, smooth);
          if (smooth <= top - o.syllableDipDb) {
            answer.syllables++;
            seekingPeak = false;
            valley = smooth;
          }
        } else {
          valley = Math.min(valley, smooth);
          if (smooth >= valley + o.syllableDipDb) {
            seekingPeak = true;
            top = smooth;
          }
        }
        if (atMs - answer.startMs >= o.maxAnswerSeconds * 1000) {
          out = report(answer, 'max-length');
          answer = undefined;
        }
      } else if (answer) {
        if (seekingPeak && top > -120) answer.syllables++; // a nucleus cut off by silence
        seekingPeak = true;
        top = -120;
        silentFrames++;
        if (silentFrames * o.frameMs >= o.answerGapSeconds * 1000) {
          out = report(answer, 'gap');
          answer = undefined;
          silentFrames = 0;
        }
      }
      if (answer) {
        answer.clipped += clipped;
        answer.samples += frameLen;
      }
      return out;
    };

    try {
      for await (const { frame: input, receivedAt } of samples) {
        if (Number.isNaN(origin)) origin = receivedAt - (input.samplesPerChannel / input.sampleRate) * 1000;
        for (const f of resampler.push(input)) {
          const data = f.data;
          for (const p of detector?.push(data) ?? []) yield filledSignal(p);
          for (let i = 0; i < data.length; i++) {
            frame[fill++] = data[i] as number;
            if (fill < frameLen) continue;
            fill = 0;
            frames++;
            const out = onFrame(frames * o.frameMs);
            if (out) yield out;
          }
        }
      }
      for (const p of detector?.flush() ?? []) yield filledSignal(p);
      if (answer && answer.voicedFrames > 0) yield report(answer, 'end');
    } finally {
      resampler.close();
    }
  }
}
