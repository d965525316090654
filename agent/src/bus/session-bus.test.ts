import { describe, expect, it } from 'vitest';
import { SessionBus, type SessionEvent } from './session-bus.js';

describe('SessionBus', () => {
  it('delivers each event to the listeners of its type, in order; a failing listener is reported, not fatal', () => {
    const errors: [unknown, SessionEvent][] = [];
    const bus = new SessionBus((err, e) => errors.push([err, e]));
    const got: string[] = [];
    bus.on('answer-start', (e) => got.push(`a${e.at}`));
    bus.on('answer-start', () => {
      throw new Error('boom');
    });
    const off = bus.on('answer-start', (e) => got.push(`b${e.at}`));
    bus.on('answer-end', () => got.push('end'));
    bus.emit({ type: 'answer-start', at: 1 });
    expect(got).toEqual(['a1', 'b1']);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[1]).toEqual({ type: 'answer-start', at: 1 });
    off();
    bus.emit({ type: 'answer-start', at: 2 });
    bus.emit({
      type: 'vad',
      speaker: { identity: 'c', role: 'candidate', trackSid: 'T' },
      at: 3,
      speaking: true,
    });
    expect(got).toEqual(['a1', 'b1', 'a2']);
    expect(bus.listeners('answer-start')).toBe(2);
    expect(bus.listeners('vad')).toBe(0);
  });
});
