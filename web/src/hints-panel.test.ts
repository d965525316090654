import {
  exampleSignal,
  type HintMessage,
  PROTOCOL_VERSION,
  type SignalMessage,
} from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { SignalIndex, whyLines } from './hints-panel.js';

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

describe('whyLines', () => {
  it('lists trigger, source, timeline relative to the trigger, facts, thresholds, inputs and merged triggers', () => {
    const t0 = Date.UTC(2026, 0, 1, 12);
    const lines = whyLines({
      trigger: 'long-pause',
      priority: 3,
      inputs: [
        { id: 'sig_p', kind: 'silence', start: t0 - 8000, at: t0, values: { seconds: 8 } },
        { id: 'seg_1', kind: 'transcript' },
      ],
      facts: { seconds: 12, question: 'Why?' },
      thresholds: { minSeconds: 8, requireQuestion: false, validSeconds: 20 },
      source: 'claude-haiku-4-5',
      confidence: 0.9,
      triggerAt: t0,
      decidedAt: t0 + 20,
      sentAt: t0 + 4000,
      validUntil: t0 + 20_000,
      merged: [{ trigger: 'stuck', at: t0 + 3000, facts: { quote: 'I am stuck' } }],
    });
    const byLabel = (label: string) => lines.filter((l) => l.label === label).map((l) => l.text);
    expect(byLabel('Trigger')).toEqual(['long-pause (priority high)']);
    expect(byLabel('Source')).toEqual(['claude-haiku-4-5, confidence 90%']);
    expect(byLabel('Timeline')[0]).toMatch(/ · decided \+0\.0 s · sent \+4\.0 s · valid until \+20\.0 s$/);
    expect(byLabel('Facts')).toEqual(['seconds=12, question="Why?"']);
    expect(byLabel('Thresholds')).toEqual(['minSeconds=8, requireQuestion=false, validSeconds=20']);
    expect(byLabel('Input')).toEqual(['silence sig_p at +0.0 s (from -8.0 s) seconds=8', 'transcript seg_1']);
    expect(byLabel('Merged')).toEqual(['stuck at +3.0 s: quote="I am stuck"']);
  });
});
