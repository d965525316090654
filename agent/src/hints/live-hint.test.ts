import { describe, expect, it } from 'vitest';
import { LiveHint, liveFacts, refreshNumbers, spokeSince } from './live-hint.js';
import { defaultHintTiming, splitTimingOverrides } from './priorities.js';
import { RuleHintWriter } from './rules.js';
import type { HintTrigger } from './trigger.js';
import { defaultTriggerOptions, type TriggerKind } from './trigger-options.js';

const T0 = 1_700_000_000_000;
const t = (kind: TriggerKind, at: number, facts: HintTrigger['facts']): HintTrigger => ({
  kind,
  at: T0 + at,
  evidence: [`sig_${kind}`],
  facts,
  confidence: 0.8,
  dedupeKey: kind,
});
const part = (trigger: HintTrigger) => ({
  trigger,
  timing: defaultHintTiming[trigger.kind],
  thresholds: { ...defaultTriggerOptions[trigger.kind] } as Record<string, number | boolean>,
  facts: trigger.facts,
  ended: false,
});

describe('live facts', () => {
  it('a pause counts the silence from the last speech, or from its threshold when no speech was heard', () => {
    const pause = t('long-pause', 8000, { seconds: 8 });
    expect(liveFacts(pause, { minSeconds: 8 }, T0 + 13_400, T0)).toEqual({ seconds: 13 });
    expect(liveFacts(pause, { minSeconds: 8 }, T0 + 13_600, 0)).toEqual({ seconds: 14 });
    expect(liveFacts(pause, { minSeconds: 5 }, T0 + 9000, 0)).toEqual({ seconds: 6 });
  });

  it('code-idle counts its silence and idle time on; other facts stay as observed', () => {
    const idle = t('code-idle', 0, { minutesUnchanged: 3, silentSeconds: 30, revision: 4 });
    expect(liveFacts(idle, {}, T0 + 12_000, 0)).toEqual({
      minutesUnchanged: 3.2,
      silentSeconds: 42,
      revision: 4,
    });
    const look = t('look-away', 0, { count: 3, windowSeconds: 30 });
    expect(liveFacts(look, {}, T0 + 12_000, T0 + 11_000)).toBe(look.facts);
  });

  it('speech after the moment ends a hint; an answer-end tolerates a transcript ending just after it', () => {
    expect(spokeSince(t('long-pause', 8000, {}), T0 + 8000)).toBe(false);
    expect(spokeSince(t('long-pause', 8000, {}), T0 + 8001)).toBe(true);
    expect(spokeSince(t('answer-end', 8000, {}), T0 + 8900)).toBe(false);
    expect(spokeSince(t('answer-end', 8000, {}), T0 + 9100)).toBe(true);
  });

  it('an LLM text quoting a duration is brought up to date; other numbers are left alone', () => {
    expect(
      refreshNumbers('Silent for 8 s after question 2; 8 seconds now.', { seconds: 8 }, { seconds: 12 }),
    ).toBe('Silent for 12 s after question 2; 12 seconds now.');
    expect(refreshNumbers('No speech for 8.2 s.', { seconds: 8.2 }, { seconds: 10 })).toBe(
      'No speech for 10 s.',
    );
    expect(refreshNumbers('Line 8 s.', { line: 8 }, { line: 8 })).toBe('Line 8 s.');
  });
});

describe('LiveHint', () => {
  it('is valid while any part holds: expired after every window, condition-ended once its silence is broken', () => {
    const pause = t('long-pause', 8000, { seconds: 8 });
    const h = new LiveHint({
      id: 'h1',
      decidedAt: T0 + 8000,
      part: part(pause),
      draft: new RuleHintWriter().write(pause),
    });
    expect(h.update(T0 + 12_000, T0)).toBeUndefined();
    expect(h.current().text.normal).toMatch(/^The candidate has not spoken for 12 s\./);
    expect(h.update(T0 + 12_250, T0 + 12_100)).toBe('condition-ended');
    // Facts froze at the last check before the speech.
    expect(h.parts[0]?.facts.seconds).toBe(12);
    h.merge(part(t('stuck', 12_500, { quote: "I'm stuck" })));
    expect(h.update(T0 + 13_000, T0 + 12_500)).toBeUndefined();
    expect(h.priority).toBe(3);
    expect(h.current().text.minimal).toBe('Asked for help after 12 s of silence.');
    expect(h.validUntil).toBe(T0 + 8000 + 20_000);
    // The request's window passed and the pause is over.
    expect(h.update(T0 + 24_501, T0 + 12_500)).toBe('condition-ended');
    expect(h.update(T0 + 28_001, T0 + 12_500)).toBe('expired');
  });

  it('keeps an LLM draft, with its quoted duration counted at delivery and its model as the source', () => {
    const pause = t('long-pause', 8000, { seconds: 8 });
    const h = new LiveHint({
      id: 'h2',
      decidedAt: T0 + 8000,
      part: part(pause),
      draft: {
        kind: 'long-pause',
        text: {
          minimal: 'Silent 8 s.',
          normal: 'Silent for 8 s: rephrase.',
          verbose: 'Silent for 8 s: rephrase. Evidence: x.',
        },
        evidence: ['sig_long-pause'],
        confidence: 0.7,
        source: 'llm',
        model: 'claude-haiku-4-5',
      },
    });
    h.update(T0 + 10_000, T0);
    const draft = h.current();
    expect(draft.text).toEqual({
      minimal: 'Silent 10 s.',
      normal: 'Silent for 10 s: rephrase.',
      verbose: 'Silent for 10 s: rephrase. Evidence: x.',
    });
    expect(h.why(draft, () => undefined, T0 + 10_000)).toMatchObject({
      source: 'claude-haiku-4-5',
      confidence: 0.7,
      facts: { seconds: 10 },
      sentAt: T0 + 10_000,
    });
  });
});

describe('timing options', () => {
  it('takes priority, validSeconds and untilSpeech out of trigger settings and checks their types', () => {
    const { timing, triggers, ignored } = splitTimingOverrides(defaultHintTiming, {
      'long-pause': { minSeconds: 5, priority: 2, validSeconds: 30 },
      'answer-end': { untilSpeech: false, priority: 2.5 },
      'no-such': { priority: 1 },
    });
    expect(timing['long-pause']).toEqual({ priority: 2, validSeconds: 30, untilSpeech: true });
    expect(timing['answer-end']).toEqual({ ...defaultHintTiming['answer-end'], untilSpeech: false });
    expect(triggers).toEqual({ 'long-pause': { minSeconds: 5 }, 'answer-end': {}, 'no-such': {} });
    expect(ignored).toEqual(['answer-end.priority', 'no-such.priority']);
    expect(defaultHintTiming['long-pause'].priority).toBe(3);
  });

  it('ranks being stuck or silent, a clarification request and another person above follow-ups', () => {
    const p = (k: TriggerKind) => defaultHintTiming[k].priority;
    for (const high of ['long-pause', 'stuck', 'extra-person'] as const)
      for (const low of [
        'answer-end',
        'fast-speech',
        'monotone',
        'code-review',
        'look-away',
        'code-idle',
      ] as const)
        expect(p(high)).toBeGreaterThan(p(low));
  });
});
