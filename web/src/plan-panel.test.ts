import { type CoverageMessage, type InterviewPlan, PROTOCOL_VERSION } from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { coverageHeadline, formatLeft, parsePlanText } from './plan-panel.js';

const plan: InterviewPlan = {
  durationMinutes: 45,
  items: [
    { id: 'a', competency: 'X', question: 'A?', keywords: [] },
    { id: 'b', competency: 'Y', question: 'B?', keywords: [] },
  ],
};
const coverage = (over: Partial<CoverageMessage>): CoverageMessage => ({
  v: PROTOCOL_VERSION,
  type: 'coverage',
  sessionId: 's',
  revision: 1,
  at: 1,
  elapsedMinutes: 33,
  minutesLeft: 12,
  minutesNeeded: 22.5,
  itemsLeft: 1,
  timeShort: true,
  items: [],
  startedAt: 0,
  ...over,
});

describe('plan panel', () => {
  it('headlines items asked against the time left, and says when the rest will not fit', () => {
    expect(coverageHeadline(plan, undefined)).toBe('0 of 2 asked · 45 min planned');
    const c = coverage({
      items: [
        { id: 'a', status: 'answered', candidateSeconds: 30, candidateWords: 60, evidence: [] },
        { id: 'b', status: 'not-asked', candidateSeconds: 0, candidateWords: 0, evidence: [] },
      ],
    });
    expect(coverageHeadline(plan, c)).toBe('1 of 2 asked · 12 min left · 1 left will not fit');
    expect(formatLeft(1.5)).toBe('90 s');
    expect(formatLeft(-1)).toBe('no time');
  });

  it('checks an edited plan before it is sent', () => {
    expect(parsePlanText('{')).toMatchObject({ ok: false, message: expect.stringMatching(/not valid JSON/) });
    expect(parsePlanText('{"durationMinutes":0,"items":[]}')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/durationMinutes/),
    });
    expect(parsePlanText(JSON.stringify(plan))).toEqual({ ok: true, plan });
  });
});
