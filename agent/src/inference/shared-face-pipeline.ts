import { FaceDetector } from '../vision/face-detector.js';
import { FaceLandmarker } from '../vision/face-landmarks.js';
import type { FaceObservation, FaceObserver, FacePipeline, FaceStages } from '../vision/face-pipeline.js';
import { IrisLandmarker } from '../vision/iris.js';
import type { RgbImage } from '../vision/resample.js';
import type { InferenceClient } from './client.js';

const FACE_MODELS = [FaceDetector.model, FaceLandmarker.model, IrisLandmarker.model];

/**
 * The face pipeline of a job process whose models run in the shared inference service: each analysed frame is one
 * request carrying the frame (`POST /face`), and the service runs the detector, Face Mesh and Iris back to back in
 * one turn of its queue, instead of one request per model (four round trips on a frontal face, each waiting in the
 * queue behind the other rooms' requests).
 *
 * Loading goes through `local`, whose model runners come from the client: it waits for the service and tells which
 * stages exist. When the service did not answer and one of the face models was loaded in this process instead
 * (the client's fallback), frames run through `local`, as before.
 */
export class SharedFacePipeline implements FaceObserver {
  #client: InferenceClient;
  #local: FacePipeline;
  #remote = false;

  constructor(client: InferenceClient, local: FacePipeline) {
    this.#client = client;
    this.#local = local;
  }

  /** Loads the models (see {@link FacePipeline.ready}); decides where frames run. */
  async ready(): Promise<FaceStages> {
    const stages = await this.#local.ready();
    const fallbacks = new Set(this.#client.stats().localFallbacks);
    this.#remote = !FACE_MODELS.some((model) => fallbacks.has(model));
    return stages;
  }

  /** Whether frames go to the service in one request each (after {@link ready}). */
  get remote(): boolean {
    return this.#remote;
  }

  run(img: RgbImage): Promise<FaceObservation> {
    return this.#remote
      ? this.#client.face(img, this.#local.stages, this.#local.options)
      : this.#local.run(img);
  }
}
