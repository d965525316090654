/**
 * What the candidate is doing right now, shared by every analyser of one session: whether they
 * are speaking and when their current answer started. The session's turn model (`audio/turn-model.ts`)
 * is its only writer, so voice activity, delivery, the face analyser's answer share, transcription
 * and hints all see one definition of an answer. An answer stays "current" after it ends until the
 * next one starts. Times are wall-clock milliseconds.
 */
export class CandidateActivity {
  #speaking = false;
  #answerStart: number | undefined;

  /** The candidate is speaking now. */
  get candidateSpeaking(): boolean {
    return this.#speaking;
  }

  /** Start of the current (or latest) answer; undefined before the candidate first speaks. */
  get answerStartedAt(): number | undefined {
    return this.#answerStart;
  }

  /** Voice activity detected speech starting at `at`. */
  speechStarted(_at: number): void {
    this.#speaking = true;
  }

  /** Voice activity detected the end of speech at `at` (or the track ended). */
  speechEnded(_at: number): void {
    this.#speaking = false;
  }

  /** The turn model opened a new answer at `at`. */
  answerStarted(at: number): void {
    this.#answerStart = at;
  }
}
