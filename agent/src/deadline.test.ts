import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { deadline } from './deadline.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason)));

describe('deadline', () => {
  it('times out after a full garbage collection, with a TimeoutError', { timeout: 10_000 }, async () => {
    const parent = new AbortController();
    const signal = deadline(parent.signal, 100);
    const reason = aborted(signal);
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(signal.aborted).toBe(false);
    const why = await reason;
    expect(why).toBeInstanceOf(DOMException);
    expect((why as DOMException).name).toBe('TimeoutError');
    expect(parent.signal.aborted).toBe(false);
  });

  it("aborts with the parent's reason, at once, and when the parent was already aborted", async () => {
    const parent = new AbortController();
    const signal = deadline(parent.signal, 60_000);
    parent.abort(new Error('stopped'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('stopped');
    const late = deadline(parent.signal, 60_000);
    expect(late.aborted).toBe(true);
    expect((late.reason as Error).message).toBe('stopped');
  });
});
