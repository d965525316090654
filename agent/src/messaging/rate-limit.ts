/** Options of a {@link SenderRateLimit}. */
export interface SenderRateLimitOptions {
  /** Messages a sender may send at once (the bucket's size). */
  burst: number;
  /** Messages per second a sender may keep sending (the bucket's refill rate). */
  perSecond: number;
  /** Most senders remembered; the least recently seen is forgotten beyond it. */
  maxSenders: number;
  /** Clock in ms (tests pass their own). */
  now: () => number;
}

export const defaultSenderRateLimitOptions: SenderRateLimitOptions = {
  burst: 200,
  perSecond: 50,
  maxSenders: 256,
  now: () => Date.now(),
};

/**
 * A token bucket per sender: each message takes one token, tokens come back at `perSecond` up to `burst`. A sender
 * over its rate has its messages dropped before they are decoded, so a flood costs the agent almost nothing.
 */
export class SenderRateLimit {
  #o: SenderRateLimitOptions;
  #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(opts: Partial<SenderRateLimitOptions> = {}) {
    this.#o = { ...defaultSenderRateLimitOptions, ...opts };
  }

  /** Takes a token for `sender`; false when the sender is over its rate. */
  take(sender: string): boolean {
    const now = this.#o.now();
    const bucket = this.#buckets.get(sender) ?? { tokens: this.#o.burst, at: now };
    bucket.tokens = Math.min(this.#o.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#o.perSecond);
    bucket.at = now;
    // re-inserted so the map's order is least recently seen first
    this.#buckets.delete(sender);
    this.#buckets.set(sender, bucket);
    if (this.#buckets.size > this.#o.maxSenders) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
