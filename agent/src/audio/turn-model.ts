import type { Role } from '@interview-helper/protocol';
import type { CandidateActivity } from '../analysers/activity.js';
import type { SignalDraft } from '../analysers/analyser.js';
import type { AnswerEndReason, SessionBus, SessionEventOf, Speaker } from '../bus/session-bus.js';
import { round } from './pcm.js';

/** Options of {@link TurnModel}. */
export interface TurnModelOptions {
  /** Silence (nobody speaking while the candidate's microphone is live) that is a long pause, in seconds. */
  longPauseSeconds: number;
  /** Candidate silence that ends an answer, in seconds. */
  answerGapSeconds: number;
  /** Answers with less speech than this (first start to last end) give no `answer-end` signal, in seconds. */
  minAnswerSeconds: number;
  /** How often talk time is reported while it changes, in ms. */
  talkTimeEveryMs: number;
}

export const defaultTurnModelOptions: TurnModelOptions = {
  longPauseSeconds: 8,
  answerGapSeconds: 4,
  minAnswerSeconds: 1,
  talkTimeEveryMs: 30_000,
};

/** What the silence followed: the candidate's own speech, the interviewer, or nothing yet. */
type After = 'speech' | 'interviewer' | 'track-start';

/**
 * Lost audio inside a stretch (a silence, an answer's gap, a turn) since `lostTo` began counting: it is unknown, so
 * it counts as neither silence nor speech.
 */
interface Lost {
  lostMs: number;
  /** The end of the last lost audio counted (the stretch's start before any): the tracks' losses overlap. */
  lostTo: number;
}

interface Silence extends Lost {
  start: number;
  after: After;
  episodeId: string;
  reported: Set<number>;
}

interface Answer extends Lost {
  start: number;
  lastEnd: number;
  voicedMs: number;
}

interface Turn extends Lost {
  role: Role;
  since: number;
}

/** Counts the part of the lost audio `from`–`to` that `x` does not count yet. */
function addLost(x: Lost, from: number, to: number): void {
  const start = Math.max(from, x.lostTo);
  if (to <= start) return;
  x.lostMs += to - start;
  x.lostTo = to;
}

let episodes = 0;

/**
 * The one definition of turns, answers and pauses of a session, from both speakers' Silero voice
 * activity on the bus:
 *
 * - a **turn** is a speaker's speech; one speaker starting while the other speaks is an `overlap`;
 * - an **answer** is the candidate's speech from its first start while no answer is open until a
 *   candidate silence of `answerGapSeconds` or an interviewer starting to speak while the candidate
 *   is silent (it then ends at the candidate's last speech); `answer-start` / `answer-end` go on the
 *   bus (delivery and the face analyser's answer share read them) and an `answer-end` signal is emitted;
 * - a **pause** is time when nobody speaks while the candidate's microphone is live, after a
 *   question, inside an answer, or since the microphone started. It is the session's only
 *   `long-pause` source: one signal when it reaches `longPauseSeconds` and one more at each
 *   threshold watched with {@link TurnModel.watchPause} (the hint triggers'), same episode id.
 *
 * Also keeps {@link CandidateActivity} and reports `talk-time` shares. Times are wall-clock ms; the
 * clock advances with the voice-activity ticks of every track, so pauses are measured in media time.
 * Audio a track lost (`audio-lost`) is unknown: it counts as neither silence nor speech, so a gap in
 * the audio is never reported as a pause, never ends an answer and adds no talk time.
 */
export class TurnModel {
  #o: TurnModelOptions;
  #emit: (d: SignalDraft) => void;
  #bus: SessionBus;
  #activity?: CandidateActivity;
  #now: () => number;
  #speaking = new Map<string, Turn>();
  #candidateTracks = new Set<string>();
  #silence?: Silence;
  #answer?: Answer;
  #clock = 0;
  #watched = new Set<() => number>();
  #talkMs: Record<Role, number> = { candidate: 0, interviewer: 0 };
  #talkChanged = false;
  #talkTimer?: NodeJS.Timeout;
  #off: (() => void)[];

  constructor(opts: {
    bus: SessionBus;
    emit: (d: SignalDraft) => void;
    activity?: CandidateActivity;
    options?: Partial<TurnModelOptions>;
    now?: () => number;
  }) {
    this.#o = { ...defaultTurnModelOptions, ...opts.options };
    if (!(this.#o.longPauseSeconds > 0)) throw new RangeError('longPauseSeconds must be positive');
    this.#bus = opts.bus;
    this.#emit = opts.emit;
    this.#activity = opts.activity;
    this.#now = opts.now ?? Date.now;
    const b = opts.bus;
    this.#off = [
      b.on('track-start', (e) => this.#trackStart(e.speaker, e.at)),
      b.on('track-end', (e) => this.#trackEnd(e.speaker)),
      b.on('speech-start', (e) => this.#speechStart(e)),
      b.on('speech-end', (e) => this.#speechEnd(e)),
      b.on('vad', (e) => this.#tick(e.at)),
      b.on('audio-lost', (e) => this.#audioLost(e)),
    ];
    this.#talkTimer = setInterval(() => this.#talkTime(), this.#o.talkTimeEveryMs);
    this.#talkTimer.unref();
  }

  /**
   * Also report a pause when it reaches `seconds()` (read at every check, so a changed setting
   * applies at once). Returns the function that stops watching.
   */
  watchPause(seconds: () => number): () => void {
    this.#watched.add(seconds);
    return () => this.#watched.delete(seconds);
  }

  /** Stops listening; an open answer is closed and talk time reported. */
  close(): void {
    for (const off of this.#off) off();
    this.#off = [];
    clearInterval(this.#talkTimer);
    this.#closeAnswer('end');
    this.#talkTime();
  }

  #trackStart(speaker: Speaker, at: number): void {
    if (speaker.role !== 'candidate') return;
    this.#candidateTracks.add(speaker.trackSid);
    this.#clock = Math.max(this.#clock, at);
    if (!this.#silence && this.#speaking.size === 0) this.#silence = this.#newSilence(at, 'track-start');
  }

  #trackEnd(speaker: Speaker): void {
    const was = this.#speaking.get(speaker.identity);
    if (was) this.#speechEnd({ type: 'speech-end', speaker, start: was.since, end: this.#clock });
    if (speaker.role !== 'candidate') return;
    this.#candidateTracks.delete(speaker.trackSid);
    if (this.#candidateTracks.size > 0) return;
    this.#closeAnswer('end');
    this.#activity?.speechEnded(this.#clock);
    this.#silence = undefined;
  }

  #speechStart({ speaker, at }: SessionEventOf<'speech-start'>): void {
    this.#clock = Math.max(this.#clock, at);
    const role = speaker.role;
    const other = [...this.#speaking.entries()].find(([k, s]) => k !== speaker.identity && s.role !== role);
    if (other)
      this.#emit({
        kind: 'overlap',
        range: { start: at, end: at },
        values: {
          startedBy: role,
          identity: speaker.identity,
          otherSpeakingForSeconds: round((at - other[1].since) / 1000, 2),
        },
        confidence: 0.7,
        summary: `The ${role} started speaking while the ${other[1].role} was speaking`,
      });
    this.#speaking.set(speaker.identity, { role, since: at, lostMs: 0, lostTo: at });
    // a reported pause ends when anyone speaks: its end message carries the whole silence
    const s = this.#silence;
    if (s && s.reported.size > 0) this.#pauseSignal(s, at, Math.min(...s.reported), 'end');
    this.#silence = undefined;
    if (role === 'candidate') {
      this.#activity?.speechStarted(at);
      if (!this.#answer) {
        this.#answer = { start: at, lastEnd: at, voicedMs: 0, lostMs: 0, lostTo: at };
        this.#activity?.answerStarted(at);
        this.#bus.emit({ type: 'answer-start', at });
      }
    } else if (this.#answer && !this.#candidateSpeaking()) {
      this.#closeAnswer('interviewer');
    }
  }

  #speechEnd({ speaker, start, end }: SessionEventOf<'speech-end'>): void {
    this.#clock = Math.max(this.#clock, end);
    const was = this.#speaking.get(speaker.identity);
    this.#speaking.delete(speaker.identity);
    const role = speaker.role;
    const from = was?.since ?? start;
    const spokenMs = Math.max(0, end - from - (was?.lostMs ?? 0));
    this.#talkMs[role] += spokenMs;
    this.#talkChanged = true;
    if (role === 'candidate') {
      if (!this.#candidateSpeaking()) this.#activity?.speechEnded(end);
      if (this.#answer) {
        const a = this.#answer;
        if (end >= a.lastEnd) Object.assign(a, { lastEnd: end, lostMs: 0, lostTo: end });
        a.voicedMs += spokenMs;
      }
    }
    if (this.#speaking.size === 0 && this.#candidateTracks.size > 0)
      this.#silence = this.#newSilence(end, role === 'candidate' ? 'speech' : 'interviewer');
    this.#tick(this.#clock);
  }

  /** Audio of a track was lost: that stretch counts as neither silence nor speech (see the class). */
  #audioLost({ speaker, from, to }: SessionEventOf<'audio-lost'>): void {
    if (this.#silence) addLost(this.#silence, from, to);
    if (this.#answer) addLost(this.#answer, from, to);
    const turn = this.#speaking.get(speaker.identity);
    if (turn) addLost(turn, from, to);
  }

  #tick(at: number): void {
    this.#clock = Math.max(this.#clock, at);
    const now = this.#clock;
    const a = this.#answer;
    if (a && !this.#candidateSpeaking() && now - a.lastEnd - a.lostMs >= this.#o.answerGapSeconds * 1000)
      this.#closeAnswer('gap');
    const s = this.#silence;
    if (!s) return;
    const elapsed = now - s.start - s.lostMs;
    const thresholds = [this.#o.longPauseSeconds, ...[...this.#watched].map((f) => f())]
      .filter((t) => Number.isFinite(t) && t > 0)
      .sort((x, y) => x - y);
    for (const t of thresholds) {
      if (elapsed < t * 1000 || s.reported.has(t)) continue;
      const first = s.reported.size === 0;
      s.reported.add(t);
      this.#pauseSignal(s, now, t, first ? 'start' : 'update');
    }
  }

  /** One message of a pause episode: at a threshold (`start`, then `update`), or when the silence ended. */
  #pauseSignal(s: Silence, at: number, threshold: number, phase: 'start' | 'update' | 'end'): void {
    const heardMs = at - s.start - s.lostMs;
    const seconds = heardMs / 1000;
    this.#emit({
      kind: 'long-pause',
      range: { start: s.start, end: at },
      values: {
        silenceSeconds: round(seconds, 2),
        thresholdSeconds: threshold,
        after: s.after,
        phase,
        episodeId: s.episodeId,
        durationMs: Math.round(heardMs),
      },
      confidence: 0.9,
      summary:
        phase === 'end'
          ? `The silence ended after ${seconds.toFixed(1)} s`
          : s.after === 'interviewer'
            ? `Candidate silent for ${seconds.toFixed(1)} s after the question`
            : `Candidate silent for ${seconds.toFixed(1)} s`,
    });
  }

  #closeAnswer(reason: AnswerEndReason): void {
    const a = this.#answer;
    if (!a) return;
    this.#answer = undefined;
    const speechSeconds = Math.max(0, a.lastEnd - a.start) / 1000;
    this.#bus.emit({ type: 'answer-end', start: a.start, end: a.lastEnd, speechSeconds, reason });
    if (speechSeconds < this.#o.minAnswerSeconds) return;
    this.#emit({
      kind: 'answer-end',
      range: { start: a.start, end: a.lastEnd },
      values: {
        speechSeconds: round(speechSeconds, 1),
        voicedSeconds: round(a.voicedMs / 1000, 1),
        reason,
      },
      confidence: 0.7,
      summary: `Candidate stopped after ${speechSeconds.toFixed(1)} s of speech`,
    });
  }

  #candidateSpeaking(): boolean {
    for (const s of this.#speaking.values()) if (s.role === 'candidate') return true;
    return false;
  }

  #newSilence(start: number, after: After): Silence {
    return {
      start,
      after,
      episodeId: `pause_${start}_${++episodes}`,
      reported: new Set(),
      lostMs: 0,
      lostTo: start,
    };
  }

  #talkTime(): void {
    if (!this.#talkChanged) return;
    this.#talkChanged = false;
    const total = this.#talkMs.candidate + this.#talkMs.interviewer;
    const now = this.#now();
    const share = total ? this.#talkMs.candidate / total : 0;
    this.#emit({
      kind: 'talk-time',
      range: { start: now, end: now },
      values: {
        candidateSeconds: round(this.#talkMs.candidate / 1000, 1),
        interviewerSeconds: round(this.#talkMs.interviewer / 1000, 1),
        candidateShare: round(share, 3),
      },
      confidence: 0.9,
      summary: `Candidate spoke ${Math.round(share * 100)} % of the time`,
    });
  }
}
