import { describe, expect, it } from 'vitest';
import { type WriteBufferStatus, WriteHealth } from './write-health.js';

const status = (h: WriteHealth, pendingRows: number) => (): WriteBufferStatus => ({
  ...h.counters,
  pendingRows,
  spilledRows: 0,
  maxRows: 10,
});

describe('WriteHealth', () => {
  it('tells listeners each state change once and measures the outage up to an empty buffer', () => {
    const h = new WriteHealth();
    const states: string[] = [];
    h.onChange((s) => states.push(s.state));
    h.attemptFailed(new Error('ECONNREFUSED'));
    h.unreachable(3);
    h.update(3, false, status(h, 3));
    h.update(3, false, status(h, 3));
    h.update(12, true, status(h, 12));
    expect(states).toEqual(['retrying', 'full']);
    expect(h.failing).toBe(true);
    h.reachable(2, 10);
    h.applied(2);
    expect(h.failing).toBe(false);
    expect(h.counters.lastRecovery).toBeUndefined();
    h.update(10, false, status(h, 10));
    h.reachable(10, 0);
    h.applied(10);
    expect(states).toEqual(['retrying', 'full', 'ok']);
    expect(h.counters).toMatchObject({
      maxPendingRows: 12,
      appliedRows: 12,
      failedAttempts: 1,
      lastError: 'ECONNREFUSED',
      lastRecovery: { rows: 12 },
    });
  });

  it('keeps listening after a listener throws', () => {
    const h = new WriteHealth();
    const seen: string[] = [];
    h.onChange(() => {
      throw new Error('boom');
    });
    h.onChange((s) => seen.push(s.state));
    h.unreachable(1);
    h.update(1, false, status(h, 1));
    expect(seen).toEqual(['retrying']);
  });
});
