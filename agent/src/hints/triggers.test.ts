import { exampleSignal, type SignalKind, type SignalOf, type SignalValues } from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { applyTriggerOverrides, defaultTriggerOptions, type TriggerOptions } from './trigger-options.js';
import { TriggerEngine } from './triggers.js';

const T0 = 1_763_700_000_000;
let n = 0;
function signal<K extends SignalKind>(
  kind: K,
  values: Partial<SignalValues<K>>,
  start: number,
  end = start,
): SignalOf<K> {
  return exampleSignal(kind, values, end, {
    id: `sig_${kind}_${n++}`,
    sessionId: 's',
    range: { start, end },
  });
}
const pause = (
  seconds: number,
  after: 'interviewer' | 'speech' | 'track-start',
  start: number,
  phase: 'start' | 'update' = 'start',
) =>
  signal(
    'long-pause',
    { silenceSeconds: seconds, after, phase, episodeId: `pause-${start}` },
    start,
    start + seconds * 1000,
  );

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
    const early = pause(9, 'track-start', T0);
    expect(e.onSignal(early, T0 + 9000)).toEqual([]); // never spoke, no question: not a pause "after" anything
    e.noteSpeech(T0 + 10_000);
    const s = pause(9.04, 'speech', T0 + 10_000);
    const [t, ...rest] = e.onSignal(s, T0 + 19_040);
    expect(rest).toEqual([]);
    expect(t).toMatchObject({ kind: 'long-pause', evidence: [s.id], signalId: s.id, facts: { seconds: 9 } });
    expect(t?.at).toBe(T0 + 10_000 + 8000);
    expect(e.onSignal(pause(7, 'speech', T0 + 20_000), 0)).toEqual([]); // below 8 s
  });

  it('quotes the interviewer question before the pause and cites it', () => {
    const { e } = engine({ 'long-pause': { requireQuestion: true } });
    const q = {
      id: 'seg_q1',
      role: 'interviewer' as const,
      text: 'How would you shard this table?',
      end: T0 + 2000,
    };
    expect(e.onTranscript(q)).toEqual([]);
    const s = pause(8, 'track-start', T0 + 2500);
    const [t] = e.onSignal(s, T0);
    expect(t?.facts.question).toBe('How would you shard this table?');
    expect(t?.evidence).toEqual([s.id, q.id]);
  });

  it('honours per-session switches and thresholds', () => {
    const { e, set } = engine();
    e.noteSpeech(T0);
    set({ 'long-pause': { enabled: false } });
    expect(e.onSignal(pause(30, 'speech', T0), T0)).toEqual([]);
    set({ 'long-pause': { enabled: true, minSeconds: 20 } });
    expect(e.onSignal(pause(10, 'speech', T0), T0)).toEqual([]);
    expect(e.onSignal(pause(21, 'speech', T0), T0)).toHaveLength(1);
  });

  it('detects stuck or clarification requests in the candidate transcript only', () => {
    const { e } = engine();
    expect(e.onTranscript({ id: 'seg_1', role: 'interviewer', text: "I'm stuck too", end: T0 })).toEqual([]);
    const [t] = e.onTranscript({
      id: 'seg_2',
      role: 'candidate',
      text: 'Sorry, could you clarify the input format?',
      end: T0,
    });
    expect(t).toMatchObject({
      kind: 'stuck',
      facts: { quote: 'Sorry, could you clarify the input format?' },
    });
  });

  it('needs repeated look-aways within the window, and cites all of them', () => {
    const { e } = engine({ 'look-away': { minEvents: 3, windowSeconds: 10 } });
    const look = (at: number, phase: 'start' | 'end' = 'start') =>
      signal('look-away', { phase, episodeId: `look-away-${at}` }, at);
    const a = look(T0);
    const b = look(T0 + 20_000);
    const c = look(T0 + 25_000);
    const d = look(T0 + 28_000);
    expect([...e.onSignal(a, 0), ...e.onSignal(b, 0), ...e.onSignal(c, 0)]).toEqual([]);
    // the end of an episode is the same look-away, not another one
    expect(e.onSignal(look(T0 + 26_000, 'end'), 0)).toEqual([]);
    const [t] = e.onSignal(d, 0);
    expect(t).toMatchObject({ kind: 'look-away', evidence: [b.id, c.id, d.id], facts: { count: 3 } });
  });

  it('reports another person, fast or monotone delivery from other analysers', () => {
    const { e } = engine();
    const second = signal('additional-person', { maxFaces: 2, phase: 'start' }, T0);
    expect(e.onSignal(second, 0)[0]).toMatchObject({ kind: 'extra-person', facts: { faces: 2 } });
    expect(e.onSignal(signal('additional-person', { maxFaces: 2, phase: 'end' }, T0 + 5000), 0)).toEqual([]);
    expect(e.onSignal(signal('extra-candidate', { identity: 'c2' }, T0), 0)[0]?.facts.identity).toBe('c2');
    expect(e.onSignal(signal('speech-rate', { wordsPerMinute: 150 }, T0), 0)).toEqual([]);
    expect(e.onSignal(signal('speech-rate', { wordsPerMinute: 212.4 }, T0), 0)[0]?.facts).toEqual({
      wordsPerMinute: 212,
    });
    expect(e.onSignal(signal('monotone', { semitoneSpread: 0.8 }, T0), 0)[0]?.kind).toBe('monotone');
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

  it('gives one pause one trigger: its start, or the update that reaches the threshold; its end notes speech', () => {
    const { e } = engine();
    const afterQuestion = pause(8.5, 'interviewer', T0);
    const [t] = e.onSignal(afterQuestion, 0); // the candidate never spoke, but the interviewer just did
    expect(t?.facts).toEqual({ seconds: 8.5, afterInterviewer: true });
    expect(t?.dedupeKey).toBe(`long-pause@pause-${T0}`);
    // the same episode reported again at a later threshold: no second trigger
    expect(e.onSignal(pause(12, 'interviewer', T0, 'update'), 0)).toEqual([]);
    // a pause whose start came below the trigger's threshold fires on the update that reaches it
    const { e: e2 } = engine({ 'long-pause': { minSeconds: 10 } });
    e2.noteSpeech(T0);
    expect(e2.onSignal(pause(8, 'speech', T0 + 20_000), 0)).toEqual([]);
    const [late] = e2.onSignal(pause(10, 'speech', T0 + 20_000, 'update'), 0);
    expect(late?.at).toBe(T0 + 30_000);
    const later = e.onSignal(pause(8, 'speech', T0 + 40_000), 0)[0];
    expect(later?.dedupeKey).not.toBe(t?.dedupeKey);
    // the pause's end message notes that the candidate spoke again; it is not another pause
    const end = signal('long-pause', { phase: 'end', silenceSeconds: 11 }, T0 + 40_000, T0 + 51_000);
    expect(e.onSignal(end, 0)).toEqual([]);
    expect(e.lastSpeechAt).toBe(T0 + 51_000);
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
    expect(e.onSignal(signal('speech-segment', {}, T0, T0 + 3000), 0)).toEqual([]);
    expect(e.lastSpeechAt).toBe(T0 + 3000);
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
    const [p] = e.onSignal(pause(8, 'speech', T0 + 10_000), 0);
    expect(p?.facts.question).toBe('What is the complexity?');
    expect(p?.evidence).toContain('seg_q');
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
