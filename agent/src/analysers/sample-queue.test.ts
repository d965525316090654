import { describe, expect, it } from 'vitest';
import { SampleQueue } from './sample-queue.js';

async function drain<T>(queue: SampleQueue<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of queue) out.push(item);
  return out;
}

describe('SampleQueue', () => {
  it('keeps only the latest sample when capacity is 1 and counts the dropped ones', async () => {
    const q = new SampleQueue<number>({ capacity: 1 });
    for (let i = 0; i < 5; i++) q.push(i);
    q.close();
    expect(await drain(q)).toEqual([4]);
    expect(q.dropped).toBe(4);
    expect(q.pushed).toBe(5);
  });

  it('hands samples straight to a waiting consumer without dropping', async () => {
    const q = new SampleQueue<number>({ capacity: 2 });
    const consumed = drain(q);
    for (let i = 0; i < 10; i++) {
      q.push(i);
      await Promise.resolve();
    }
    q.close();
    expect(await consumed).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(q.dropped).toBe(0);
  });

  it('refuses pushes after close and rejects bad capacities', () => {
    const q = new SampleQueue<number>();
    q.close();
    expect(q.push(1)).toBe(false);
    expect(() => new SampleQueue({ capacity: 0 })).toThrow(RangeError);
  });

  it('closes when the consumer stops early', async () => {
    const q = new SampleQueue<number>({ capacity: 4 });
    q.push(1);
    q.push(2);
    for await (const item of q) {
      expect(item).toBe(1);
      break;
    }
    expect(q.closed).toBe(true);
    expect(q.push(3)).toBe(false);
  });

  it('carries what must not be lost from a dropped sample into the next one', async () => {
    const q = new SampleQueue<{ n: number; events: string[] }>({
      capacity: 2,
      carry: (dropped, next) => ({ ...next, events: [...dropped.events, ...next.events] }),
    });
    q.push({ n: 1, events: ['start'] });
    q.push({ n: 2, events: [] });
    q.push({ n: 3, events: ['end'] });
    q.close();
    const got: { n: number; events: string[] }[] = [];
    for await (const item of q) got.push(item);
    expect(got).toEqual([
      { n: 2, events: ['start'] },
      { n: 3, events: ['end'] },
    ]);
    expect(q.dropped).toBe(1);
  });
});
