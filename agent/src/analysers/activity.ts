/** Options of {@link CandidateActivity}. */
export interface CandidateActivityOptions {
  /** Silence at least this long ends the candidate's answer; the next speech starts a new one (ms). */
  answerGapMs: number;
}

export const defaultCandidateActivityOptions: CandidateActivityOptions = { answerGapMs: 4000 };

/**
 * What the candidate is doing right now, shared by every analyser of one session: whether they
 * are speaking (from Silero voice activity, see `audio/vad.ts`) and when their current answer
 * started. An answer is speech between silences of at least `answerGapMs` (the delivery
 * analyser's answer gap); it stays "current" after it ends until the next one starts.
 * Times are wall-clock milliseconds.
 */
export class CandidateActivity {
  #o: CandidateActivityOptions;
  #speaking = false;
  #answerStart: number | undefined;
  #lastSpeechEnd = Number.NEGATIVE_INFINITY;

  constructor(opts: Partial<CandidateActivityOptions> = {}) {
    this.#o = { ...defaultCandidateActivityOptions, ...opts };
  }

  /** The candidate is speaking now. */
  get candidateSpeaking(): boolean {
    return this.#speaking;
  }

  /** Start of the current (or latest) answer; undefined before the candidate first speaks. */
  get answerStartedAt(): number | undefined {
    return this.#answerStart;
  }

  /** Voice activity detected speech starting at `at`. */
  speechStarted(at: number): void {
    if (this.#speaking) return;
    this.#speaking = true;
    if (this.#answerStart === undefined || at - this.#lastSpeechEnd >= this.#o.answerGapMs)
      this.#answerStart = at;
  }

  /** Voice activity detected the end of speech at `at`. */
  speechEnded(at: number): void {
    if (!this.#speaking) return;
    this.#speaking = false;
    this.#lastSpeechEnd = at;
  }
}
