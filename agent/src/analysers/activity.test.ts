import { describe, expect, it } from 'vitest';
import { CandidateActivity } from './activity.js';

describe('CandidateActivity', () => {
  it('holds the speaking state and the answer the turn model opened', () => {
    const a = new CandidateActivity();
    expect(a.candidateSpeaking).toBe(false);
    expect(a.answerStartedAt).toBeUndefined();
    a.speechStarted(1000);
    a.answerStarted(1000);
    expect(a.candidateSpeaking).toBe(true);
    expect(a.answerStartedAt).toBe(1000);
    a.speechEnded(3000);
    expect(a.candidateSpeaking).toBe(false);
    expect(a.answerStartedAt).toBe(1000); // still the current answer while silent
    a.answerStarted(10_500);
    expect(a.answerStartedAt).toBe(10_500);
  });
});
