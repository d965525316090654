import { randomUUID } from 'node:crypto';
import { type ConductMessage, PROTOCOL_VERSION } from '@interview-helper/protocol';
import { ConductStore } from '@interview-helper/storage';
import type { TranscriptEvent } from '../bus/session-bus.js';
import { logger } from '../log.js';
import type { SessionContext, SessionExtension } from '../session/extension.js';
import { queuedConductStore } from '../session/recorder-writes.js';
import type { ClaudeConductReviewer, ConductReview } from './claude-review.js';
import { reviewUtterance } from './lexicon.js';
import { type NoteDraft, questionNote, TOPIC_LABELS, talkNote } from './notes.js';
import { TalkTracker, type TalkTrackerOptions } from './talk-tracker.js';

/** Options of {@link ConductExtension}. */
export interface ConductOptions {
  talk: Partial<TalkTrackerOptions>;
  /** Closed questions are noted when this many of an interviewer's last `closedWindow` questions were closed. */
  closedMin: number;
  closedWindow: number;
  /** At most one closed-question note per interviewer in this long, in ms. */
  closedRepeatMs: number;
  /** Set to review questions with Claude as well; the rule lexicon always runs. */
  llm?: ClaudeConductReviewer;
  /** The clock (default `Date.now`). */
  now?: () => number;
}

export const defaultConductOptions: ConductOptions = {
  talk: {},
  closedMin: 2,
  closedWindow: 3,
  closedRepeatMs: 300_000,
};

/**
 * Private notes on each interviewer's own conduct, to that interviewer only: questions touching a protected
 * topic (with a lawful rephrase) as soon as the question is transcribed, leading questions, a run of closed
 * questions, a large talk share, cutting in on the candidate and monologues. Attribution comes from the
 * speaker of each track (every interviewer is their own participant). Every note is stored for the audit trail
 * (`conduct_notes`); none is ever sent to the candidate or to another interviewer.
 */
export class ConductExtension implements SessionExtension {
  readonly name = 'conduct';
  #o: ConductOptions;
  #log = logger('conduct');
  #ctx?: SessionContext;
  #store?: Pick<ConductStore, 'upsert' | 'delivered'>;
  #talk: TalkTracker;
  #questions = new Map<string, { closed: boolean[]; notedAt: number }>();
  #transcript: { role: string; text: string }[] = [];
  #pending = new Set<Promise<unknown>>();
  #off: (() => void)[] = [];

  constructor(opts: Partial<ConductOptions> = {}) {
    this.#o = { ...defaultConductOptions, ...opts };
    this.#talk = new TalkTracker(this.#o.talk);
  }

  #now = (): number => (this.#o.now ?? Date.now)();

  start(ctx: SessionContext): void {
    this.#ctx = ctx;
    const db = ctx.recorder.database;
    if (db)
      this.#store = ctx.recorder.writes ? queuedConductStore(ctx.recorder.writes) : new ConductStore(db);
    else this.#log.warn('no database: conduct notes are sent but not stored');
    const talk = (found: ReturnType<TalkTracker['tick']>) => {
      for (const o of found) this.#note(talkNote(o));
    };
    this.#off = [
      ctx.bus.on('transcript', (e) => this.onTranscript(e.segment)),
      ctx.bus.on('speech-start', (e) =>
        talk(this.#talk.speechStart(e.speaker.identity, e.speaker.role, e.at)),
      ),
      ctx.bus.on('speech-end', (e) =>
        talk(this.#talk.speechEnd(e.speaker.identity, e.speaker.role, e.start, e.end)),
      ),
      ctx.bus.on('vad', (e) => talk(this.#talk.tick(e.at))),
    ];
  }

  /** A final transcript segment: interviewer questions are reviewed at once. */
  onTranscript(seg: TranscriptEvent): void {
    if (seg.status !== 'ok' || !seg.text.trim()) return;
    this.#transcript.push({ role: seg.speaker.role, text: seg.text });
    if (this.#transcript.length > 20) this.#transcript.shift();
    if (seg.speaker.role !== 'interviewer') return;
    const q = { interviewer: seg.speaker.identity, segmentId: seg.id, end: seg.end };
    const finding = reviewUtterance(seg.text);
    let ruleNote: ConductMessage | undefined;
    if (finding && finding.kind !== 'closed-question') ruleNote = this.#note(questionNote(finding, q));
    this.#closed(seg, finding?.kind === 'closed-question' ? finding : undefined);
    const llm = this.#o.llm;
    if (llm && seg.text.split(/\s+/).length >= 3) {
      const context = this.#transcript.slice(0, -1);
      this.#track(
        llm.review(seg.text, context).then(
          (r) => this.#fromReview(r, seg, ruleNote),
          (err: { code?: string; message?: string }) =>
            this.#log.warn({ code: err.code, message: err.message }, 'conduct review failed; rules only'),
        ),
      );
    }
  }

  /** Waits for notes in flight (reviews, sends, storage). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  async close(): Promise<void> {
    for (const off of this.#off) off();
    this.#off = [];
    await this.flush();
  }

  /** Counts the interviewer's questions; a run of closed ones is worth one note. */
  #closed(seg: TranscriptEvent, finding: Parameters<typeof questionNote>[0] | undefined): void {
    if (!finding && !seg.text.includes('?')) return;
    const who = seg.speaker.identity;
    const h = this.#questions.get(who) ?? { closed: [], notedAt: Number.NEGATIVE_INFINITY };
    this.#questions.set(who, h);
    h.closed.push(finding !== undefined);
    if (h.closed.length > this.#o.closedWindow) h.closed.shift();
    const count = h.closed.filter(Boolean).length;
    if (!finding || count < this.#o.closedMin || seg.end - h.notedAt < this.#o.closedRepeatMs) return;
    h.notedAt = seg.end;
    this.#note(
      questionNote(
        finding,
        { interviewer: who, segmentId: seg.id, end: seg.end },
        {
          closed: count,
          of: h.closed.length,
        },
      ),
    );
  }

  /** Claude's review: a better rephrase for a rule note, or a finding the rules missed. */
  #fromReview(r: ConductReview, seg: TranscriptEvent, ruleNote: ConductMessage | undefined): void {
    const base = {
      interviewer: seg.speaker.identity,
      source: 'llm' as const,
      evidence: [seg.id],
      at: Math.round(seg.end),
      quote: seg.text.slice(0, 300),
      ...(r.rephrase ? { rephrase: r.rephrase } : {}),
    };
    if (r.protectedTopic) {
      const text = `Your question asks about ${TOPIC_LABELS[r.protectedTopic]}, a protected characteristic unrelated to the job. ${r.observation}`;
      const draft: NoteDraft = {
        ...base,
        kind: 'protected-topic',
        topic: r.protectedTopic,
        severity: 'warning',
        text,
      };
      if (ruleNote?.kind === 'protected-topic') this.#note({ ...ruleNote, ...draft }, ruleNote.id);
      else this.#note(draft);
      return;
    }
    if (r.leading && !ruleNote)
      this.#note({ ...base, kind: 'leading-question', severity: 'info', text: r.observation });
  }

  /** Sends `draft` to its interviewer only and stores it; `id` updates an earlier note. */
  #note(draft: NoteDraft, id = `conduct_${randomUUID()}`): ConductMessage | undefined {
    const ctx = this.#ctx;
    if (!ctx) return undefined;
    const message: ConductMessage = {
      ...draft,
      v: PROTOCOL_VERSION,
      type: 'conduct',
      id,
      sessionId: ctx.sessionId,
      createdAt: Math.round(this.#now()),
    };
    const store = this.#store;
    this.#track(
      (async () => {
        const [sent] = await Promise.all([
          // to the interviewer it is about, and to nobody else (nor when they are not in the room)
          ctx.publisher.publishTo(message, [message.interviewer]).then((r) => r.transport !== 'none'),
          store?.upsert({
            id,
            sessionId: message.sessionId,
            interviewerIdentity: message.interviewer,
            kind: message.kind,
            text: message.text,
            severity: message.severity,
            source: message.source,
            evidence: message.evidence,
            observedAt: message.at,
            createdAt: message.createdAt,
            ...(message.topic ? { topic: message.topic } : {}),
            ...(message.quote ? { quote: message.quote } : {}),
            ...(message.rephrase ? { rephrase: message.rephrase } : {}),
            ...(message.values ? { values: message.values } : {}),
          }),
        ]);
        const sentAt = this.#now();
        if (sent) await store?.delivered(id, sentAt);
        this.#log.info(
          {
            id,
            kind: message.kind,
            to: message.interviewer,
            sent,
            // end of the observed behaviour → decision (for questions: the transcription), decision → sent
            latencyMs: message.createdAt - message.at,
            sendMs: sentAt - message.createdAt,
          },
          'conduct note',
        );
      })(),
    );
    return message;
  }

  #track(p: Promise<unknown>): void {
    const guarded = p.catch((err) => this.#log.error({ err }, 'conduct note failed'));
    this.#pending.add(guarded);
    void guarded.finally(() => this.#pending.delete(guarded));
  }
}
