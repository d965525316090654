import type { SignalMessage } from '@interview-helper/protocol';
import { type CodeIssue, reviewCode } from './code-review.js';
import type { Facts, HintTrigger } from './trigger.js';
import type { TriggerOptions } from './trigger-options.js';

/** Signal kinds each trigger listens to (other capabilities' analysers publish these). */
export const SIGNAL_KINDS = {
  pause: ['silence', 'long-pause', 'pause'],
  answerEnd: ['answer-end'],
  transcript: ['transcript', 'transcript-segment'],
  lookAway: ['look-away', 'gaze-away'],
  extraPerson: ['extra-candidate', 'extra-person', 'extra-face', 'additional-person'],
  faceCount: ['faces', 'face-count'],
  speechRate: ['speech-rate', 'delivery'],
  prosody: ['monotone', 'pitch', 'prosody'],
  voice: ['voice-activity'],
} as const;

const STUCK =
  /\b(i'?m stuck|i am stuck|not sure (how|what|where)|i don'?t know (how|what|where)|can you (repeat|clarify|explain)|could you (repeat|clarify|rephrase|explain)|what do you mean|do you mean|give me a hint|no idea)\b/i;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const round1 = (x: number) => Math.round(x * 10) / 10;
const has = (list: readonly string[], kind: string) => list.includes(kind);

/** Seconds of a pause signal, whatever unit its analyser used. */
function pauseSeconds(s: SignalMessage): number | undefined {
  const v = s.values;
  const sec = num(v.seconds) ?? num(v.silenceSeconds) ?? num(v.durationSeconds) ?? num(v.pauseSeconds);
  if (sec !== undefined) return sec;
  const ms = num(v.durationMs) ?? num(v.pauseMs);
  return ms !== undefined ? ms / 1000 : (s.range.end - s.range.start) / 1000;
}

function speakerRole(s: SignalMessage): string | undefined {
  return str(s.values.role) ?? str(s.values.speakerRole) ?? str(s.values.speaker);
}

/**
 * Decides, from the session's signals and code-pad updates, when something is worth an interviewer's
 * attention. Deterministic and synchronous: the same inputs give the same triggers.
 */
export class TriggerEngine {
  #opts: () => TriggerOptions;
  #lastQuestion?: { text: string; at: number; id: string };
  #lastCandidateText?: { text: string; at: number; id: string };
  #candidateSpoke = false;
  #lastSpeechAt = 0;
  #lookAways: { id: string; at: number }[] = [];
  #code?: { revision: number; language: string; text: string; changedAt: number; id?: string };
  #codeIdleFired = false;
  #pauses: number[] = [];

  /** `options` is read on every call so that run-time overrides apply at once. */
  constructor(options: () => TriggerOptions) {
    this.#opts = options;
  }

  /** Last time the candidate was heard speaking (0 when never). */
  get lastSpeechAt(): number {
    return this.#lastSpeechAt;
  }

  /** Notes that the candidate was heard speaking at `at` (from the voice-activity tracker). */
  noteSpeech(at: number): void {
    this.#candidateSpoke = true;
    this.#lastSpeechAt = Math.max(this.#lastSpeechAt, at);
  }

  /** Feeds one signal; returns the triggers it completes. */
  onSignal(s: SignalMessage, now: number): HintTrigger[] {
    const o = this.#opts();
    const out: HintTrigger[] = [];
    const base = (
      kind: HintTrigger['kind'],
      facts: Facts,
      confidence: number,
      evidence = [s.id],
    ): HintTrigger => ({
      kind,
      at: s.range.end,
      signalId: s.id,
      evidence,
      facts,
      confidence: Math.max(0, Math.min(1, confidence)),
      dedupeKey: kind,
    });

    if (has(SIGNAL_KINDS.voice, s.kind) && s.values.speaking === true) {
      this.#candidateSpoke = true;
      this.#lastSpeechAt = Math.max(this.#lastSpeechAt, s.range.end);
    }
    if (has(SIGNAL_KINDS.transcript, s.kind)) {
      const role = speakerRole(s);
      const text = str(s.values.text) ?? '';
      if (role === 'candidate' || role === 'interviewer') {
        out.push(...this.onTranscript({ id: s.id, role, text, end: s.range.end, confidence: s.confidence }));
      }
    }
    if (has(SIGNAL_KINDS.pause, s.kind) && o['long-pause'].enabled) {
      const seconds = pauseSeconds(s);
      const p = o['long-pause'];
      const q = this.#lastQuestion;
      const recentQuestion =
        q && s.range.start - q.at <= p.questionWindowSeconds * 1000 && q.at <= s.range.start + 1000;
      // `after` (from the turn tracker and the VAD analyser): what the silence followed.
      const afterInterviewer = s.values.after === 'interviewer';
      const afterSpeech = s.values.after === 'speech' || s.values.speechBefore === true;
      const eligible =
        recentQuestion || afterInterviewer || (!p.requireQuestion && (this.#candidateSpoke || afterSpeech));
      if (seconds !== undefined && seconds >= p.minSeconds && eligible) {
        const facts: Facts = { seconds: round1(seconds) };
        if (recentQuestion && q) facts.question = q.text.slice(0, 200);
        else if (afterInterviewer) facts.afterInterviewer = true;
        const evidence = recentQuestion && q ? [s.id, q.id] : [s.id];
        const t = base('long-pause', facts, 0.9, evidence);
        t.at = s.range.start + p.minSeconds * 1000;
        t.dedupeKey = this.#pauseEpisode(s.range.start);
        out.push(t);
      }
    }
    if (has(SIGNAL_KINDS.answerEnd, s.kind) && o['answer-end'].enabled) {
      const seconds = num(s.values.speechSeconds) ?? (s.range.end - s.range.start) / 1000;
      if (seconds >= o['answer-end'].minAnswerSeconds) {
        const facts: Facts = { speechSeconds: round1(seconds) };
        const said = this.#lastCandidateText;
        const evidence = [s.id];
        if (said && said.at >= s.range.start - 1000) {
          facts.answer = said.text.slice(-300);
          evidence.push(said.id);
        }
        if (this.#lastQuestion) facts.question = this.#lastQuestion.text.slice(0, 200);
        out.push({ ...base('answer-end', facts, 0.7, evidence), dedupeKey: `answer-end@${s.range.start}` });
      }
    }
    if (has(SIGNAL_KINDS.lookAway, s.kind) && o['look-away'].enabled) {
      const w = o['look-away'];
      this.#lookAways.push({ id: s.id, at: s.range.end });
      this.#lookAways = this.#lookAways.filter((x) => x.at >= s.range.end - w.windowSeconds * 1000);
      if (this.#lookAways.length >= w.minEvents) {
        const evidence = this.#lookAways.map((x) => x.id);
        out.push(
          base('look-away', { count: evidence.length, windowSeconds: w.windowSeconds }, 0.8, evidence),
        );
        this.#lookAways = [];
      }
    }
    if (o['extra-person'].enabled) {
      const faces = has(SIGNAL_KINDS.faceCount, s.kind)
        ? (num(s.values.count) ?? num(s.values.faces))
        : undefined;
      if (has(SIGNAL_KINDS.extraPerson, s.kind) || (faces !== undefined && faces >= 2)) {
        const facts: Facts = { signal: s.kind };
        if (faces !== undefined) facts.faces = faces;
        const identity = str(s.values.identity);
        if (identity) facts.identity = identity;
        out.push(base('extra-person', facts, Math.max(0.5, s.confidence)));
      }
    }
    if (has(SIGNAL_KINDS.speechRate, s.kind) && o['fast-speech'].enabled) {
      const wpm = num(s.values.wordsPerMinute) ?? num(s.values.wpm);
      const sps = num(s.values.syllablesPerSecond);
      if (wpm !== undefined && wpm >= o['fast-speech'].wordsPerMinute) {
        out.push({
          ...base('fast-speech', { wordsPerMinute: Math.round(wpm) }, 0.7),
          dedupeKey: 'fast-speech',
        });
      } else if (sps !== undefined && sps >= o['fast-speech'].syllablesPerSecond) {
        out.push({
          ...base('fast-speech', { syllablesPerSecond: round1(sps) }, 0.6),
          dedupeKey: 'fast-speech',
        });
      }
    }
    if (has(SIGNAL_KINDS.prosody, s.kind) && o.monotone.enabled) {
      const semis =
        num(s.values.semitoneSpread) ?? num(s.values.pitchStdSemitones) ?? num(s.values.pitchRangeSemitones);
      if (s.values.monotone === true || (semis !== undefined && semis <= o.monotone.maxPitchSemitones)) {
        const facts: Facts = {};
        if (semis !== undefined) facts.pitchSemitones = round1(semis);
        out.push(base('monotone', facts, 0.6));
      }
    }
    void now;
    return out;
  }

  /** Feeds one transcript segment (from transcript signals or the stored transcript). */
  onTranscript(seg: {
    id: string;
    role: 'candidate' | 'interviewer';
    text: string;
    end: number;
    confidence?: number;
  }): HintTrigger[] {
    const text = seg.text.trim();
    if (!text) return [];
    if (seg.role === 'interviewer') {
      if (/\?\s*$/.test(text)) this.#lastQuestion = { text, at: seg.end, id: seg.id };
      return [];
    }
    this.#candidateSpoke = true;
    this.#lastSpeechAt = Math.max(this.#lastSpeechAt, seg.end);
    this.#lastCandidateText = { text, at: seg.end, id: seg.id };
    if (!this.#opts().stuck.enabled || !STUCK.test(text)) return [];
    return [
      {
        kind: 'stuck',
        at: seg.end,
        signalId: seg.id,
        evidence: [seg.id],
        facts: { quote: text.slice(0, 160) },
        confidence: Math.min(1, seg.confidence ?? 0.8),
        dedupeKey: `stuck@${seg.id}`,
      },
    ];
  }

  /** One dedupe key per pause: pause signals from several analysers starting within 2.5 s are the same pause. */
  #pauseEpisode(start: number): string {
    const same = this.#pauses.find((p) => Math.abs(p - start) <= 2500);
    if (same !== undefined) return `long-pause@${same}`;
    this.#pauses.push(start);
    if (this.#pauses.length > 50) this.#pauses.shift();
    return `long-pause@${start}`;
  }

  /** Feeds a code-pad revision (already size-checked); returns code-aware triggers. */
  onCode(
    code: { revision: number; language: string; text: string },
    now: number,
    evidenceId?: string,
  ): HintTrigger[] {
    const changed = !this.#code || this.#code.text !== code.text;
    this.#code = {
      ...code,
      changedAt: changed ? now : (this.#code?.changedAt ?? now),
      ...(evidenceId ? { id: evidenceId } : {}),
    };
    if (changed) this.#codeIdleFired = false;
    if (!changed || !this.#opts()['code-review'].enabled) return [];
    const issues: CodeIssue[] = reviewCode(code.text, code.language);
    const evidence = evidenceId ? [evidenceId] : [];
    return issues.slice(0, 1).map((issue) => ({
      kind: 'code-review' as const,
      at: now,
      ...(evidenceId ? { signalId: evidenceId } : {}),
      evidence,
      facts: { revision: code.revision, line: issue.line, issue: issue.id, probe: issue.probe },
      confidence: issue.confidence,
      dedupeKey: `code-review:${issue.id}:${issue.line}`,
    }));
  }

  /** Periodic check of time-based triggers (code unchanged while silent). */
  onTick(now: number, lastSpeechAt = this.#lastSpeechAt): HintTrigger[] {
    const o = this.#opts()['code-idle'];
    const code = this.#code;
    if (!o.enabled || !code || this.#codeIdleFired || code.text.trim() === '') return [];
    const idle = now - code.changedAt;
    const silent = now - Math.max(lastSpeechAt, code.changedAt);
    if (idle < o.minutes * 60_000 || silent < o.minSilenceSeconds * 1000) return [];
    this.#codeIdleFired = true;
    return [
      {
        kind: 'code-idle',
        at: Math.max(
          code.changedAt + o.minutes * 60_000,
          Math.max(lastSpeechAt, code.changedAt) + o.minSilenceSeconds * 1000,
        ),
        ...(code.id ? { signalId: code.id } : {}),
        evidence: code.id ? [code.id] : [],
        facts: {
          minutesUnchanged: round1(idle / 60_000),
          silentSeconds: Math.round(silent / 1000),
          revision: code.revision,
        },
        confidence: 0.8,
        dedupeKey: `code-idle:${code.revision}`,
      },
    ];
  }
}
