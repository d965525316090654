import { describe, expect, it } from 'vitest';
import { within } from './within.js';

describe('within', () => {
  it('is true when the promise settles in time, a rejection included', async () => {
    expect(await within(Promise.resolve(1), 1000)).toBe(true);
    expect(await within(Promise.reject(new Error('x')), 1000)).toBe(true);
  });

  it('is false when the time runs out first', async () => {
    expect(await within(new Promise(() => {}), 10)).toBe(false);
  });
});
