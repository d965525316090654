import type { SignalDraft } from '../analysers/analyser.js';

/** Options of {@link VoiceActivityTracker}. */
export interface VoiceActivityOptions {
  /** A chunk louder than this (RMS, dBFS) counts as speech. */
  speechDbfs: number;
}

export const defaultVoiceActivityOptions: VoiceActivityOptions = { speechDbfs: -45 };

/** What the tracker noticed in one chunk. */
export type VoiceEvent =
  | { type: 'speech'; at: number }
  | { type: 'answer-end'; start: number; end: number; speechSeconds: number }
  | { type: 'long-silence'; start: number; at: number; seconds: number; speechBefore: boolean };

/** The signal for a `long-silence` or `answer-end` event (published, stored and fed to the triggers). */
export function voiceSignal(e: Exclude<VoiceEvent, { type: 'speech' }>): SignalDraft {
  const r = (x: number) => Math.round(x * 10) / 10;
  return e.type === 'long-silence'
    ? {
        kind: 'long-pause',
        range: { start: e.start, end: e.at },
        values: {
          phase: 'start',
          episodeId: `long-pause-${Math.round(e.start)}-level`,
          durationMs: Math.max(0, Math.round(e.at - e.start)),
          silenceSeconds: r(e.seconds),
          thresholdSeconds: r(e.seconds),
          after: e.speechBefore ? 'speech' : 'track-start',
        },
        confidence: 0.9,
        summary: `No candidate speech for ${e.seconds.toFixed(1)} s`,
      }
    : {
        kind: 'answer-end',
        range: { start: e.start, end: e.end },
        values: { speechSeconds: r(e.speechSeconds) },
        confidence: 0.7,
        summary: `Candidate stopped after ${e.speechSeconds.toFixed(1)} s of speech`,
      };
}

/** RMS level of 16-bit PCM in dBFS (-120 for digital silence). */
export function rmsDbfs(pcm: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) {
    const s = pcm[i] as number;
    sum += s * s;
  }
  const rms = Math.sqrt(sum / Math.max(1, pcm.length));
  return rms > 0 ? Math.max(-120, 20 * Math.log10(rms / 32768)) : -120;
}

/**
 * Follows the candidate's voice activity chunk by chunk (10–20 ms of audio each) and reports the moments
 * hints care about, as soon as they happen: a silence reaching the long-pause threshold (once per
 * silence) and the end of an answer (silence of `gapSeconds` after enough speech).
 */
export class VoiceActivityTracker {
  #o: VoiceActivityOptions;
  #thresholds: () => { longPauseSeconds: number; answerGapSeconds: number; minAnswerSeconds: number };
  #lastVoiceAt = 0;
  #silenceStart = 0;
  #runStart = 0;
  #voicedMs = 0;
  #spoke = false;
  #longReported = false;
  #answerReported = true;

  constructor(
    thresholds: () => { longPauseSeconds: number; answerGapSeconds: number; minAnswerSeconds: number },
    opts: Partial<VoiceActivityOptions> = {},
  ) {
    this.#thresholds = thresholds;
    this.#o = { ...defaultVoiceActivityOptions, ...opts };
  }

  /** Feeds one chunk ending at `end` (ms since epoch) lasting `durationMs`; returns what it completed. */
  push(levelDbfs: number, end: number, durationMs: number): VoiceEvent[] {
    const out: VoiceEvent[] = [];
    const t = this.#thresholds();
    if (this.#silenceStart === 0 && this.#lastVoiceAt === 0) this.#silenceStart = end - durationMs;
    if (levelDbfs > this.#o.speechDbfs) {
      // A new answer starts after a gap long enough to have ended the previous one.
      if (this.#answerReported) {
        this.#runStart = end - durationMs;
        this.#voicedMs = 0;
      }
      this.#voicedMs += durationMs;
      this.#lastVoiceAt = end;
      this.#silenceStart = end;
      this.#spoke = true;
      this.#longReported = false;
      this.#answerReported = false;
      out.push({ type: 'speech', at: end });
      return out;
    }
    const silentMs = end - this.#silenceStart;
    if (!this.#answerReported && silentMs >= t.answerGapSeconds * 1000) {
      this.#answerReported = true;
      const speechSeconds = (this.#lastVoiceAt - this.#runStart) / 1000;
      if (speechSeconds >= t.minAnswerSeconds && this.#voicedMs >= 500) {
        out.push({ type: 'answer-end', start: this.#runStart, end: this.#lastVoiceAt, speechSeconds });
      }
    }
    if (!this.#longReported && silentMs >= t.longPauseSeconds * 1000) {
      this.#longReported = true;
      out.push({
        type: 'long-silence',
        start: this.#silenceStart,
        at: end,
        seconds: silentMs / 1000,
        speechBefore: this.#spoke,
      });
    }
    return out;
  }
}
