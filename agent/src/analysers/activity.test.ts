import { describe, expect, it } from 'vitest';
import { CandidateActivity } from './activity.js';

describe('CandidateActivity', () => {
  it('tracks speaking and keeps one answer across short pauses, a new one after a long gap', () => {
    const a = new CandidateActivity({ answerGapMs: 4000 });
    expect(a.candidateSpeaking).toBe(false);
    expect(a.answerStartedAt).toBeUndefined();
    a.speechStarted(1000);
    expect(a.candidateSpeaking).toBe(true);
    expect(a.answerStartedAt).toBe(1000);
    a.speechEnded(3000);
    expect(a.candidateSpeaking).toBe(false);
    a.speechStarted(5000); // 2 s pause: same answer
    expect(a.answerStartedAt).toBe(1000);
    a.speechEnded(6000);
    expect(a.answerStartedAt).toBe(1000); // still the current answer while silent
    a.speechStarted(10_500); // 4.5 s gap: a new answer
    expect(a.answerStartedAt).toBe(10_500);
    a.speechStarted(11_000); // a repeated start changes nothing
    expect(a.answerStartedAt).toBe(10_500);
  });
});
