import type { SignalMessage } from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { applyTriggerOverrides, defaultTriggerOptions, type TriggerOptions } from './trigger-options.js';
import { TriggerEngine } from './triggers.js';

const T0 = 1_763_700_000_000;
let n = 0;
function signal(kind: string, values: SignalMessage['values'], start: number, end = start): SignalMessage {
  return {
    v: 1,
    type: 'signal',
    id: `sig_${kind}_${n++}`,
    sessionId: 's',
    analyser: 'test',
    kind,
    media: 'audio',
    range: { start, end },
    values,
    confidence: 1,
    summary: kind,
  };
}

function engine(overrides: Record<string, Record<string, boolean | number>> = {}) {
  let opts: TriggerOptions = applyTriggerOverrides(defaultTriggerOptions, overrides).options;
  const e = new TriggerEngine(() => opts);
  return {
    e,
    set: (o: Record<string, Record<string, boolean | number>>) =>
      (opts = applyTriggerOverrides(opts, o).options),
  };
}

describe('TriggerEngine', () => {
  it('fires a long pause after the candidate spoke, cites the silence, and dates it at the threshold', () => {
    const { e } = engine();
    const early = signal('silence', { seconds: 9 }, T0, T0 + 9000);
    expect(e.onSignal(early, T0 + 9000)).toEqual([]); // never spoke, no question: not a pause "after" anything
    e.noteSpeech(T0 + 10_000);
    const s = signal('silence', { seconds: 9.04 }, T0 + 10_000, T0 + 19_040);
    const [t, ...rest] = e.onSignal(s, T0 + 19_040);
    expect(rest).toEqual([]);
    expect(t).toMatchObject({ kind: 'long-pause', evidence: [s.id], signalId: s.id, facts: { seconds: 9 } });
    expect(t?.at).toBe(T0 + 10_000 + 8000);
    expect(e.onSignal(signal('silence', { seconds: 7 }, T0 + 20_000, T0 + 27_000), 0)).toEqual([]); // below 8 s
  });

  it('quotes the interviewer question before the pause and cites it', () => {
    const { e } = engine({ 'long-pause': { requireQuestion: true } });
    const q = signal(
      'transcript',
      { role: 'interviewer', text: 'How would you shard this table?', final: true },
      T0,
      T0 + 2000,
    );
    expect(e.onSignal(q, T0)).toEqual([]);
    const s = signal('long-pause', { durationMs: 8000 }, T0 + 2500, T0 + 10_500);
    const [t] = e.onSignal(s, T0);
    expect(t?.facts.question).toBe('How would you shard this table?');
    expect(t?.evidence).toEqual([s.id, q.id]);
  });

  it('honours per-session switches and thresholds', () => {
    const { e, set } = engine();
    e.noteSpeech(T0);
    set({ 'long-pause': { enabled: false } });
    expect(e.onSignal(signal('silence', { seconds: 30 }, T0, T0 + 30_000), T0)).toEqual([]);
    set({ 'long-pause': { enabled: true, minSeconds: 20 } });
    expect(e.onSignal(signal('silence', { seconds: 10 }, T0, T0 + 10_000), T0)).toEqual([]);
    expect(e.onSignal(signal('silence', { seconds: 21 }, T0, T0 + 21_000), T0)).toHaveLength(1);
  });

  it('detects stuck or clarification requests in the candidate transcript only', () => {
    const { e } = engine();
    expect(e.onSignal(signal('transcript', { role: 'interviewer', text: "I'm stuck too" }, T0), T0)).toEqual(
      [],
    );
    const [t] = e.onSignal(
      signal('transcript', { role: 'candidate', text: 'Sorry, could you clarify the input format?' }, T0),
      T0,
    );
    expect(t).toMatchObject({
      kind: 'stuck',
      facts: { quote: 'Sorry, could you clarify the input format?' },
    });
  });

  it('needs repeated look-aways within the window, and cites all of them', () => {
    const { e } = engine({ 'look-away': { minEvents: 3, windowSeconds: 10 } });
    const a = signal('look-away', {}, T0);
    const b = signal('look-away', {}, T0 + 20_000);
    const c = signal('look-away', {}, T0 + 25_000);
    const d = signal('look-away', {}, T0 + 28_000);
    expect([...e.onSignal(a, 0), ...e.onSignal(b, 0), ...e.onSignal(c, 0)]).toEqual([]);
    const [t] = e.onSignal(d, 0);
    expect(t).toMatchObject({ kind: 'look-away', evidence: [b.id, c.id, d.id], facts: { count: 3 } });
  });

  it('reports another person, fast or monotone delivery from other analysers', () => {
    const { e } = engine();
    expect(e.onSignal(signal('faces', { count: 1 }, T0), 0)).toEqual([]);
    expect(e.onSignal(signal('faces', { count: 2 }, T0), 0)[0]).toMatchObject({
      kind: 'extra-person',
      facts: { faces: 2 },
    });
    expect(e.onSignal(signal('extra-candidate', { identity: 'c2' }, T0), 0)[0]?.facts.identity).toBe('c2');
    expect(e.onSignal(signal('speech-rate', { wordsPerMinute: 150 }, T0), 0)).toEqual([]);
    expect(e.onSignal(signal('speech-rate', { wordsPerMinute: 212.4 }, T0), 0)[0]?.facts).toEqual({
      wordsPerMinute: 212,
    });
    expect(e.onSignal(signal('prosody', { pitchStdSemitones: 0.8 }, T0), 0)[0]?.kind).toBe('monotone');
  });

  it('suggests a follow-up at the end of a long enough answer', () => {
    const { e } = engine();
    expect(e.onSignal(signal('answer-end', { speechSeconds: 3 }, T0, T0 + 3000), 0)).toEqual([]);
    const [t] = e.onSignal(signal('answer-end', { speechSeconds: 12 }, T0, T0 + 12_000), 0);
    expect(t).toMatchObject({ kind: 'answer-end', facts: { speechSeconds: 12 } });
  });

  it('fires code-idle once per revision when the code is unchanged while the candidate is silent', () => {
    const { e } = engine({ 'code-idle': { minutes: 1, minSilenceSeconds: 20 } });
    e.onCode({ revision: 1, language: 'ts', text: 'let x = 1;' }, T0, 'sig_code1');
    e.noteSpeech(T0 + 50_000);
    expect(e.onTick(T0 + 61_000)).toEqual([]); // spoke 11 s ago
    const [t] = e.onTick(T0 + 71_000);
    expect(t).toMatchObject({ kind: 'code-idle', evidence: ['sig_code1'], facts: { revision: 1 } });
    expect(t?.at).toBe(T0 + 70_000);
    expect(e.onTick(T0 + 200_000)).toEqual([]);
    e.onCode({ revision: 1, language: 'ts', text: 'let x = 1;' }, T0 + 201_000); // same text: not a change
    expect(e.onTick(T0 + 202_000)).toEqual([]);
  });

  it('reviews changed code for patterns worth probing', () => {
    const { e } = engine();
    const code =
      'function last(xs) {\n  for (let i = 0; i <= xs.length; i++) {}\n  return xs[xs.length - 1];\n}';
    const [t] = e.onCode({ revision: 2, language: 'js', text: code }, T0, 'sig_c');
    expect(t).toMatchObject({
      kind: 'code-review',
      facts: { issue: 'off-by-one', line: 2 },
      evidence: ['sig_c'],
    });
    expect(e.onCode({ revision: 3, language: 'js', text: code }, T0, 'sig_d')).toEqual([]);
  });

  it('reads the pause signals of the VAD analyser and the turn tracker, merging one pause into one episode', () => {
    const { e } = engine();
    const afterQuestion = signal('long-pause', { silenceSeconds: 8.5, after: 'interviewer' }, T0, T0 + 8500);
    const [t] = e.onSignal(afterQuestion, 0); // the candidate never spoke, but the interviewer just did
    expect(t?.facts).toEqual({ seconds: 8.5, afterInterviewer: true });
    const mine = e.onSignal(signal('silence', { seconds: 8, speechBefore: true }, T0 + 800, T0 + 8800), 0)[0];
    expect(mine?.dedupeKey).toBe(t?.dedupeKey);
    const later = e.onSignal(
      signal('long-pause', { silenceSeconds: 7, after: 'speech' }, T0 + 20_000, T0 + 27_000),
      0,
    )[0];
    expect(later?.dedupeKey).not.toBe(t?.dedupeKey);
  });

  it('reads the delivery and pitch analysers and the stored transcript', () => {
    const { e } = engine();
    expect(e.onSignal(signal('delivery', { syllablesPerSecond: 7.24 }, T0), 0)[0]?.facts).toEqual({
      syllablesPerSecond: 7.2,
    });
    expect(e.onSignal(signal('delivery', { syllablesPerSecond: 4 }, T0), 0)).toEqual([]);
    expect(e.onSignal(signal('monotone', { semitoneSpread: 1.2, monotone: true }, T0), 0)[0]?.facts).toEqual({
      pitchSemitones: 1.2,
    });
    expect(e.onSignal(signal('pitch', { semitoneSpread: 4, monotone: false }, T0), 0)).toEqual([]);
    expect(
      e.onTranscript({ id: 'seg_q', role: 'interviewer', text: 'What is the complexity?', end: T0 }),
    ).toEqual([]);
    const [stuck] = e.onTranscript({
      id: 'seg_1',
      role: 'candidate',
      text: "Hmm, I don't know how to start",
      end: T0 + 9000,
    });
    expect(stuck).toMatchObject({ kind: 'stuck', evidence: ['seg_1'] });
    const [pause] = e.onSignal(signal('silence', { seconds: 8 }, T0 + 10_000, T0 + 18_000), 0);
    expect(pause?.facts.question).toBe('What is the complexity?');
    expect(pause?.evidence).toContain('seg_q');
  });

  it('ignores unknown trigger settings and values of the wrong type', () => {
    const { options, ignored } = applyTriggerOverrides(defaultTriggerOptions, {
      'long-pause': { minSeconds: 4, enabled: 3, bogus: 1 },
      nope: { enabled: true },
    });
    expect(options['long-pause'].minSeconds).toBe(4);
    expect(options['long-pause'].enabled).toBe(true);
    expect(ignored.sort()).toEqual(['long-pause.bogus', 'long-pause.enabled', 'nope']);
    expect(defaultTriggerOptions['long-pause'].minSeconds).toBe(8);
  });
});
