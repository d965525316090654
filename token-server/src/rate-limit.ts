/** One token bucket: `burst` failures at once, refilled at `perMinute`. */
export interface BucketLimit {
  /** Failures allowed at once. */
  burst: number;
  /** Failures allowed per minute once the burst is spent. */
  perMinute: number;
}

/** Options of {@link AttemptLimiter}. */
export interface AttemptLimiterOptions {
  /** Failed credential checks (invites, admin token) per client address. */
  perAddress: BucketLimit;
  /** Failed invite checks per session, whatever the address (slows guessing from many addresses). */
  perSession: BucketLimit;
  /** Most keys remembered per scope; the least recently used are forgotten past it. */
  maxKeys: number;
  /** Current time in ms. */
  now: () => number;
}

export const defaultAttemptLimiterOptions: AttemptLimiterOptions = {
  perAddress: { burst: 10, perMinute: 10 },
  perSession: { burst: 30, perMinute: 30 },
  maxKeys: 10_000,
  now: () => Date.now(),
};

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets of one scope, least recently used first (a Map keeps insertion order). */
class Buckets {
  readonly #limit: BucketLimit;
  readonly #maxKeys: number;
  readonly #map = new Map<string, Bucket>();

  constructor(limit: BucketLimit, maxKeys: number) {
    this.#limit = limit;
    this.#maxKeys = maxKeys;
  }

  /** The bucket of `key` refilled up to `now` (not stored). */
  #peek(key: string, now: number): Bucket {
    const b = this.#map.get(key);
    if (!b) return { tokens: this.#limit.burst, at: now };
    const refill = ((now - b.at) / 60_000) * this.#limit.perMinute;
    return { tokens: Math.min(this.#limit.burst, b.tokens + refill), at: now };
  }

  /** Seconds until `key` may fail once more; 0 when it may now. */
  waitSeconds(key: string, now: number): number {
    const { tokens } = this.#peek(key, now);
    if (tokens >= 1) return 0;
    return Math.max(1, Math.ceil(((1 - tokens) / this.#limit.perMinute) * 60));
  }

  spend(key: string, now: number): void {
    const b = this.#peek(key, now);
    b.tokens = Math.max(0, b.tokens - 1);
    this.#map.delete(key);
    if (b.tokens >= this.#limit.burst) return;
    this.#map.set(key, b);
    if (this.#map.size > this.#maxKeys) {
      const oldest = this.#map.keys().next().value;
      if (oldest !== undefined) this.#map.delete(oldest);
    }
  }

  get size(): number {
    return this.#map.size;
  }
}

/**
 * Throttles credential guessing: every failed check spends a token of the client address's bucket and,
 * for invites, of the session's bucket; while either is empty, checks are refused without being
 * evaluated (`retryAfterSeconds` says when to try again). Successful checks cost nothing.
 */
export class AttemptLimiter {
  readonly #o: AttemptLimiterOptions;
  readonly #addresses: Buckets;
  readonly #sessions: Buckets;

  constructor(options: Partial<AttemptLimiterOptions> = {}) {
    this.#o = { ...defaultAttemptLimiterOptions, ...options };
    this.#addresses = new Buckets(this.#o.perAddress, this.#o.maxKeys);
    this.#sessions = new Buckets(this.#o.perSession, this.#o.maxKeys);
  }

  /** Seconds the caller must wait before a check for (`address`, `session`) is evaluated; 0 = now. */
  retryAfter(address: string, session?: string): number {
    const now = this.#o.now();
    const a = this.#addresses.waitSeconds(address, now);
    const s = session === undefined ? 0 : this.#sessions.waitSeconds(session, now);
    return Math.max(a, s);
  }

  /** Records a failed check. */
  failed(address: string, session?: string): void {
    const now = this.#o.now();
    this.#addresses.spend(address, now);
    if (session !== undefined) this.#sessions.spend(session, now);
  }

  /** Keys remembered (addresses, sessions), for tests and metrics. */
  get size(): { addresses: number; sessions: number } {
    return { addresses: this.#addresses.size, sessions: this.#sessions.size };
  }
}
