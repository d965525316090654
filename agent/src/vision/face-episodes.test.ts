import { describe, expect, it } from 'vitest';
import { type CheckedDraft, checked } from '../analysers/testing.js';
import type { FaceDetection } from './face-detector.js';
import { FaceEpisodes } from './face-episodes.js';
import type { FaceObservation } from './face-pipeline.js';
import type { IrisGaze } from './iris.js';

const FACE: FaceDetection = { score: 0.9, x: 200, y: 100, width: 200, height: 200, keypoints: [] };

/** One synthetic frame: a single face with this head yaw and eye openness (and optionally iris offset). */
function frame(yaw: number, eyeOpenness = 0.28, irisX?: number): FaceObservation {
  const iris: IrisGaze | undefined =
    irisX === undefined
      ? undefined
      : {
          right: { centre: [0, 0], offset: [irisX, 0] },
          left: { centre: [0, 0], offset: [irisX, 0] },
          x: irisX,
          y: 0,
        };
  return {
    width: 640,
    height: 480,
    faces: [FACE],
    noseOffset: 0,
    pose: { yaw, pitch: 0, roll: 0, eyeOpenness, mouthOpenness: 0.05 },
    iris,
    busyMs: 1,
  };
}

/** Feeds `frames` at `fps` from t = 0; the episode signals as `kind:phase@seconds`. */
function run(
  episodes: FaceEpisodes,
  frames: FaceObservation[],
  fps = 2,
  answerStart?: number,
): { log: string[]; signals: CheckedDraft[] } {
  const signals: CheckedDraft[] = [];
  frames.forEach((f, i) => {
    signals.push(...episodes.observe((i * 1000) / fps, f, { startedAt: answerStart }).map((d) => checked(d)));
  });
  return { log: signals.map((s) => `${s.kind}:${s.values.phase}@${s.range.end / 1000}`), signals };
}

const repeat = <T>(x: T, n: number): T[] => Array.from({ length: n }, () => x);

describe('FaceEpisodes', () => {
  it('never counts blinks, and reports eyes closed for 3 s with value hysteresis', () => {
    // 2 fps: a blink is caught on at most one frame, every few seconds
    const blinks = Array.from({ length: 40 }, (_, i) => frame(0, i % 5 === 0 ? 0.05 : 0.28));
    expect(run(new FaceEpisodes(), blinks).log).toEqual([]);
    // eyes closed 3 s, then hovering just above the closing threshold (0.16: not yet open), then open
    const seq = [
      ...repeat(frame(0), 4),
      ...repeat(frame(0, 0.08), 6),
      ...repeat(frame(0, 0.16), 4),
      ...repeat(frame(0, 0.3), 4),
    ];
    const { log, signals } = run(new FaceEpisodes(), seq);
    expect(log).toEqual(['eyes-closed:start@3.5', 'eyes-closed:end@8']);
    expect(signals[1]?.values.durationMs).toBe(6000);
    expect(signals[0]?.values.meanEyeOpenness).toBe(0.08);
  });

  it('says when a frame could next start or end an episode', () => {
    const episodes = new FaceEpisodes();
    expect(episodes.nextDecisionAt()).toBeUndefined();
    episodes.observe(0, frame(0));
    expect(episodes.nextDecisionAt()).toBeUndefined();
    episodes.observe(1000, frame(-40)); // turned: a look-away could start 1.5 s later
    expect(episodes.nextDecisionAt()).toBe(2500);
    episodes.observe(2000, frame(-40));
    expect(episodes.nextDecisionAt()).toBe(2500);
    expect(episodes.observe(2500, frame(-40)).map((d) => d.kind)).toEqual(['look-away']);
    expect(episodes.nextDecisionAt()).toBeUndefined();
    episodes.observe(3000, frame(0)); // looking back: it could end 1 s later
    expect(episodes.nextDecisionAt()).toBe(4000);
    expect(episodes.observe(4000, frame(0)).map((d) => checked(d).values.phase)).toEqual(['end']);
    expect(episodes.nextDecisionAt()).toBeUndefined();
  });

  it('does not flap when the head yaw hovers around the threshold', () => {
    // 22–27° alternating: never 1.5 s beyond 25°, so no look-away starts
    const hover = Array.from({ length: 30 }, (_, i) => frame(i % 2 ? 27 : 22));
    expect(run(new FaceEpisodes(), hover).log).toEqual([]);
    // turned 3 s, then hovering 22–27° (inside the exit band: 25° × 0.8 = 20°), then frontal
    const seq = [...repeat(frame(35), 6), ...hover, ...repeat(frame(3), 6)];
    const { log, signals } = run(new FaceEpisodes(), seq);
    expect(log).toEqual(['look-away:start@1.5', 'look-away:end@19']);
    expect(signals[0]?.values.direction).toBe('image-right');
    expect(signals[0]?.values.cause).toBe('head');
  });

  it('starts a look-away from the eyes alone on a frontal head, and reports the share of the current answer', () => {
    // head frontal; irises 0.35 half widths to the image left ≈ 26° eye rotation: no eye contact
    const seq = [
      ...repeat(frame(2, 0.28, 0), 8),
      ...repeat(frame(2, 0.28, -0.35), 8),
      ...repeat(frame(2, 0.28, 0), 4),
    ];
    const episodes = new FaceEpisodes();
    const { log, signals } = run(episodes, seq, 2, 0);
    expect(log).toEqual(['look-away:start@5.5', 'look-away:end@9']);
    const start = signals[0];
    expect(start?.values.cause).toBe('eyes');
    expect(start?.values.direction).toBe('image-left');
    expect(Number(start?.values.meanGazeYawDeg)).toBeLessThan(-20);
    // the answer began at 0: 4 s looking, 1.5 s away by the start…
    expect(start?.values.answerShare).toBeCloseTo(1.5 / 5.5, 1);
    // …and 4 s away out of 9 by the end
    expect(signals[1]?.values.answerShare).toBeCloseTo(4 / 9, 1);
    const summary = episodes.summary();
    expect(summary.answerLookAwayShare).toBeCloseTo(4 / 9.5, 1);
    expect(summary.eyeContactShare).toBeCloseTo(12 / 20, 1);
    expect(summary.irisFrames).toBe(20);
  });

  it('counts no face and two faces, and leaves answerShare out before the candidate has spoken', () => {
    const none: FaceObservation = { ...frame(0), faces: [], pose: undefined };
    const two: FaceObservation = { ...frame(0), faces: [FACE, FACE] };
    const seq = [...repeat(none, 5), ...repeat(frame(0), 4), ...repeat(two, 5), ...repeat(frame(40), 5)];
    const { log, signals } = run(new FaceEpisodes(), seq);
    expect(log).toEqual([
      'no-face:start@1.5',
      'no-face:end@3.5',
      'additional-person:start@6',
      'additional-person:end@8',
      'look-away:start@8.5',
    ]);
    expect(signals.find((s) => s.kind === 'additional-person')?.values.maxFaces).toBe(2);
    expect(signals.find((s) => s.kind === 'look-away')?.values.answerShare).toBeUndefined();
  });
});
