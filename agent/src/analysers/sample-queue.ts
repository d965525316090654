/** Options of a {@link SampleQueue}. */
export interface SampleQueueOptions<T = unknown> {
  /** Most samples held; when full, the oldest is dropped. 1 keeps only the latest. */
  capacity: number;
  /**
   * Carries what must not be lost from a dropped sample into the one after it (voice-activity events
   * on audio chunks); returns the sample that replaces `next`. Without it a dropped sample is gone.
   */
  carry?: (dropped: T, next: T) => T;
}

export const defaultSampleQueueOptions: SampleQueueOptions<unknown> = { capacity: 1 };

/**
 * A bounded, single-consumer async queue that never blocks the producer: when the consumer falls
 * behind, the oldest samples are dropped and counted. Used to feed each analyser its own stream so
 * one slow analyser cannot stall the media pipeline or the other analysers.
 */
export class SampleQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #waiter?: (result: IteratorResult<T>) => void;
  #closed = false;
  #dropped = 0;
  #pushed = 0;
  #opts: SampleQueueOptions<T>;

  constructor(opts: Partial<SampleQueueOptions<T>> = {}) {
    this.#opts = { ...(defaultSampleQueueOptions as SampleQueueOptions<T>), ...opts };
    if (!Number.isInteger(this.#opts.capacity) || this.#opts.capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${this.#opts.capacity}`);
    }
  }

  /** Samples dropped because the consumer was behind. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Samples waiting for the consumer. */
  get size(): number {
    return this.#items.length;
  }

  /** Samples offered so far. */
  get pushed(): number {
    return this.#pushed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Offers a sample; returns false when the queue is closed. */
  push(item: T): boolean {
    if (this.#closed) return false;
    this.#pushed++;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter({ value: item, done: false });
      return true;
    }
    this.#items.push(item);
    if (this.#items.length > this.#opts.capacity) {
      const dropped = this.#items.shift() as T;
      const carry = this.#opts.carry;
      if (carry) this.#items[0] = carry(dropped, this.#items[0] as T);
      this.#dropped++;
    }
    return true;
  }

  /** Ends the stream; the consumer gets the samples still queued, then `done`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.#items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.#closed) return Promise.resolve({ value: undefined, done: true });
        if (this.#waiter) return Promise.reject(new Error('SampleQueue supports a single consumer'));
        return new Promise((resolve) => {
          this.#waiter = resolve;
        });
      },
      return: () => {
        this.close();
        this.#items = [];
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
