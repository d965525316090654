import { describe, expect, it } from 'vitest';
import { FaceDetector } from '../vision/face-detector.js';
import { FaceLandmarker } from '../vision/face-landmarks.js';
import { IrisLandmarker } from '../vision/iris.js';
import { loadManifest } from '../vision/models.js';
import { PoseDetector } from '../vision/pose-detector.js';
import { PoseLandmarker } from '../vision/pose-landmarks.js';
import { visionModels } from './shared-inference.js';

describe('visionModels', () => {
  it('names the models the wrappers run, pose models only with the pose analyser, each in the manifest', async () => {
    const face = [FaceDetector.model, FaceLandmarker.model, IrisLandmarker.model];
    const pose = [PoseDetector.model, PoseLandmarker.model];
    expect(visionModels({ pose: false })).toEqual(face);
    expect(visionModels({ pose: true })).toEqual([...face, ...pose]);
    const manifest = (await loadManifest()).map((m) => m.name);
    for (const model of visionModels({ pose: true })) expect(manifest).toContain(model);
  });
});
