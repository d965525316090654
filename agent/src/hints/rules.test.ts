import { describe, expect, it } from 'vitest';
import { EMOTION_AND_TRAIT_WORDS, emotionLabelIn } from '../language.js';
import { HINT_TOOL, SUMMARY_PROMPT, SYSTEM_PROMPT } from './prompt.js';
import { RuleHintWriter } from './rules.js';
import type { HintTrigger } from './trigger.js';
import { DETAILS, TRIGGER_KINDS } from './trigger-options.js';

const facts: HintTrigger['facts'] = {
  seconds: 8.2,
  question: 'How would you test this?',
  quote: 'could you repeat that?',
  count: 4,
  windowSeconds: 30,
  faces: 2,
  signal: 'faces',
  minutesUnchanged: 3.5,
  silentSeconds: 40,
  revision: 7,
  wordsPerMinute: 205,
  pitchSemitones: 1.1,
  speechSeconds: 42,
  line: 12,
  issue: 'off-by-one',
  probe: 'the loop bound reaches the length itself: ask what happens at the last index',
  claim: 'this is O(n)',
  observed: 'the loop on line 12 runs inside the loop on line 10',
  itemsLeft: 2,
  itemsTotal: 5,
  minutesLeft: 12,
  minutesNeeded: 18,
  notAsked: 'testing,api-errors',
};

describe('RuleHintWriter', () => {
  const writer = new RuleHintWriter();

  it('writes every trigger at every detail level, citing its evidence and never labelling emotions', () => {
    for (const kind of TRIGGER_KINDS) {
      const draft = writer.write({
        kind,
        at: 0,
        evidence: ['sig_a', 'sig_b'],
        facts,
        confidence: 0.8,
        dedupeKey: kind,
      });
      expect(draft).toMatchObject({ kind, evidence: ['sig_a', 'sig_b'], source: 'rules', confidence: 0.8 });
      for (const d of DETAILS) {
        expect(draft.text[d].length).toBeGreaterThan(5);
        expect(draft.text[d]).not.toMatch(/undefined|NaN|\[object/);
        expect(emotionLabelIn(draft.text[d])).toBeUndefined();
      }
      expect(draft.text.minimal.length).toBeLessThanOrEqual(draft.text.normal.length);
      expect(draft.text.verbose).toContain('sig_a, sig_b');
    }
  });

  it('is deterministic', () => {
    const t: HintTrigger = {
      kind: 'long-pause',
      at: 1,
      evidence: ['sig_x'],
      facts,
      confidence: 0.9,
      dedupeKey: 'k',
    };
    expect(writer.write(t)).toEqual(writer.write(structuredClone(t)));
    expect(writer.write(t).text.normal).toBe(
      'The candidate has not spoken for 8.2 s after the question "How would you test this?". Consider rephrasing the question or offering a smaller first step.',
    );
  });
});

describe('behaviour, not emotion', () => {
  it('finds emotion and trait labels as whole words, case-insensitively', () => {
    expect(emotionLabelIn('The candidate seems Nervous today')).toBe('nervous');
    expect(emotionLabelIn('They are a smart engineer')).toBe('smart');
    expect(emotionLabelIn('No speech for 8 s; smartphone visible')).toBeUndefined();
    expect(EMOTION_AND_TRAIT_WORDS.length).toBeGreaterThan(30);
  });

  it('the prompts state the rule without labelling anyone', () => {
    for (const p of [SYSTEM_PROMPT, SUMMARY_PROMPT, JSON.stringify(HINT_TOOL)])
      expect(emotionLabelIn(p)).toBeUndefined();
    expect(SYSTEM_PROMPT).toMatch(/observable behaviour/);
    expect(SYSTEM_PROMPT).toMatch(/never name or guess what the candidate feels/i);
  });
});
