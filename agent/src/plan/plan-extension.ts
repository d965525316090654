import {
  type InterviewPlan,
  interviewPlanSchema,
  PROTOCOL_VERSION,
  type SignalKind,
} from '@interview-helper/protocol';
import { PlanStore } from '@interview-helper/storage';
import type { TranscriptEvent } from '../bus/session-bus.js';
import { logger } from '../log.js';
import type { InboxMessage } from '../messaging/inbox.js';
import type { SessionContext, SessionExtension } from '../session/extension.js';
import { queuePlanEdit } from '../session/recorder-writes.js';
import { type CoverageOptions, type CoverageSnapshot, CoverageTracker, type TimeStatus } from './coverage.js';
import { KeywordMatcher, type PlanMatcher } from './matcher.js';

/** Options of {@link PlanExtension}. */
export interface PlanOptions {
  /** Decides which item an interviewer utterance asks (Claude with the deterministic fallback, or keywords). */
  matcher: PlanMatcher;
  coverage: Partial<CoverageOptions>;
  /** Period of the time check (time-short signal). */
  tickMs: number;
  /** How often the stored plan's revision is checked for edits made through the API. */
  pollMs: number;
  /** Coverage is sent again at least this often while the interview runs (time left changes). */
  republishMs: number;
}

export const defaultPlanOptions: PlanOptions = {
  matcher: new KeywordMatcher(),
  coverage: {},
  tickMs: 1000,
  pollMs: 2000,
  republishMs: 15_000,
};

/**
 * Follows the session's interview plan: sends the plan and its live coverage to the interviewers (never to the
 * candidate), matches each final interviewer segment against the plan's items, attributes the candidate's
 * segments to the item being discussed, and emits a `plan-coverage` signal when the time left stops covering the
 * items left (the `plan-time` hint reads it). Interviewers edit the plan with a `plan-update` message or through the
 * API (picked up within `pollMs`). The coverage snapshot is stored for the report's notes and scorecard draft.
 */
export class PlanExtension implements SessionExtension {
  readonly name = 'plan';
  readonly emits = ['plan-coverage'] as const satisfies readonly SignalKind[];
  #o: PlanOptions;
  #log = logger('plan');
  #ctx?: SessionContext;
  #store?: PlanStore;
  #tracker?: CoverageTracker;
  #updatedAt = 0;
  #updatedBy = '';
  #queue: Promise<void> = Promise.resolve();
  #saved: Promise<unknown> = Promise.resolve();
  #recent: string[] = [];
  #timer?: NodeJS.Timeout;
  #lastPoll = 0;
  #lastSent = 0;
  #lastTime?: Pick<TimeStatus, 'timeShort' | 'itemsLeft'>;
  #off: (() => void)[] = [];
  #closed = false;
  /** Interviewers who have the current plan revision. */
  #planSentTo = new Set<string>();

  constructor(opts: Partial<PlanOptions> = {}) {
    this.#o = { ...defaultPlanOptions, ...opts };
  }

  /** The tracker of the current plan (undefined until the session has one). */
  get tracker(): CoverageTracker | undefined {
    return this.#tracker;
  }

  async start(ctx: SessionContext): Promise<void> {
    this.#ctx = ctx;
    const db = ctx.recorder.database;
    if (db) this.#store = new PlanStore(db);
    await this.#load();
    this.#off = [
      ctx.bus.on('transcript', (e) => this.#enqueue(() => this.onTranscript(e.segment))),
      ctx.bus.on('speech-start', (e) => this.#tracker?.start(e.at)),
      ctx.bus.on('client-message', (e) => this.#enqueue(() => this.onClientMessage(e.message))),
    ];
    this.#timer = setInterval(() => this.#enqueue(() => this.#tick(Date.now())), this.#o.tickMs);
    this.#timer.unref();
  }

  /** A final transcript segment: an interviewer's may ask a plan item; a candidate's is evidence for the current one. */
  async onTranscript(seg: TranscriptEvent): Promise<void> {
    const tracker = this.#tracker;
    const text = seg.text.trim();
    if (!tracker || seg.status !== 'ok' || !text) return;
    const segment = { id: seg.id, text, start: seg.start, end: seg.end };
    if (seg.speaker.role === 'candidate') {
      if (tracker.candidate(segment)) await this.#changed();
      return;
    }
    const recent = this.#recent.slice(-3);
    this.#recent = [...recent, text];
    const m = await this.#o.matcher.match(text, tracker.plan, { recent });
    if (m.itemId === null || tracker !== this.#tracker) return;
    tracker.asked(m.itemId, segment, m.source);
    this.#log.info({ item: m.itemId, source: m.source, score: m.score, segment: seg.id }, 'plan item asked');
    await this.#changed();
  }

  /** A `plan-update` from an interviewer replaces the plan; from anyone else it is refused and logged. */
  async onClientMessage({ message, sender }: InboxMessage): Promise<void> {
    if (message.type !== 'plan-update') return;
    if (sender.role !== 'interviewer') {
      this.#log.warn({ sender: sender.identity, code: 'forbidden' }, 'plan edit refused: not an interviewer');
      return;
    }
    const plan = interviewPlanSchema.safeParse(message.plan);
    if (!plan.success) {
      this.#log.warn({ sender: sender.identity, code: 'invalid-plan' }, 'plan edit refused: invalid plan');
      return;
    }
    const sessionId = this.#ctx?.sessionId ?? '';
    const writes = this.#ctx?.recorder.writes;
    // queued with the session's other writes (kept while the database is down); the revision is known locally
    if (writes) queuePlanEdit(writes, { sessionId, plan: plan.data, by: sender.identity });
    const stored = writes
      ? undefined
      : await this.#store?.setPlan(sessionId, plan.data, sender.identity).catch((err: unknown) => {
          this.#log.error({ err }, 'could not store the edited plan; it applies to this session only');
          return undefined;
        });
    this.#apply(
      plan.data,
      stored?.revision ?? (this.#tracker?.revision ?? 0) + 1,
      Date.now(),
      sender.identity,
    );
    this.#log.info({ sender: sender.identity, revision: this.#tracker?.revision }, 'plan edited');
    await this.#publishPlan();
    await this.#changed();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const off of this.#off) off();
    this.#off = [];
    await this.#queue;
    await this.#persist();
  }

  #enqueue(fn: () => Promise<void> | void): void {
    this.#queue = this.#queue
      .then(fn)
      .catch((err: unknown) => this.#log.error({ err }, 'plan coverage step failed; the session goes on'));
  }

  async #load(): Promise<void> {
    const sessionId = this.#ctx?.sessionId ?? '';
    const stored = await this.#store?.getPlan(sessionId).catch((err: unknown) => {
      this.#log.error({ err }, 'could not read the plan');
      return undefined;
    });
    this.#lastPoll = Date.now();
    // an older revision is one read before a queued edit was written
    if (!stored || (this.#tracker && stored.revision <= this.#tracker.revision)) return;
    const plan = interviewPlanSchema.safeParse(stored.plan);
    if (!plan.success) {
      this.#log.warn({ revision: stored.revision }, 'stored plan does not match the schema; ignored');
      return;
    }
    const first = !this.#tracker;
    const saved = first
      ? ((await this.#store?.getCoverage(sessionId).catch(() => undefined))?.coverage as
          | CoverageSnapshot
          | undefined)
      : undefined;
    this.#apply(plan.data, stored.revision, stored.updatedAt.getTime(), stored.updatedBy, saved);
    this.#log.info(
      { revision: stored.revision, items: plan.data.items.length },
      first ? 'plan loaded' : 'plan edited',
    );
    await this.#publishPlan();
    await this.#changed(false);
  }

  #apply(plan: InterviewPlan, revision: number, at: number, by: string, saved?: CoverageSnapshot): void {
    if (this.#tracker) this.#tracker.setPlan(plan, revision);
    else this.#tracker = new CoverageTracker(plan, revision, this.#o.coverage, saved);
    this.#updatedAt = at;
    this.#updatedBy = by;
    this.#lastTime = undefined;
  }

  async #publishPlan(): Promise<void> {
    const ctx = this.#ctx;
    const tracker = this.#tracker;
    if (!ctx || !tracker) return;
    const sent = await ctx.publisher.publish({
      v: PROTOCOL_VERSION,
      type: 'plan',
      sessionId: ctx.sessionId,
      revision: tracker.revision,
      plan: tracker.plan,
      updatedAt: Math.round(this.#updatedAt),
      updatedBy: this.#updatedBy || 'api',
    });
    this.#planSentTo = new Set(sent.transport === 'none' ? [] : sent.to);
  }

  /** Sends the coverage, checks the time budget and stores the snapshot. */
  async #changed(store = true): Promise<void> {
    const ctx = this.#ctx;
    const tracker = this.#tracker;
    if (!ctx || !tracker) return;
    const now = Date.now();
    this.#lastSent = now;
    await ctx.publisher.publish(tracker.message(ctx.sessionId, now));
    this.#checkTime(now);
    if (store) this.#saved = this.#persist();
  }

  #persist(): Promise<unknown> {
    const tracker = this.#tracker;
    const sessionId = this.#ctx?.sessionId;
    if (!tracker || !sessionId || !this.#store) return Promise.resolve();
    const snapshot = tracker.snapshot();
    const store = this.#store;
    const writes = this.#ctx?.recorder.writes;
    if (writes) {
      const coverage = snapshot as unknown as Record<string, unknown>;
      writes.enqueue({ op: 'savePlanCoverage', sessionId, coverage, at: Date.now() });
      return this.#saved;
    }
    this.#saved = this.#saved
      .then(() => store.saveCoverage(sessionId, snapshot as unknown as Record<string, unknown>))
      .catch((err: unknown) => this.#log.error({ err }, 'could not store the plan coverage'));
    return this.#saved;
  }

  /** Emits `plan-coverage` when the time left stops (or starts again) covering the items left. */
  #checkTime(now: number): void {
    const ctx = this.#ctx;
    const tracker = this.#tracker;
    if (!ctx || !tracker || tracker.startedAt === undefined) return;
    const t = tracker.time(now);
    const last = this.#lastTime;
    const changed = last
      ? last.timeShort !== t.timeShort || (t.timeShort && last.itemsLeft !== t.itemsLeft)
      : t.timeShort;
    this.#lastTime = { timeShort: t.timeShort, itemsLeft: t.itemsLeft };
    if (!changed) return;
    ctx.emitSignal(
      {
        kind: 'plan-coverage',
        range: { start: Math.round(tracker.startedAt), end: Math.round(now) },
        values: {
          itemsTotal: t.itemsTotal,
          itemsAsked: t.itemsAsked,
          itemsLeft: t.itemsLeft,
          minutesLeft: t.minutesLeft,
          minutesNeeded: t.minutesNeeded,
          timeShort: t.timeShort,
          notAsked: t.notAsked.join(',').slice(0, 256),
        },
        confidence: 1,
        summary: t.timeShort
          ? `${t.itemsLeft} of ${t.itemsTotal} plan items not yet asked, ${t.minutesLeft} min left (${t.minutesNeeded} min planned for them)`
          : `The time left covers the ${t.itemsLeft} plan items not yet asked`,
      },
      { analyser: 'plan', media: 'text' },
    );
  }

  async #tick(now: number): Promise<void> {
    if (this.#closed) return;
    if (now - this.#lastPoll >= this.#o.pollMs) await this.#load();
    // an interviewer who joined since (or was not reachable) gets the plan and the coverage as they stand
    const ctx = this.#ctx;
    if (this.#tracker && ctx?.publisher.interviewers().some((who) => !this.#planSentTo.has(who))) {
      await this.#publishPlan();
      await this.#changed(false);
    }
    this.#checkTime(now);
    if (this.#tracker?.startedAt !== undefined && now - this.#lastSent >= this.#o.republishMs)
      await this.#changed(false);
  }
}
