import type { episodeFields, SignalValues } from '@interview-helper/protocol';
import type { SignalDraft } from '../analysers/analyser.js';
import { withDefaults } from '../options.js';
import { Episode } from './episode.js';
import { defaultGazeOptions, estimateGaze, type GazeEstimate, type GazeOptions } from './face-gaze.js';
import type { FaceObservation } from './face-pipeline.js';
import { defaultFaceMeasureOptions, type FaceMeasures, faceStates } from './head-pose.js';

/** The face-summary values {@link FaceEpisodes.summary} measures (the analyser adds the sampling figures). */
export type FaceWindowValues = Omit<
  SignalValues<'face-summary'>,
  | 'analysedFps'
  | 'targetFps'
  | 'framesSeen'
  | 'framesAnalysed'
  | 'framesSkipped'
  | 'framesCloser'
  | 'msPerFrame'
  | 'width'
  | 'height'
>;

/** Options of {@link FaceEpisodes}. */
export interface FaceEpisodeOptions {
  /** A condition must hold this long before its episode starts (hysteresis in time). */
  enterMs: number;
  /** …and be gone this long before the episode ends. */
  exitMs: number;
  /** Eyes closed this long starts an `eyes-closed` episode; blinks (< 0.5 s) never reach it. */
  eyesClosedEnterMs: number;
  /** Eye aspect ratio below which the eyes count as closed… */
  eyesClosedBelow: number;
  /** …and above which they count as open again (hysteresis in value). */
  eyesOpenAbove: number;
  /** |nose offset| (eye distances) above which the head counts as turned (fallback without landmarks). */
  turnedOffset: number;
  /** While a look-away runs, every gaze threshold is multiplied by this (< 1) to end it (hysteresis in value). */
  lookBackScale: number;
  gaze: Partial<GazeOptions>;
  /** Whether gaze and eyes are analysed at all (`look-away`, `eyes-closed`); false: face presence only. */
  eyes: boolean;
}

export const defaultFaceEpisodeOptions: FaceEpisodeOptions = {
  enterMs: 1500,
  exitMs: 1000,
  eyesClosedEnterMs: 1500,
  eyesClosedBelow: defaultFaceMeasureOptions.eyesClosedBelow,
  eyesOpenAbove: 0.18,
  turnedOffset: 0.25,
  lookBackScale: 0.8,
  gaze: {},
  eyes: true,
};

type Condition = 'no-face' | 'additional-person' | 'look-away' | 'eyes-closed';

const SUMMARIES: Record<Condition, string> = {
  'no-face': 'no face in view',
  'additional-person': 'more than one face in view',
  'look-away': 'not looking at the camera',
  'eyes-closed': 'eyes closed',
};

/** Where the current answer stands, from the session's candidate activity. */
export interface AnswerState {
  /** Start of the current answer (wall ms), if the candidate has spoken. */
  startedAt?: number;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/**
 * Turns per-frame face observations into episodes with hysteresis in time and value —
 * `no-face`, `additional-person`, `look-away` (no eye contact: gaze from iris + head pose, see
 * {@link estimateGaze}; carries the share of the current answer spent looking away) and
 * `eyes-closed` (≥ 1.5 s below the openness threshold, so blinks never count) — and keeps the
 * measures a periodic `face-summary` reports. Mouth opening is not an episode: it mostly means
 * speaking or smiling, which voice activity already reports; only its share is summarised.
 */
export class FaceEpisodes {
  #o: FaceEpisodeOptions;
  #gaze: GazeOptions;
  #episodes: Episode<Condition>[];
  #prevT = -1;
  #prevAway = false;
  #answerStart: number | undefined;
  #answerSeenMs = 0;
  #answerAwayMs = 0;
  // summary window
  #analysed = 0;
  #faceFrames = 0;
  #awayMs = 0;
  #windowMs = 0;
  #poses: FaceMeasures[] = [];
  #gazes: GazeEstimate[] = [];

  constructor(opts: Partial<FaceEpisodeOptions> = {}) {
    this.#o = withDefaults(defaultFaceEpisodeOptions, opts);
    this.#gaze = { ...defaultGazeOptions, ...this.#o.gaze };
    const timing = { enterMs: this.#o.enterMs, exitMs: this.#o.exitMs };
    this.#episodes = [
      new Episode<Condition>('no-face', timing),
      new Episode<Condition>('additional-person', timing),
      ...(this.#o.eyes
        ? [
            new Episode<Condition>('look-away', timing),
            new Episode<Condition>('eyes-closed', {
              enterMs: this.#o.eyesClosedEnterMs,
              exitMs: this.#o.exitMs,
            }),
          ]
        : []),
    ];
  }

  #episode(kind: Condition): Episode<Condition> {
    return this.#episodes.find((e) => e.kind === kind) as Episode<Condition>;
  }

  /** Feeds the observation of the frame at `t`; returns the episode signals it starts or ends. */
  observe(t: number, obs: FaceObservation, answer: AnswerState = {}): SignalDraft[] {
    if (!this.#o.eyes) return this.#presence(t, obs);
    const lookAway = this.#episode('look-away');
    const eyes = this.#episode('eyes-closed');
    const one = obs.faces.length === 1;
    const gaze = obs.pose
      ? estimateGaze(obs.pose, obs.iris, this.#gaze, lookAway.active ? this.#o.lookBackScale : 1)
      : undefined;
    const turned = gaze
      ? !gaze.eyeContact
      : Math.abs(obs.noseOffset) > this.#o.turnedOffset * (lookAway.active ? this.#o.lookBackScale : 1);
    const away = one && turned;
    const closed =
      obs.pose !== undefined &&
      obs.pose.eyeOpenness < (eyes.active ? this.#o.eyesOpenAbove : this.#o.eyesClosedBelow);
    this.#track(t, away, answer);
    this.#analysed++;
    if (obs.faces.length) this.#faceFrames++;
    if (obs.pose) this.#poses.push(obs.pose);
    if (gaze) this.#gazes.push(gaze);
    const seen: Record<string, number> = { noseOffset: obs.noseOffset };
    if (obs.pose) Object.assign(seen, { yaw: obs.pose.yaw, pitch: obs.pose.pitch, roll: obs.pose.roll });
    if (gaze) Object.assign(seen, { gazeYaw: gaze.yawDeg, iris: gaze.source === 'iris' ? 1 : 0 });
    const checks: Record<Condition, [boolean, Record<string, number>]> = {
      'no-face': [obs.faces.length === 0, {}],
      'additional-person': [obs.faces.length > 1, { faces: obs.faces.length }],
      'look-away': [away, seen],
      'eyes-closed': [one && closed, { openness: obs.pose?.eyeOpenness ?? 0 }],
    };
    const out: SignalDraft[] = [];
    for (const ep of this.#episodes) {
      const [holds, value] = checks[ep.kind];
      const change = ep.observe(t, holds, value);
      if (change) out.push(this.#signal(ep, change, t, obs));
    }
    return out;
  }

  /**
   * The earliest time a frame could start or end one of the episodes (see {@link Episode.decidesAt}); undefined
   * while none is pending. A frame analysed then decides it without waiting for the sampler's next one.
   */
  nextDecisionAt(): number | undefined {
    const at = this.#episodes.flatMap((e) => {
      const t = e.decidesAt();
      return t === undefined ? [] : [t];
    });
    return at.length > 0 ? Math.min(...at) : undefined;
  }

  /** Face presence only: no gaze, head pose or eyes are read. */
  #presence(t: number, obs: FaceObservation): SignalDraft[] {
    const out: SignalDraft[] = [];
    for (const ep of this.#episodes) {
      const holds = ep.kind === 'no-face' ? obs.faces.length === 0 : obs.faces.length > 1;
      const change = ep.observe(t, holds, ep.kind === 'no-face' ? {} : { faces: obs.faces.length });
      if (change) out.push(this.#signal(ep, change, t, obs));
    }
    return out;
  }

  /** Look-away time in the summary window and in the current answer (observed frame to frame). */
  #track(t: number, away: boolean, answer: AnswerState): void {
    if (answer.startedAt !== this.#answerStart) {
      this.#answerStart = answer.startedAt;
      this.#answerSeenMs = this.#answerAwayMs = 0;
    }
    if (this.#prevT >= 0) {
      const dt = t - this.#prevT;
      this.#windowMs += dt;
      if (this.#prevAway) this.#awayMs += dt;
      if (this.#answerStart !== undefined && this.#prevT >= this.#answerStart) {
        this.#answerSeenMs += dt;
        if (this.#prevAway) this.#answerAwayMs += dt;
      }
    }
    this.#prevT = t;
    this.#prevAway = away;
  }

  /** Share of the current answer (so far) spent looking away; undefined before an answer. */
  answerShare(): number | undefined {
    return this.#answerSeenMs > 0 ? round(this.#answerAwayMs / this.#answerSeenMs, 2) : undefined;
  }

  #signal(ep: Episode<Condition>, phase: 'start' | 'end', t: number, obs: FaceObservation): SignalDraft {
    const vals = ep.values;
    const of = (key: string) => vals.flatMap((v) => (v[key] === undefined ? [] : [v[key] as number]));
    const face = obs.faces[0];
    const common = { ...ep.fields(phase, t), ...(face ? { faceWidthPx: Math.round(face.width) } : {}) };
    const base = {
      range: { start: ep.startedAt, end: t },
      confidence: Math.min(1, 0.5 + vals.length / 10),
      summary: `${SUMMARIES[ep.kind]} ${phase === 'start' ? 'since' : 'for'} ${((t - ep.startedAt) / 1000).toFixed(1)} s`,
    };
    switch (ep.kind) {
      case 'look-away':
        return { ...base, kind: 'look-away', values: { ...common, ...this.#lookAwayValues(of) } };
      case 'additional-person':
        return {
          ...base,
          kind: 'additional-person',
          values: { ...common, maxFaces: Math.max(...of('faces'), 0) },
        };
      case 'eyes-closed':
        return {
          ...base,
          kind: 'eyes-closed',
          values: { ...common, meanEyeOpenness: round(mean(of('openness')), 3) },
        };
      case 'no-face':
        return { ...base, kind: 'no-face', values: common };
    }
  }

  /** Head, gaze and direction of a look-away episode, from its observations. */
  #lookAwayValues(
    of: (key: string) => number[],
  ): Omit<SignalValues<'look-away'>, keyof typeof episodeFields | 'observations'> {
    const nose = mean(of('noseOffset'));
    const yaws = of('yaw');
    const share = this.answerShare();
    const answer = share !== undefined ? { answerShare: share } : {};
    if (!yaws.length)
      return {
        meanNoseOffset: round(nose, 3),
        direction: nose < 0 ? 'image-left' : 'image-right',
        ...answer,
      };
    const pitch = mean(of('pitch'));
    const gazeYaw = mean(of('gazeYaw'));
    return {
      meanNoseOffset: round(nose, 3),
      meanYawDeg: round(mean(yaws)),
      meanPitchDeg: round(pitch),
      meanRollDeg: round(mean(of('roll'))),
      meanGazeYawDeg: round(gazeYaw),
      cause: mean(of('iris')) >= 0.5 ? 'eyes' : 'head',
      direction:
        Math.abs(gazeYaw) >= Math.abs(pitch)
          ? gazeYaw < 0
            ? 'image-left'
            : 'image-right'
          : pitch < 0
            ? 'down'
            : 'up',
      ...answer,
    };
  }

  /** The window's measures for `face-summary` (look-away, eye contact, angles, shares); starts a new window. */
  summary(): FaceWindowValues {
    const n = Math.max(1, this.#analysed);
    const poses = this.#poses;
    const share = (f: (m: FaceMeasures) => boolean) => round(poses.filter(f).length / poses.length, 2);
    const out: FaceWindowValues = {
      faceShare: round(this.#faceFrames / n, 2),
      lookAwayShare: round(this.#windowMs > 0 ? Math.min(1, this.#awayMs / this.#windowMs) : 0, 2),
      landmarkFrames: poses.length,
      irisFrames: this.#gazes.filter((g) => g.source === 'iris').length,
    };
    if (this.#gazes.length) {
      out.eyeContactShare = round(this.#gazes.filter((g) => g.eyeContact).length / this.#gazes.length, 2);
      out.meanGazeYawDeg = round(mean(this.#gazes.map((g) => g.yawDeg)));
    }
    if (poses.length) {
      out.meanYawDeg = round(mean(poses.map((a) => a.yaw)));
      out.meanPitchDeg = round(mean(poses.map((a) => a.pitch)));
      out.meanRollDeg = round(mean(poses.map((a) => a.roll)));
      out.eyesClosedShare = share((m) => m.eyeOpenness < this.#o.eyesClosedBelow);
      out.mouthOpenShare = share((m) => faceStates(m).mouthOpen);
    }
    const answer = this.answerShare();
    if (answer !== undefined) out.answerLookAwayShare = answer;
    this.#analysed = this.#faceFrames = 0;
    this.#awayMs = this.#windowMs = 0;
    this.#poses = [];
    this.#gazes = [];
    return out;
  }
}
