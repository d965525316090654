import type { Room } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { AgentAttributes } from './agent-attributes.js';

/** A room whose attribute updates are recorded and answered when the test says so. */
function room(answer: 'now' | 'never' = 'now') {
  const updates: Record<string, string>[] = [];
  const r = {
    localParticipant: {
      setAttributes: (a: Record<string, string>) => {
        updates.push(a);
        return answer === 'now' ? Promise.resolve() : new Promise<void>(() => {});
      },
    },
  };
  return { room: r as unknown as Room, updates };
}

describe('AgentAttributes', () => {
  it('sends the merged map whole, coalesces queued updates and skips an unchanged map', async () => {
    const { room: r, updates } = room();
    const attributes = new AgentAttributes(r);
    void attributes.set({ state: 'starting' });
    await attributes.set({ candidate: 'c1' });
    await attributes.set({ candidate: 'c1' });
    await attributes.set({ state: 'analysing' });
    expect(updates).toEqual([
      { state: 'starting', candidate: 'c1' },
      { state: 'analysing', candidate: 'c1' },
    ]);
  });

  it('gives up an update the room never answers so the next one is still sent', async () => {
    const { room: r, updates } = room('never');
    const attributes = new AgentAttributes(r, { timeoutMs: 10 });
    await attributes.set({ state: 'starting' });
    await attributes.set({ state: 'analysing' });
    expect(updates.map((u) => u.state)).toEqual(['starting', 'analysing']);
  });
});
