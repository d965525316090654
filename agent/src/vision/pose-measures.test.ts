import { describe, expect, it } from 'vitest';
import { POSE, type PosePoint } from './pose-landmarks.js';
import { measurePose } from './pose-measures.js';

/** An upright person facing the camera in a 640×480 frame; `moves` overrides points by index. */
function body(moves: Record<number, [number, number, number?]> = {}): PosePoint[] {
  const at: Record<number, [number, number]> = {
    [POSE.nose]: [320, 150],
    [POSE.leftEye]: [340, 135],
    [POSE.rightEye]: [300, 135],
    [POSE.leftEar]: [365, 145],
    [POSE.rightEar]: [275, 145],
    [POSE.mouthLeft]: [335, 180],
    [POSE.mouthRight]: [305, 180],
    [POSE.leftShoulder]: [420, 260], // the person's left is the image's right
    [POSE.rightShoulder]: [220, 260],
    [POSE.leftElbow]: [430, 370],
    [POSE.rightElbow]: [210, 370],
    [POSE.leftWrist]: [440, 450],
    [POSE.rightWrist]: [200, 450],
    [POSE.leftIndex]: [442, 465],
    [POSE.rightIndex]: [198, 465],
  };
  return Array.from({ length: 33 }, (_, i) => {
    const [x, y, visibility = 0.99] = moves[i] ?? [...(at[i] ?? [320, 600]), i in at ? 0.99 : 0.1];
    return { x, y, z: 0, visibility, presence: 0.99 };
  });
}

describe('measurePose', () => {
  it('measures an upright body: level shoulders, head above them, hands down', () => {
    const m = measurePose(body(), 640, 480);
    expect(m.upperBody).toBe(true);
    expect(m.shoulderTiltDeg).toBeCloseTo(0, 5);
    expect(m.headHeight).toBeCloseTo(0.55, 2); // (260 − 150) / 200
    expect(m.headOffset).toBeCloseTo(0, 5);
    expect(m.shoulderWidthShare).toBeCloseTo(200 / 640, 5);
    expect(m.handNearFace).toBe(false);
    expect(m.raised).toEqual({ left: false, right: false });
  });

  it('gives the shoulder tilt in degrees, positive when the image-right shoulder is lower', () => {
    const m = measurePose(body({ [POSE.leftShoulder]: [420, 260 + 200 * Math.tan(Math.PI / 18)] }), 640, 480);
    expect(m.shoulderTiltDeg).toBeCloseTo(10, 1);
    expect(measurePose(body({ [POSE.rightShoulder]: [220, 300] }), 640, 480).shoulderTiltDeg).toBeLessThan(
      -10,
    );
  });

  it('finds a palm on the forehead as hand-to-face, not as a raised hand', () => {
    const m = measurePose(
      body({ [POSE.rightWrist]: [318, 80], [POSE.rightIndex]: [322, 95], [POSE.rightElbow]: [130, 200] }),
      640,
      480,
    );
    expect(m.handNearFace).toBe(true);
    expect(m.handFaceDistance).toBeLessThan(0.35);
    expect(m.raised.right).toBe(false);
  });

  it('finds a wrist well above its shoulder and away from the face as a raised hand', () => {
    const m = measurePose(body({ [POSE.leftWrist]: [470, 90] }), 640, 480);
    expect(m.raised).toEqual({ left: true, right: false });
    expect(m.wristAboveShoulder).toBeCloseTo(0.85, 2);
    // at shoulder height it is not raised; an invisible wrist never is
    expect(measurePose(body({ [POSE.leftWrist]: [470, 250] }), 640, 480).raised.left).toBe(false);
    expect(measurePose(body({ [POSE.leftWrist]: [470, 90, 0.2] }), 640, 480).raised.left).toBe(false);
  });

  it('lists missing key landmarks (hidden or outside the frame)', () => {
    expect(measurePose(body({ [POSE.nose]: [320, 150, 0.1] }), 640, 480).missing).toEqual(['nose']);
    const m = measurePose(body({ [POSE.leftShoulder]: [700, 260] }), 640, 480);
    expect(m.missing).toEqual(['leftShoulder']);
    expect(m.upperBody).toBe(false);
  });

  it('counts a hand only with its own evidence: wrist, a finger point and the elbow in view', () => {
    const palm: Record<number, [number, number]> = {
      [POSE.rightWrist]: [318, 80],
      [POSE.rightIndex]: [322, 95],
    };
    // the elbow of a hand at the forehead is in view below it
    const withElbow = measurePose(body({ ...palm, [POSE.rightElbow]: [130, 200] }), 640, 480);
    expect(withElbow.handInView.right).toBe(true);
    expect(withElbow.handNearFace).toBe(true);
    // the model's guessed elbow below the frame: no evidence of an arm, so no hand at the face
    const guessed = measurePose(body({ ...palm, [POSE.rightElbow]: [130, 560] }), 640, 480);
    expect(guessed.handInView.right).toBe(false);
    expect(guessed.handNearFace).toBe(false);
    // a visible wrist the model says is not in the frame (low presence) does not count either
    const absent = body({ ...palm, [POSE.rightElbow]: [130, 200] });
    (absent[POSE.rightWrist] as { presence: number }).presence = 0.2;
    expect(measurePose(absent, 640, 480).handNearFace).toBe(false);
  });

  it('takes a face filling the frame for a close-up: no upper body, no hands, whatever the model guessed', () => {
    // ears 340 px apart in a 640×480 frame, with a raised "wrist" and its elbow guessed beside the face
    const m = measurePose(
      body({
        [POSE.leftEar]: [490, 145],
        [POSE.rightEar]: [150, 145],
        [POSE.leftElbow]: [470, 200],
        [POSE.leftWrist]: [470, 90],
        [POSE.leftIndex]: [470, 80],
      }),
      640,
      480,
    );
    expect(m.closeUp).toBe(true);
    expect(m.faceShare).toBeCloseTo(340 / Math.sqrt(640 * 480), 2);
    expect(m.upperBody).toBe(false);
    expect(m.raised).toEqual({ left: false, right: false });
    // a tiny "body" inside a face, shoulders above the nose, is no upper body either
    expect(measurePose(body({ [POSE.nose]: [320, 280] }), 640, 480).upperBody).toBe(false);
  });
});
