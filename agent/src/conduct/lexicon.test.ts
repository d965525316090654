import { describe, expect, it } from 'vitest';
import { FRESH_QUESTIONS, HELD_OUT_QUESTIONS, LABELLED_QUESTIONS } from './labelled-questions.js';
import { closedOpening, leadingPhrase, protectedTopicOf, reviewUtterance, sentences } from './lexicon.js';
import { evaluateLexicon } from './lexicon-eval.js';

describe('conduct lexicon', () => {
  it('flags a protected-topic question with its topic and a lawful rephrase', () => {
    const f = reviewUtterance('Great, thanks. Are you planning to have children soon?');
    expect(f).toMatchObject({ kind: 'protected-topic', topic: 'family' });
    expect(f?.sentence).toBe('Are you planning to have children soon?');
    expect(f?.rephrase).toMatch(/schedule/);
    expect(protectedTopicOf('Where were you born?')?.rephrase).toMatch(/authorised to work/);
  });

  it('never flags the lawful questions employment guidance recommends', () => {
    for (const q of [
      'Are you legally authorised to work here?',
      'Can you perform the essential functions of the job with or without accommodation?',
      'Are you at least 18 years old?',
      'Will you now or in the future require sponsorship for an employment visa?',
    ])
      expect(protectedTopicOf(q), q).toBeUndefined();
  });

  it('does not mistake technical questions for protected topics', () => {
    for (const q of [
      'How would you visit all the children of a node in this tree?',
      'How would you disable the cache in production without a deploy?',
      'How would you diagnose a memory leak in this service?',
    ])
      expect(protectedTopicOf(q), q).toBeUndefined();
  });

  it('ranks protected over leading over closed, and judges a closed question only as the last question', () => {
    expect(reviewUtterance("Don't you think a hash map is faster? Are you married?")?.kind).toBe(
      'protected-topic',
    );
    expect(reviewUtterance("Don't you think a hash map would be faster here?")?.kind).toBe(
      'leading-question',
    );
    expect(reviewUtterance('Did you use a cache?')?.kind).toBe('closed-question');
    expect(reviewUtterance('Did you use a cache? How did you size it?')).toBeUndefined();
    expect(reviewUtterance('Walk me through your approach.')).toBeUndefined();
  });

  it('splits utterances into sentences and reads curly apostrophes', () => {
    expect(sentences('Okay. Is it sorted? Tell me more.')).toEqual([
      'Okay.',
      'Is it sorted?',
      'Tell me more.',
    ]);
    expect(leadingPhrase('Wouldn’t you agree that this is simpler?')).toBeDefined();
    expect(closedOpening('Can you walk me through it?')).toBeUndefined();
  });

  it('reaches precision and recall ≥ 0.95 on the labelled set (106 utterances)', () => {
    expect(LABELLED_QUESTIONS.length).toBeGreaterThanOrEqual(80);
    for (const s of evaluateLexicon(LABELLED_QUESTIONS)) {
      expect(s.precision, `${s.label} false alarms: ${s.falseAlarms.join(' | ')}`).toBeGreaterThanOrEqual(
        0.95,
      );
      expect(s.recall, `${s.label} missed: ${s.missed.join(' | ')}`).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('keeps precision 1 and recall ≥ 0.9 on the second set', () => {
    for (const s of evaluateLexicon(HELD_OUT_QUESTIONS)) {
      expect(s.precision, `${s.label} false alarms: ${s.falseAlarms.join(' | ')}`).toBe(1);
      expect(s.recall, `${s.label} missed: ${s.missed.join(' | ')}`).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('raises no false alarm on the fresh set (lawful and technical questions included); its recall is in docs/conduct.md', () => {
    for (const s of evaluateLexicon(FRESH_QUESTIONS)) expect(s.falseAlarms, s.label).toEqual([]);
  });
});
