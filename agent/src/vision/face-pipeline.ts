import { type FaceDetection, FaceDetector, noseOffset } from './face-detector.js';
import { defaultGazeOptions } from './face-gaze.js';
import { FaceLandmarker } from './face-landmarks.js';
import { type FaceMeasures, faceStates, measureFace } from './head-pose.js';
import { type IrisGaze, IrisLandmarker } from './iris.js';
import type { RgbImage } from './resample.js';

/** Options of {@link FacePipeline}. */
export interface FacePipelineOptions {
  /** Face Mesh face probability below which the landmarks are not used. */
  minPresence: number;
  /** Run the iris model only while |head yaw| is at most this (beyond it head pose decides gaze). */
  irisYawLimitDeg: number;
  /** …and |head roll| at most this: the eye crops are not turned, so a rolled eye is not read. */
  irisRollLimitDeg: number;
}

export const defaultFacePipelineOptions: FacePipelineOptions = {
  minPresence: 0.5,
  irisYawLimitDeg: defaultGazeOptions.irisYawLimitDeg,
  irisRollLimitDeg: 20,
};

/** What the face models saw on one frame. */
export interface FaceObservation {
  width: number;
  height: number;
  /** Every face, most confident first. */
  faces: FaceDetection[];
  /** BlazeFace's coarse yaw cue of the main face (0 without a face). */
  noseOffset: number;
  /** Head pose and openness of the main face (undefined without usable landmarks). */
  pose?: FaceMeasures;
  /** Both irises (only on a near-frontal face with open eyes, and with the iris model). */
  iris?: IrisGaze;
  /** Time spent in the models and their pre/post-processing, ms. */
  busyMs: number;
}

/** The optional face stages a pipeline runs. */
export interface FaceStages {
  /** Face Mesh (head pose, openness). */
  landmarks: boolean;
  /** MediaPipe Iris (needs the landmarks). */
  iris: boolean;
}

/**
 * What the face analyser needs of its models: load them (the stages that could be loaded), then one
 * {@link FaceObservation} per frame. {@link FacePipeline} runs the models one after the other from this process;
 * a shared inference service can run the whole pipeline in one request.
 */
export interface FaceObserver {
  ready(): Promise<FaceStages>;
  run(img: RgbImage): Promise<FaceObservation>;
}

/**
 * The face models on one frame, in order: BlazeFace on the whole frame, Face Mesh on the most
 * confident face, head pose and openness from its landmarks, then MediaPipe Iris on both eyes
 * when the face is near frontal and upright and the eyes are open (on a turned face the far eye is not
 * reliable and head pose decides, so its 2 × 1.7 ms are saved). All pre-processing reads the
 * frame once per model input in typed-array code (see {@link SquareResampler}); no image library
 * call and no intermediate image per frame. The landmark and iris models are optional: when one
 * is missing the pipeline goes on without it.
 */
export class FacePipeline implements FaceObserver {
  #o: FacePipelineOptions;
  #detector: FaceDetector;
  #landmarker?: FaceLandmarker;
  #iris?: IrisLandmarker;

  constructor(
    opts: Partial<FacePipelineOptions> = {},
    detector = new FaceDetector(),
    landmarker: FaceLandmarker | null | undefined = new FaceLandmarker(),
    iris: IrisLandmarker | null | undefined = new IrisLandmarker(),
  ) {
    this.#o = { ...defaultFacePipelineOptions, ...opts };
    this.#detector = detector;
    // null: that stage is not wanted at all (face presence only), so its model is never loaded
    this.#landmarker = landmarker ?? undefined;
    this.#iris = landmarker ? (iris ?? undefined) : undefined;
  }

  /**
   * Loads the models. Rejects with a `ModelError` when BlazeFace is missing; a missing landmark or
   * iris model (logged once by `onnxSession`) only drops that stage. Returns the stages in use.
   */
  async ready(): Promise<FaceStages> {
    await this.#detector.ready();
    const ok = (p: Promise<unknown> | undefined) =>
      p
        ? p.then(
            () => true,
            () => false,
          )
        : Promise.resolve(false);
    const [landmarks, iris] = await Promise.all([ok(this.#landmarker?.ready()), ok(this.#iris?.ready())]);
    if (!landmarks) this.#landmarker = undefined;
    if (!iris || !landmarks) this.#iris = undefined;
    return { landmarks, iris: iris && landmarks };
  }

  /** The options in use. */
  get options(): Readonly<FacePipelineOptions> {
    return this.#o;
  }

  /** The stages this pipeline runs: those wanted, less those whose model could not be loaded once ready. */
  get stages(): FaceStages {
    return { landmarks: Boolean(this.#landmarker), iris: Boolean(this.#iris) };
  }

  /** Runs the models on one RGB24 frame. */
  async run(img: RgbImage): Promise<FaceObservation> {
    const began = performance.now();
    const { data, width, height } = img;
    const faces = await this.#detector.detect(data, width, height);
    const main = faces[0];
    const obs: FaceObservation = { width, height, faces, noseOffset: main ? noseOffset(main) : 0, busyMs: 0 };
    const marks =
      main && this.#landmarker ? await this.#landmarker.landmarks(data, width, height, main) : undefined;
    if (marks && marks.presence >= this.#o.minPresence) {
      obs.pose = measureFace(marks.points);
      if (
        this.#iris &&
        Math.abs(obs.pose.yaw) <= this.#o.irisYawLimitDeg &&
        Math.abs(obs.pose.roll) <= this.#o.irisRollLimitDeg &&
        !faceStates(obs.pose).eyesClosed
      ) {
        obs.iris = await this.#iris.gaze(data, width, height, marks.points);
      }
    }
    obs.busyMs = performance.now() - began;
    return obs;
  }
}
