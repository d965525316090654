import type { SignalKind } from '@interview-helper/protocol';
import type { Analyser, AnalyserContext, AudioSample, SignalDraft } from '../analysers/analyser.js';
import type { AudioDating } from '../analysers/audio-analysis.js';
import { type FilledPause, FilledPauseDetector, type FilledPauseOptions } from './filled-pause.js';
import { analysedAudio } from './front-end.js';
import { ANALYSIS_RATE, round, toDbfs } from './pcm.js';
import { loadSilero } from './speech.js';

/** Options of {@link DeliveryAnalyser}. */
export interface DeliveryOptions {
  /** Frame of the energy envelope, in ms. */
  frameMs: number;
  /** Frames quieter than this (dBFS) are never voice. */
  gateDbfs: number;
  /** Frames must also be this far above the running noise floor (dB). */
  aboveNoiseDb: number;
  /** A gap between two stretches of speech (voice activity) inside an answer at least this long is a pause, in seconds. */
  minPauseSeconds: number;
  /** Dip (dB) the envelope must make between two syllable nuclei. */
  syllableDipDb: number;
  /** Acoustic filled-pause ("um", "uh") detection, or `false` to skip it. */
  filledPauses: Partial<FilledPauseOptions> | false;
  /** Audio kept to measure an answer once its end is known, in seconds. */
  historySeconds: number;
}

export const defaultDeliveryOptions: DeliveryOptions = {
  frameMs: 20,
  gateDbfs: -45,
  aboveNoiseDb: 15,
  minPauseSeconds: 0.5,
  syllableDipDb: 3,
  filledPauses: {},
  historySeconds: 300,
};

/** Energy measures of one envelope frame (ending at `atMs`). */
interface Frame {
  atMs: number;
  power: number;
  peak: number;
  clipped: number;
  voiced: boolean;
  /** A syllable nucleus was completed in this frame. */
  nucleus: boolean;
}

/**
 * Vocal delivery per answer, as the session's turn model defines answers (Silero voice activity,
 * ended by a gap or the interviewer): loudness, clipping, pauses (gaps between stretches of speech
 * inside the answer: count, longest, share), a syllable-rate estimate from intensity peaks of the
 * energy envelope (nuclei separated by a dip of `syllableDipDb`) and the filled pauses ("um", "uh")
 * of the {@link FilledPauseDetector}, which reads the shared pitch track. Each filled pause is also
 * its own `filled-pause` signal as soon as it ends, so transcripts can be matched against it.
 * Answers are known a little after their audio, so the frames are kept until their answer ends.
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
    const buf = new Int16Array(frameLen);
    let fill = 0;
    let frameCount = 0;
    let dating: AudioDating | undefined; // the front end's, refined with every chunk
    let noise = -60;
    let smooth = -120;
    let seekingPeak = true;
    let top = -120;
    let valley = -120;
    let frames: Frame[] = [];
    let speech: { startMs: number; endMs: number }[] = [];
    let filled: FilledPause[] = [];
    let answerStart: number | undefined;
    const wall = (ms: number) => Math.round(dating ? dating.wallAt(ms) : ctx.now() + ms);
    const detector = o.filledPauses === false ? undefined : new FilledPauseDetector(o.filledPauses);

    const filledSignal = (p: FilledPause): SignalDraft => {
      filled.push(p);
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

    const report = (startMs: number, endMs: number, reason: string): SignalDraft | undefined => {
      const inAnswer = frames.filter((f) => f.atMs > startMs && f.atMs - o.frameMs < endMs);
      const parts = speech
        .filter((s) => s.endMs > startMs && s.startMs < endMs)
        .map((s) => ({ startMs: Math.max(s.startMs, startMs), endMs: Math.min(s.endMs, endMs) }));
      const fills = filled.filter((p) => p.startMs >= startMs - o.frameMs && p.endMs <= endMs + o.frameMs);
      // What was measured is dropped: the next answer starts after this one.
      frames = frames.filter((f) => f.atMs > endMs);
      speech = speech.filter((s) => s.endMs > endMs);
      filled = filled.filter((p) => p.endMs > endMs + o.frameMs);
      const voicedFrames = inAnswer.filter((f) => f.voiced);
      if (parts.length === 0 || voicedFrames.length === 0) return undefined;
      const durationMs = Math.max(o.frameMs, endMs - startMs);
      const pauses: number[] = [];
      for (let i = 1; i < parts.length; i++) {
        const gap = (parts[i]?.startMs ?? 0) - (parts[i - 1]?.endMs ?? 0);
        if (gap >= o.minPauseSeconds * 1000) pauses.push(gap);
      }
      const pauseMs = pauses.reduce((x, y) => x + y, 0);
      const voicedSeconds = parts.reduce((n, s) => n + s.endMs - s.startMs, 0) / 1000;
      const power = voicedFrames.reduce((n, f) => n + f.power, 0);
      const loudness = round(toDbfs(Math.sqrt(power / (voicedFrames.length * frameLen))));
      const syllables = inAnswer.filter((f) => f.nucleus).length;
      const values = {
        seconds: round(durationMs / 1000, 2),
        voicedSeconds: round(voicedSeconds, 2),
        loudnessDbfs: loudness,
        peakDbfs: round(toDbfs(Math.max(0, ...inAnswer.map((f) => f.peak)))),
        clippedShare: round(inAnswer.reduce((n, f) => n + f.clipped, 0) / (inAnswer.length * frameLen), 4),
        pauses: pauses.length,
        longestPauseSeconds: round(Math.max(0, ...pauses) / 1000, 2),
        pauseShare: round(pauseMs / durationMs, 3),
        syllables,
        syllablesPerSecond: round(syllables / (durationMs / 1000), 2),
        articulationRate: round(syllables / Math.max(0.1, voicedSeconds), 2),
        filledPauses: fills.length,
        filledPausesPerMinute: round((fills.length * 60_000) / durationMs, 1),
        filledPauseSeconds: round(fills.reduce((n, p) => n + p.endMs - p.startMs, 0) / 1000, 2),
        // When, in seconds from the answer's start (evidence for the interviewer).
        filledPausesAt: fills
          .map((p) => round((p.startMs - startMs) / 1000, 1))
          .join(',')
          .slice(0, 256),
        reason,
      };
      return {
        kind: 'delivery',
        range: { start: wall(startMs), end: wall(endMs) },
        values,
        confidence: round(Math.min(1, voicedSeconds / 5), 2),
        summary: `${values.seconds} s answer: ${values.pauses} pauses (longest ${values.longestPauseSeconds} s), ${values.filledPauses} filled pauses, ~${values.syllablesPerSecond} syllables/s, ${loudness} dBFS`,
      };
    };

    const onFrame = (atMs: number): void => {
      let sum = 0;
      let peak = 0;
      let clipped = 0;
      for (let i = 0; i < frameLen; i++) {
        const v = buf[i] as number;
        sum += v * v;
        const a = v < 0 ? -v : v;
        if (a > peak) peak = a;
        if (a >= 32700) clipped++;
      }
      const db = toDbfs(Math.sqrt(sum / frameLen));
      // Noise floor: follows quiet frames at once, rises slowly (1 dB/s) through speech.
      noise = db < noise ? db : noise + o.frameMs / 1000;
      const voiced = db > o.gateDbfs && db > Math.max(noise, -90) + o.aboveNoiseDb;
      smooth = smooth <= -119 ? db : 0.5 * smooth + 0.5 * db;
      let nucleus = false;
      if (voiced) {
        if (seekingPeak) {
          top = Math.max(top, smooth);
          if (smooth <= top - o.syllableDipDb) {
            nucleus = true;
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
      } else {
        if (seekingPeak && top > -120) nucleus = true; // a nucleus cut off by silence
        seekingPeak = true;
        top = -120;
      }
      frames.push({ atMs, power: sum, peak, clipped, voiced, nucleus });
      if (frames.length > (o.historySeconds * 1000) / o.frameMs) frames.shift();
    };

    const input = analysedAudio(samples, { vad: await loadSilero(), answers: true });
    for await (const { frame: input16, analysis } of input) {
      if (!analysis) continue;
      dating = analysis.dating;
      const data = input16.data;
      for (const p of detector?.push(data, analysis.pitch) ?? []) yield filledSignal(p);
      for (let i = 0; i < data.length; i++) {
        buf[fill++] = data[i] as number;
        if (fill < frameLen) continue;
        fill = 0;
        frameCount++;
        onFrame(frameCount * o.frameMs);
      }
      for (const e of analysis.speech)
        if (e.type === 'end') speech.push({ startMs: e.startMs, endMs: e.endMs });
      for (const a of analysis.answers) {
        if (a.type === 'answer-start') {
          answerStart = a.atMs;
          continue;
        }
        answerStart = undefined;
        const out = report(a.startMs, a.endMs, a.reason);
        if (out) yield out;
      }
    }
    for (const p of detector?.flush() ?? []) yield filledSignal(p);
    if (answerStart !== undefined) {
      const end = Math.max(answerStart, ...speech.map((s) => s.endMs));
      const out = report(answerStart, end, 'end');
      if (out) yield out;
    }
  }
}
