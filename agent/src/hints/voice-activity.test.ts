import { describe, expect, it } from 'vitest';
import { rmsDbfs, VoiceActivityTracker, type VoiceEvent, voiceSignal } from './voice-activity.js';

const T0 = 1_000_000;

function run(
  pattern: [level: number, ms: number][],
  thresholds = { longPauseSeconds: 3, answerGapSeconds: 1, minAnswerSeconds: 2 },
) {
  const v = new VoiceActivityTracker(() => thresholds);
  const events: VoiceEvent[] = [];
  let t = T0;
  for (const [level, ms] of pattern) {
    for (let i = 0; i < ms; i += 10) {
      t += 10;
      events.push(...v.push(level, t, 10));
    }
  }
  return events.filter((e) => e.type !== 'speech');
}

describe('VoiceActivityTracker', () => {
  it('reports the end of an answer and then a long silence at the exact threshold, once', () => {
    const events = run([
      [-20, 2500],
      [-90, 400], // a short pause inside the answer
      [-20, 1000],
      [-90, 6000],
    ]);
    expect(events).toEqual([
      { type: 'answer-end', start: T0, end: T0 + 3900, speechSeconds: 3.9 },
      { type: 'long-silence', start: T0 + 3900, at: T0 + 6900, seconds: 3, speechBefore: true },
    ]);
  });

  it('reports a silence before any speech as not following speech, and nothing for short answers', () => {
    expect(run([[-100, 3500]])).toEqual([
      { type: 'long-silence', start: T0, at: T0 + 3000, seconds: 3, speechBefore: false },
    ]);
    expect(
      run([
        [-20, 1000],
        [-90, 1500],
      ]),
    ).toEqual([]);
  });

  it('describes its events as signals', () => {
    expect(
      voiceSignal({ type: 'long-silence', start: 1000, at: 9050, seconds: 8.05, speechBefore: true }),
    ).toEqual({
      kind: 'long-pause',
      range: { start: 1000, end: 9050 },
      values: {
        phase: 'start',
        episodeId: 'long-pause-1000-level',
        durationMs: 8050,
        silenceSeconds: 8.1,
        thresholdSeconds: 8.1,
        after: 'speech',
      },
      confidence: 0.9,
      summary: 'No candidate speech for 8.1 s',
    });
    expect(voiceSignal({ type: 'answer-end', start: 0, end: 12_000, speechSeconds: 12 }).kind).toBe(
      'answer-end',
    );
  });

  it('measures RMS in dBFS', () => {
    expect(rmsDbfs(new Int16Array(160))).toBe(-120);
    expect(rmsDbfs(new Int16Array(160).fill(16384))).toBeCloseTo(-6.02, 1);
  });
});
