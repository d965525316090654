import type { SignalKind, SignalMessage, SignalOf } from '@interview-helper/protocol';
import { CodeClaimTrigger } from './code-claims.js';
import { type CodeIssue, reviewCode } from './code-review.js';
import { planTimeTrigger } from './plan-trigger.js';
import type { Facts, HintTrigger } from './trigger.js';
import type { TriggerKind, TriggerOptions } from './trigger-options.js';

type Base = (kind: TriggerKind, facts: Facts, confidence: number, evidence?: string[]) => HintTrigger;

/**
 * Signal kinds each trigger reads (typed values from the signal catalogue). A test checks that some analyser
 * or session capability emits every one of them.
 */
export const TRIGGER_INPUTS = {
  'long-pause': ['long-pause', 'speech-segment'],
  'answer-end': ['answer-end'],
  'look-away': ['look-away'],
  'extra-person': ['additional-person', 'extra-candidate'],
  'fast-speech': ['speech-rate', 'delivery'],
  monotone: ['monotone'],
  'code-idle': ['speech-segment'],
  'plan-time': ['plan-coverage'],
} as const satisfies Partial<Record<TriggerKind, readonly SignalKind[]>>;

const STUCK =
  /\b(i'?m stuck|i am stuck|not sure (how|what|where)|i don'?t know (how|what|where)|can you (repeat|clarify|explain)|could you (repeat|clarify|rephrase|explain)|what do you mean|do you mean|give me a hint|no idea)\b/i;

const round1 = (x: number) => Math.round(x * 10) / 10;

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
  #claims = new CodeClaimTrigger();
  /** Pause episodes that already fired (one hint per pause). */
  #firedPauses: string[] = [];

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

    switch (s.kind) {
      case 'speech-segment':
        this.noteSpeech(s.range.end);
        break;
      case 'long-pause':
        if (s.values.phase === 'end') this.noteSpeech(s.range.end);
        // the turn model reports a pause at its threshold (start) and again at each watched one (update)
        else if (o['long-pause'].enabled) out.push(...this.#longPause(s, base));
        break;
      case 'answer-end':
        if (o['answer-end'].enabled) out.push(...this.#answerEnd(s, base));
        break;
      case 'look-away':
        // one episode = one look-away: its start counts, its end does not
        if (s.values.phase === 'start' && o['look-away'].enabled) out.push(...this.#lookAway(s, base));
        break;
      case 'additional-person':
        if (s.values.phase === 'start' && o['extra-person'].enabled)
          out.push(
            base('extra-person', { signal: s.kind, faces: s.values.maxFaces }, Math.max(0.5, s.confidence)),
          );
        break;
      case 'extra-candidate':
        if (o['extra-person'].enabled)
          out.push(
            base(
              'extra-person',
              { signal: s.kind, identity: s.values.identity },
              Math.max(0.5, s.confidence),
            ),
          );
        break;
      case 'speech-rate':
        if (o['fast-speech'].enabled && s.values.wordsPerMinute >= o['fast-speech'].wordsPerMinute)
          out.push({
            ...base('fast-speech', { wordsPerMinute: Math.round(s.values.wordsPerMinute) }, 0.7),
            dedupeKey: 'fast-speech',
          });
        break;
      case 'delivery':
        if (o['fast-speech'].enabled && s.values.syllablesPerSecond >= o['fast-speech'].syllablesPerSecond)
          out.push({
            ...base('fast-speech', { syllablesPerSecond: round1(s.values.syllablesPerSecond) }, 0.6),
            dedupeKey: 'fast-speech',
          });
        break;
      case 'monotone':
        if (
          o.monotone.enabled &&
          (s.values.monotone || s.values.semitoneSpread <= o.monotone.maxPitchSemitones)
        )
          out.push(base('monotone', { pitchSemitones: round1(s.values.semitoneSpread) }, 0.6));
        break;
      case 'plan-coverage':
        if (o['plan-time'].enabled) out.push(...planTimeTrigger(s));
        break;
    }
    void now;
    return out;
  }

  #longPause(s: SignalOf<'long-pause'>, base: Base): HintTrigger[] {
    const p = this.#opts()['long-pause'];
    const seconds = s.values.silenceSeconds;
    const q = this.#lastQuestion;
    const recentQuestion =
      q && s.range.start - q.at <= p.questionWindowSeconds * 1000 && q.at <= s.range.start + 1000;
    const afterInterviewer = s.values.after === 'interviewer';
    const afterSpeech = s.values.after === 'speech';
    const eligible =
      recentQuestion || afterInterviewer || (!p.requireQuestion && (this.#candidateSpoke || afterSpeech));
    if (seconds < p.minSeconds || !eligible || this.#firedPauses.includes(s.values.episodeId)) return [];
    this.#firedPauses.push(s.values.episodeId);
    if (this.#firedPauses.length > 50) this.#firedPauses.shift();
    const facts: Facts = { seconds: round1(seconds) };
    if (recentQuestion && q) facts.question = q.text.slice(0, 200);
    else if (afterInterviewer) facts.afterInterviewer = true;
    const t = base('long-pause', facts, 0.9, recentQuestion && q ? [s.id, q.id] : [s.id]);
    t.at = s.range.start + p.minSeconds * 1000;
    t.dedupeKey = `long-pause@${s.values.episodeId}`;
    return [t];
  }

  #answerEnd(s: SignalOf<'answer-end'>, base: Base): HintTrigger[] {
    const seconds = s.values.speechSeconds;
    if (seconds < this.#opts()['answer-end'].minAnswerSeconds) return [];
    const facts: Facts = { speechSeconds: round1(seconds) };
    const said = this.#lastCandidateText;
    const evidence = [s.id];
    if (said && said.at >= s.range.start - 1000) {
      facts.answer = said.text.slice(-300);
      evidence.push(said.id);
    }
    if (this.#lastQuestion) facts.question = this.#lastQuestion.text.slice(0, 200);
    return [{ ...base('answer-end', facts, 0.7, evidence), dedupeKey: `answer-end@${s.range.start}` }];
  }

  #lookAway(s: SignalOf<'look-away'>, base: Base): HintTrigger[] {
    const w = this.#opts()['look-away'];
    this.#lookAways.push({ id: s.id, at: s.range.end });
    this.#lookAways = this.#lookAways.filter((x) => x.at >= s.range.end - w.windowSeconds * 1000);
    if (this.#lookAways.length < w.minEvents) return [];
    const evidence = this.#lookAways.map((x) => x.id);
    this.#lookAways = [];
    return [base('look-away', { count: evidence.length, windowSeconds: w.windowSeconds }, 0.8, evidence)];
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
    const claims = this.#opts()['code-claim'];
    const found = claims.enabled ? this.#claims.onSpeech({ ...seg, text }, claims.windowSeconds) : [];
    if (!this.#opts().stuck.enabled || !STUCK.test(text)) return found;
    return [
      ...found,
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
    const claims = this.#opts()['code-claim'];
    const found =
      changed && claims.enabled ? this.#claims.onCode(code, now, claims.windowSeconds, evidenceId) : [];
    if (!changed || !this.#opts()['code-review'].enabled) return found;
    const issues: CodeIssue[] = reviewCode(code.text, code.language);
    const evidence = evidenceId ? [evidenceId] : [];
    const reviewed = issues.slice(0, 1).map((issue) => ({
      kind: 'code-review' as const,
      at: now,
      ...(evidenceId ? { signalId: evidenceId } : {}),
      evidence,
      facts: { revision: code.revision, line: issue.line, issue: issue.id, probe: issue.probe },
      confidence: issue.confidence,
      dedupeKey: `code-review:${issue.id}:${issue.line}`,
    }));
    return [...found, ...reviewed];
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
