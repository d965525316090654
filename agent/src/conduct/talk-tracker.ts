import type { Role } from '@interview-helper/protocol';

/** Options of {@link TalkTracker}. */
export interface TalkTrackerOptions {
  /** An interviewer's share of all talk time at or above which they get a note. */
  maxTalkShare: number;
  /** Talk time (everyone) before shares are judged, in seconds. */
  minTalkSeconds: number;
  /** A share note is repeated only after the share fell below `maxTalkShare − 0.1` and this long passed. */
  talkShareRepeatMs: number;
  /** An interviewer's turn without the candidate speaking this long is a monologue, in seconds. */
  monologueSeconds: number;
  /** Pauses up to this long keep an interviewer's turn going, in ms. */
  turnGapMs: number;
  /** The candidate must have been speaking this long for an interviewer's start to count as cutting in, in s. */
  interruptMinCandidateSeconds: number;
  /** …and must stop within this long after the interviewer started, in ms (otherwise it was a backchannel). */
  interruptYieldMs: number;
  /** An interviewer utterance shorter than this while the candidate speaks is a backchannel ("mm-hmm"), in ms. */
  backchannelMs: number;
  /** At most one interruption note per interviewer in this long, in ms (the count goes on). */
  interruptionRepeatMs: number;
}

export const defaultTalkTrackerOptions: TalkTrackerOptions = {
  maxTalkShare: 0.5,
  minTalkSeconds: 120,
  talkShareRepeatMs: 300_000,
  monologueSeconds: 60,
  turnGapMs: 2000,
  interruptMinCandidateSeconds: 1,
  interruptYieldMs: 2000,
  backchannelMs: 1000,
  interruptionRepeatMs: 60_000,
};

/** Something an interviewer did with their turns, measured. */
export type TalkObservation =
  | {
      kind: 'talk-share';
      interviewer: string;
      at: number;
      share: number;
      seconds: number;
      totalSeconds: number;
    }
  | { kind: 'monologue'; interviewer: string; at: number; start: number; seconds: number }
  | {
      kind: 'interruption';
      interviewer: string;
      at: number;
      candidateSeconds: number;
      yieldedAfterMs: number;
      count: number;
    };

interface Turn {
  start: number;
  lastEnd: number;
  speaking: boolean;
  reported: boolean;
}

interface Interviewer {
  talkMs: number;
  turn?: Turn;
  shareFlagged: boolean;
  shareAt: number;
  interruptions: number;
  interruptionNotedAt: number;
  /** An interviewer start while the candidate spoke, not yet confirmed as cutting in. */
  pending?: { at: number; candidateSeconds: number };
  speakingSince?: number;
}

/**
 * Each interviewer's turn taking, from voice activity attributed to their own track: their share of all talk
 * time, monologues (a turn without the candidate speaking), and cutting in (starting while the candidate spoke,
 * after which the candidate stopped). Pure bookkeeping on media time; returns observations as they happen.
 */
export class TalkTracker {
  #o: TalkTrackerOptions;
  #people = new Map<string, Interviewer>();
  #candidateMs = 0;
  #candidateSince?: number;

  constructor(options: Partial<TalkTrackerOptions> = {}) {
    this.#o = { ...defaultTalkTrackerOptions, ...options };
  }

  /** Seconds each interviewer spoke so far. */
  talkSeconds(): Record<string, number> {
    return Object.fromEntries([...this.#people].map(([who, p]) => [who, p.talkMs / 1000]));
  }

  #person(identity: string): Interviewer {
    let p = this.#people.get(identity);
    if (!p) {
      p = { talkMs: 0, shareFlagged: false, shareAt: 0, interruptions: 0, interruptionNotedAt: -Infinity };
      this.#people.set(identity, p);
    }
    return p;
  }

  speechStart(identity: string, role: Role, at: number): TalkObservation[] {
    if (role === 'candidate') {
      this.#candidateSince ??= at;
      // the candidate spoke: every interviewer's turn is over
      for (const p of this.#people.values()) p.turn = undefined;
      return [];
    }
    const p = this.#person(identity);
    p.speakingSince = at;
    const t = p.turn;
    if (t && at - t.lastEnd <= this.#o.turnGapMs) t.speaking = true;
    else p.turn = { start: at, lastEnd: at, speaking: true, reported: false };
    const since = this.#candidateSince;
    if (since !== undefined && at - since >= this.#o.interruptMinCandidateSeconds * 1000)
      p.pending = { at, candidateSeconds: (at - since) / 1000 };
    return [];
  }

  speechEnd(identity: string, role: Role, start: number, end: number): TalkObservation[] {
    const out: TalkObservation[] = [];
    if (role === 'candidate') {
      this.#candidateMs += Math.max(0, end - (this.#candidateSince ?? start));
      this.#candidateSince = undefined;
      for (const [who, p] of this.#people) {
        const pending = p.pending;
        if (!pending) continue;
        p.pending = undefined;
        const yielded = end - pending.at;
        if (yielded < 0 || yielded > this.#o.interruptYieldMs) continue;
        p.interruptions++;
        if (end - p.interruptionNotedAt < this.#o.interruptionRepeatMs) continue;
        p.interruptionNotedAt = end;
        out.push({
          kind: 'interruption',
          interviewer: who,
          at: end,
          candidateSeconds: Math.round(pending.candidateSeconds * 10) / 10,
          yieldedAfterMs: Math.round(yielded),
          count: p.interruptions,
        });
      }
      out.push(...this.#shares(end));
      return out;
    }
    const p = this.#person(identity);
    const from = p.speakingSince ?? start;
    p.speakingSince = undefined;
    p.talkMs += Math.max(0, end - from);
    // a short utterance over the candidate is a backchannel, not cutting in
    if (p.pending && end - from < this.#o.backchannelMs) p.pending = undefined;
    if (p.turn) {
      p.turn.lastEnd = end;
      p.turn.speaking = false;
    }
    out.push(...this.tick(end), ...this.#shares(end));
    return out;
  }

  /** Media time advanced (voice-activity ticks): a monologue is reported while it goes on. */
  tick(at: number): TalkObservation[] {
    const out: TalkObservation[] = [];
    for (const [who, p] of this.#people) {
      const t = p.turn;
      if (!t || t.reported) continue;
      const until = t.speaking ? Math.max(at, t.lastEnd) : t.lastEnd;
      const seconds = (until - t.start) / 1000;
      if (seconds < this.#o.monologueSeconds) continue;
      t.reported = true;
      out.push({
        kind: 'monologue',
        interviewer: who,
        at: until,
        start: t.start,
        seconds: Math.round(seconds),
      });
    }
    // an unconfirmed cut-in expires: the candidate went on speaking
    for (const p of this.#people.values())
      if (p.pending && at - p.pending.at > this.#o.interruptYieldMs + 1000) p.pending = undefined;
    return out;
  }

  #shares(at: number): TalkObservation[] {
    const totalMs = this.#candidateMs + [...this.#people.values()].reduce((a, p) => a + p.talkMs, 0);
    if (totalMs < this.#o.minTalkSeconds * 1000) return [];
    const out: TalkObservation[] = [];
    for (const [who, p] of this.#people) {
      const share = p.talkMs / totalMs;
      if (p.shareFlagged) {
        if (share < this.#o.maxTalkShare - 0.1 && at - p.shareAt >= this.#o.talkShareRepeatMs)
          p.shareFlagged = false;
        continue;
      }
      if (share < this.#o.maxTalkShare) continue;
      p.shareFlagged = true;
      p.shareAt = at;
      out.push({
        kind: 'talk-share',
        interviewer: who,
        at,
        share: Math.round(share * 1000) / 1000,
        seconds: Math.round(p.talkMs / 1000),
        totalSeconds: Math.round(totalMs / 1000),
      });
    }
    return out;
  }
}
