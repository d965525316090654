import type { SignalDraft } from '../analysers/analyser.js';
import { round } from '../audio/pcm.js';
import { countFillers, mergeFillers } from './fillers.js';
import type { TranscriptSegment } from './transcriber.js';

/** Options of {@link SpeechRateTracker}. */
export interface SpeechRateOptions {
  /** Slack when matching acoustic filled pauses to a transcript segment's time range, in ms. */
  filledPauseSlackMs: number;
}

export const defaultSpeechRateOptions: SpeechRateOptions = { filledPauseSlackMs: 500 };

/** Acoustic filled pauses kept for matching with segments still being transcribed. */
const MAX_FILLED_PAUSES = 256;

/**
 * Per candidate transcript segment its words per minute and filler words (`speech-rate`). Filled
 * pauses found in the candidate's audio (the delivery analyser's `filled-pause` signals, passed to
 * {@link SpeechRateTracker.filledPause}) are merged into the segment's filler count with
 * {@link mergeFillers}, so an "um" the recognizer dropped still counts and one it wrote counts once.
 * (Turn taking, pauses and talk time come from the session's turn model.)
 */
export class SpeechRateTracker {
  #o: SpeechRateOptions;
  #emit: (d: SignalDraft) => void;
  #filledPauses: { start: number; end: number }[] = [];

  constructor(emit: (d: SignalDraft) => void, opts: Partial<SpeechRateOptions> = {}) {
    this.#o = { ...defaultSpeechRateOptions, ...opts };
    this.#emit = emit;
  }

  /** A filled pause the acoustic detector found in the candidate's audio (wall-clock ms). */
  filledPause(range: { start: number; end: number }): void {
    if (!(Number.isFinite(range.start) && Number.isFinite(range.end))) return;
    this.#filledPauses.push({ start: range.start, end: range.end });
    if (this.#filledPauses.length > MAX_FILLED_PAUSES) this.#filledPauses.shift();
  }

  /** A finished candidate segment: words per minute and filler words (transcript and acoustic). */
  segment(s: TranscriptSegment): void {
    if (s.status !== 'ok' || s.speaker.role !== 'candidate') return;
    const seconds = Math.max(0.1, (s.end - s.start) / 1000);
    const text = countFillers(s.text);
    const slack = this.#o.filledPauseSlackMs;
    const inside = (p: { start: number; end: number }) =>
      p.start >= s.start - slack && p.end <= s.end + slack;
    const acoustic = this.#filledPauses.filter(inside).length;
    this.#filledPauses = this.#filledPauses.filter((p) => !inside(p) && p.end >= s.start - 60_000);
    const fillers = mergeFillers(text, acoustic);
    this.#emit({
      kind: 'speech-rate',
      range: { start: s.start, end: s.end },
      values: {
        words: text.words,
        seconds: round(seconds, 2),
        wordsPerMinute: round((text.words / seconds) * 60, 1),
        fillers: fillers.total,
        fillerWords: JSON.stringify(text.byFiller),
        hesitations: fillers.hesitations,
        transcriptHesitations: fillers.transcriptHesitations,
        filledPauses: fillers.filledPauses,
      },
      confidence: round(Math.min(1, seconds / 5) * 0.8, 2),
      summary: `${round((text.words / seconds) * 60, 0)} words/min, ${fillers.total} fillers (${fillers.hesitations} um/uh)`,
    });
  }
}
