/** Options of {@link CircuitBreaker}. */
export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before one trial call is let through. */
  openMs: number;
}

export const defaultBreakerOptions: BreakerOptions = { failureThreshold: 3, openMs: 30_000 };

/**
 * Stops calling a failing dependency for a while: after `failureThreshold` consecutive failures the
 * circuit opens; after `openMs` one trial call is allowed (half-open); success closes it again.
 */
export class CircuitBreaker {
  #o: BreakerOptions;
  #failures = 0;
  #openedAt?: number;
  #trial = false;

  constructor(opts: Partial<BreakerOptions> = {}) {
    this.#o = { ...defaultBreakerOptions, ...opts };
  }

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.#openedAt === undefined) return 'closed';
    return this.#trial ? 'half-open' : 'open';
  }

  /** Whether a call may go out now (in half-open state, only one at a time). */
  allow(now = Date.now()): boolean {
    if (this.#openedAt === undefined) return true;
    if (this.#trial || now - this.#openedAt < this.#o.openMs) return false;
    this.#trial = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#openedAt = undefined;
    this.#trial = false;
  }

  failure(now = Date.now()): void {
    this.#failures++;
    if (this.#trial || this.#failures >= this.#o.failureThreshold) {
      this.#openedAt = now;
      this.#trial = false;
    }
  }
}
