import {
  type CoverageMessage,
  type InterviewPlan,
  type ItemCoverage,
  type PlanEvidence,
  PROTOCOL_VERSION,
  plannedMinutes,
} from '@interview-helper/protocol';

/** A transcript segment as coverage needs it (wall-clock ms). */
export interface CoverageSegment {
  id: string;
  text: string;
  start: number;
  end: number;
}

/** Options of {@link CoverageTracker}. */
export interface CoverageOptions {
  /**
   * Share of an item's planned minutes it may be compressed by: time is short when the time left is below the
   * items left's planned minutes × (1 − slack).
   */
  slack: number;
  /** Statements kept per item (the oldest are dropped past it). */
  maxStatements: number;
}

export const defaultCoverageOptions: CoverageOptions = { slack: 0.25, maxStatements: 50 };

/** Coverage of one item with every statement (the message carries the latest five). */
export interface ItemState {
  id: string;
  status: ItemCoverage['status'];
  askedAt?: number;
  askedSegmentId?: string;
  matchedBy?: 'keywords' | 'llm';
  candidateSeconds: number;
  candidateWords: number;
  statements: PlanEvidence[];
}

/** What the tracker stores (and the report reads): the plan revision, the start and every item's state. */
export interface CoverageSnapshot {
  revision: number;
  startedAt?: number;
  current?: string;
  items: ItemState[];
}

/** Time budget of the plan at one moment. */
export interface TimeStatus {
  itemsTotal: number;
  itemsAsked: number;
  itemsLeft: number;
  elapsedMinutes: number;
  minutesLeft: number;
  minutesNeeded: number;
  timeShort: boolean;
  notAsked: string[];
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const wordCount = (t: string) => t.match(/[\p{L}\p{N}']+/gu)?.length ?? 0;
const fresh = (id: string): ItemState => ({
  id,
  status: 'not-asked',
  candidateSeconds: 0,
  candidateWords: 0,
  statements: [],
});

/**
 * Live coverage of an interview plan: which items the interviewer asked (one interviewer segment each, matched
 * elsewhere) and what the candidate said on each (their segments after an item is asked belong to it until the next
 * item is asked), against the planned time. Pure and synchronous: the same calls give the same state.
 */
export class CoverageTracker {
  #o: CoverageOptions;
  #plan: InterviewPlan;
  #revision: number;
  #items = new Map<string, ItemState>();
  #startedAt?: number;
  #current?: string;

  constructor(
    plan: InterviewPlan,
    revision: number,
    opts: Partial<CoverageOptions> = {},
    from?: CoverageSnapshot,
  ) {
    this.#o = { ...defaultCoverageOptions, ...opts };
    this.#plan = plan;
    this.#revision = revision;
    if (from) {
      this.#startedAt = from.startedAt;
      for (const s of from.items) this.#items.set(s.id, structuredClone(s));
      this.#current = from.current;
    }
    this.setPlan(plan, revision);
  }

  get plan(): InterviewPlan {
    return this.#plan;
  }

  get revision(): number {
    return this.#revision;
  }

  get startedAt(): number | undefined {
    return this.#startedAt;
  }

  /** A new revision of the plan: items kept by id keep their coverage; removed items are dropped. */
  setPlan(plan: InterviewPlan, revision: number): void {
    this.#plan = plan;
    this.#revision = revision;
    const next = new Map<string, ItemState>();
    for (const i of plan.items) next.set(i.id, this.#items.get(i.id) ?? fresh(i.id));
    this.#items = next;
    if (this.#current && !next.has(this.#current)) this.#current = undefined;
  }

  /** The interview started at `at` (the first speech heard); later calls are ignored. */
  start(at: number): void {
    if (this.#startedAt === undefined || at < this.#startedAt) this.#startedAt = at;
  }

  /** The interviewer asked `itemId` in `segment`; it becomes the item the candidate's answers belong to. */
  asked(itemId: string, segment: CoverageSegment, source: 'keywords' | 'llm'): boolean {
    const item = this.#items.get(itemId);
    if (!item) return false;
    this.start(segment.start);
    if (item.status === 'not-asked') {
      item.status = 'asked';
      item.askedAt = segment.start;
      item.askedSegmentId = segment.id;
      item.matchedBy = source;
    }
    this.#current = itemId;
    return true;
  }

  /** A candidate segment: evidence for the current item. Returns the item it went to, if any. */
  candidate(segment: CoverageSegment): string | undefined {
    this.start(segment.start);
    const item = this.#current ? this.#items.get(this.#current) : undefined;
    const text = segment.text.trim();
    if (!item || !text) return undefined;
    item.status = 'answered';
    item.candidateSeconds = round1(item.candidateSeconds + Math.max(0, segment.end - segment.start) / 1000);
    item.candidateWords += wordCount(text);
    item.statements.push({
      segmentId: segment.id,
      start: Math.round(segment.start),
      end: Math.round(segment.end),
      text: text.slice(0, 300),
    });
    if (item.statements.length > this.#o.maxStatements) item.statements.shift();
    return item.id;
  }

  /** The plan's time budget at `now`. */
  time(now: number): TimeStatus {
    const planned = plannedMinutes(this.#plan);
    const notAsked = this.#plan.items
      .filter((i) => this.#items.get(i.id)?.status === 'not-asked')
      .map((i) => i.id);
    const elapsed = this.#startedAt === undefined ? 0 : Math.max(0, now - this.#startedAt) / 60_000;
    const minutesLeft = this.#plan.durationMinutes - elapsed;
    const minutesNeeded = notAsked.reduce((n, id) => n + (planned[id] ?? 0), 0);
    return {
      itemsTotal: this.#plan.items.length,
      itemsAsked: this.#plan.items.length - notAsked.length,
      itemsLeft: notAsked.length,
      elapsedMinutes: round1(elapsed),
      minutesLeft: round1(minutesLeft),
      minutesNeeded: round1(minutesNeeded),
      timeShort:
        this.#startedAt !== undefined &&
        notAsked.length > 0 &&
        minutesNeeded * (1 - this.#o.slack) > minutesLeft,
      notAsked,
    };
  }

  /** The coverage message body at `now` (the latest five statements per item). */
  message(sessionId: string, now: number): CoverageMessage {
    const t = this.time(now);
    return {
      v: PROTOCOL_VERSION,
      type: 'coverage',
      sessionId,
      revision: this.#revision,
      at: Math.round(now),
      ...(this.#startedAt !== undefined ? { startedAt: Math.round(this.#startedAt) } : {}),
      elapsedMinutes: t.elapsedMinutes,
      minutesLeft: t.minutesLeft,
      minutesNeeded: t.minutesNeeded,
      itemsLeft: t.itemsLeft,
      ...(this.#current ? { current: this.#current } : {}),
      timeShort: t.timeShort,
      items: this.#plan.items.map((i) => {
        const s = this.#items.get(i.id) ?? fresh(i.id);
        return {
          id: s.id,
          status: s.status,
          ...(s.askedAt !== undefined ? { askedAt: Math.round(s.askedAt) } : {}),
          ...(s.askedSegmentId ? { askedSegmentId: s.askedSegmentId } : {}),
          ...(s.matchedBy ? { matchedBy: s.matchedBy } : {}),
          candidateSeconds: s.candidateSeconds,
          candidateWords: s.candidateWords,
          evidence: s.statements.slice(-5),
        };
      }),
    };
  }

  /** Everything, for storage and the report. */
  snapshot(): CoverageSnapshot {
    return {
      revision: this.#revision,
      ...(this.#startedAt !== undefined ? { startedAt: this.#startedAt } : {}),
      ...(this.#current ? { current: this.#current } : {}),
      items: this.#plan.items.map((i) => structuredClone(this.#items.get(i.id) ?? fresh(i.id))),
    };
  }
}
