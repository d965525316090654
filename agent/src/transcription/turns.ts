import type { Role } from '@interview-helper/protocol';
import type { SignalDraft } from '../analysers/analyser.js';
import { round } from '../audio/pcm.js';
import { countFillers, mergeFillers } from './fillers.js';
import type { SpeechBoundary, TranscriptSegment } from './transcriber.js';

/** Options of {@link TurnTracker}. */
export interface TurnOptions {
  /** Candidate silence after the interviewer stopped speaking that is a long pause, in seconds. */
  longPauseSeconds: number;
  /** How often talk time is reported while it changes, in ms. */
  talkTimeEveryMs: number;
  /** Slack when matching acoustic filled pauses to a transcript segment's time range, in ms. */
  filledPauseSlackMs: number;
}

export const defaultTurnOptions: TurnOptions = {
  longPauseSeconds: 8,
  talkTimeEveryMs: 30_000,
  filledPauseSlackMs: 500,
};

/** Acoustic filled pauses kept for matching with segments still being transcribed. */
const MAX_FILLED_PAUSES = 256;

/**
 * Turn taking between the candidate and the interviewers from both speakers' VAD boundaries and
 * transcripts: a `long-pause` when the candidate stays silent after a question, `overlap` when one
 * starts while the other speaks, `talk-time` shares, and per candidate segment its words per
 * minute and filler words (`speech-rate`). Filled pauses found in the candidate's audio (the
 * delivery analyser's `filled-pause` signals, passed to {@link TurnTracker.filledPause}) are merged
 * into the segment's filler count with {@link mergeFillers}, so an "um" the recognizer dropped still
 * counts and one it wrote counts once.
 */
export class TurnTracker {
  #o: TurnOptions;
  #emit: (d: SignalDraft) => void;
  #now: () => number;
  #speaking = new Map<string, { role: Role; since: number }>();
  #talkMs: Record<Role, number> = { candidate: 0, interviewer: 0 };
  #timer?: NodeJS.Timeout;
  #talkTimer?: NodeJS.Timeout;
  #talkChanged = false;
  #filledPauses: { start: number; end: number }[] = [];

  constructor(emit: (d: SignalDraft) => void, opts: Partial<TurnOptions> = {}, now: () => number = Date.now) {
    this.#o = { ...defaultTurnOptions, ...opts };
    this.#emit = emit;
    this.#now = now;
    this.#talkTimer = setInterval(() => this.#talkTime(), this.#o.talkTimeEveryMs);
    this.#talkTimer.unref();
  }

  boundary(b: SpeechBoundary): void {
    const key = b.speaker.identity;
    const role = b.speaker.role;
    if (b.type === 'start') {
      if (role === 'candidate') clearTimeout(this.#timer);
      const other = [...this.#speaking.entries()].find(([k, s]) => k !== key && s.role !== role);
      if (other)
        this.#emit({
          kind: 'overlap',
          range: { start: b.at, end: b.at },
          values: {
            startedBy: role,
            identity: b.speaker.identity,
            otherSpeakingForSeconds: round((b.at - other[1].since) / 1000, 2),
          },
          confidence: 0.7,
          summary: `The ${role} started speaking while the ${other[1].role} was speaking`,
        });
      this.#speaking.set(key, { role, since: b.at });
      return;
    }
    const was = this.#speaking.get(key);
    this.#speaking.delete(key);
    if (was) {
      this.#talkMs[role] += Math.max(0, b.at - was.since);
      this.#talkChanged = true;
    }
    if (role === 'interviewer' && ![...this.#speaking.values()].some((s) => s.role === 'candidate')) {
      clearTimeout(this.#timer);
      const questionEnd = b.at;
      const wait = Math.max(0, questionEnd + this.#o.longPauseSeconds * 1000 - this.#now());
      this.#timer = setTimeout(() => {
        const at = this.#now();
        this.#emit({
          kind: 'long-pause',
          range: { start: questionEnd, end: at },
          values: {
            phase: 'start',
            episodeId: `long-pause-${questionEnd}-q`,
            durationMs: Math.max(0, Math.round(at - questionEnd)),
            silenceSeconds: round((at - questionEnd) / 1000, 2),
            thresholdSeconds: this.#o.longPauseSeconds,
            after: 'interviewer',
          },
          confidence: 0.8,
          summary: `Candidate silent for ${((at - questionEnd) / 1000).toFixed(1)} s after the question`,
        });
      }, wait);
      this.#timer.unref();
    }
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

  #talkTime(): void {
    if (!this.#talkChanged) return;
    this.#talkChanged = false;
    const total = this.#talkMs.candidate + this.#talkMs.interviewer;
    const now = this.#now();
    this.#emit({
      kind: 'talk-time',
      range: { start: now, end: now },
      values: {
        candidateSeconds: round(this.#talkMs.candidate / 1000, 1),
        interviewerSeconds: round(this.#talkMs.interviewer / 1000, 1),
        candidateShare: round(total ? this.#talkMs.candidate / total : 0, 3),
      },
      confidence: 0.9,
      summary: `Candidate spoke ${Math.round((total ? this.#talkMs.candidate / total : 0) * 100)} % of the time`,
    });
  }

  close(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#talkTimer);
    this.#talkTime();
  }
}
