import {
  exampleSignal,
  type SignalKind,
  type SignalMessage,
  type SignalValues,
} from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { SessionSeries } from './series.js';

const signal = <K extends SignalKind>(
  kind: K,
  end: number,
  values: Partial<SignalValues<K>>,
): SignalMessage =>
  exampleSignal(kind, values, end, { id: `${kind}${end}`, range: { start: end - 1000, end }, summary: '' });

describe('SessionSeries', () => {
  it('charts pitch, speaking rate, look-away share and level in seconds since the first signal', () => {
    const s = new SessionSeries();
    expect(s.add(signal('audio-level', 10_000, { rmsDbfs: -20 }))).toEqual(['level']);
    expect(s.add(signal('pitch', 12_000, { medianHz: 140, voicedSeconds: 2 }))).toEqual(['pitch']);
    expect(s.add(signal('pitch', 13_000, { medianHz: 0, voicedSeconds: 0 }))).toEqual([]);
    expect(s.add(signal('speech-rate', 15_000, { wordsPerMinute: 150 }))).toEqual(['rate']);
    expect(s.add(signal('face-summary', 16_000, { lookAwayShare: 0.25 }))).toEqual(['attention']);
    expect(s.get('pitch')).toEqual([[2], [140]]);
    expect(s.get('rate')).toEqual([[5], [150]]);
    expect(s.get('attention')).toEqual([[6], [25]]);
    expect(s.get('nothing')).toEqual([[], []]);
  });
  it('keeps points in time order when signals arrive out of order, and bounds them', () => {
    const s = new SessionSeries({ maxPoints: 2 });
    s.add(signal('audio-level', 1000, { rmsDbfs: -1 }));
    s.add(signal('audio-level', 3000, { rmsDbfs: -3 }));
    s.add(signal('audio-level', 2000, { rmsDbfs: -2 }));
    expect(s.get('level')).toEqual([
      [1, 2],
      [-2, -3],
    ]);
  });
});
