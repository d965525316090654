import {
  exampleSignal,
  type HintMessage,
  PROTOCOL_VERSION,
  type SignalMessage,
} from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { SignalIndex } from './hints-panel.js';

const signal = (id: string, summary = ''): SignalMessage =>
  exampleSignal('long-pause', { silenceSeconds: 4 }, 1, {
    id,
    sessionId: 's',
    analyser: 'vad',
    range: { start: 0, end: 1 },
    summary,
  });
const hint = (evidence: string[]): HintMessage => ({
  v: PROTOCOL_VERSION,
  type: 'hint',
  id: 'h1',
  sessionId: 's',
  kind: 'long-pause',
  text: 'The candidate has not spoken for 4 s.',
  evidence,
  confidence: 0.8,
  source: 'rules',
  createdAt: 1,
});

describe('SignalIndex', () => {
  it("describes a hint's evidence from the signals received, summary first, values otherwise", () => {
    const index = new SignalIndex();
    index.add(signal('a', 'Silence 4 s'));
    index.add(signal('b'));
    expect(index.evidence(hint(['a', 'b', 'c']))).toEqual([
      { id: 'a', kind: 'long-pause', text: 'Silence 4 s' },
      { id: 'b', kind: 'long-pause', text: expect.stringContaining('"silenceSeconds":4') },
      { id: 'c', kind: 'signal', text: 'c (not received)' },
    ]);
  });
  it('forgets the oldest signals beyond its size', () => {
    const index = new SignalIndex({ maxSignals: 2 });
    for (const id of ['a', 'b', 'c']) index.add(signal(id, id));
    expect(index.evidence(hint(['a', 'c'])).map((e) => e.kind)).toEqual(['signal', 'long-pause']);
  });
});
