import { z } from 'zod';
import { idSchema, timeRangeSchema, versionSchema } from './common.js';
import { planCoverageValuesSchema } from './plan.js';
import { analysisGapValuesSchema } from './recovery.js';
import { storageDegradedValuesSchema } from './storage-status.js';

/**
 * The signal catalogue: every kind of signal the agent sends, each with its own typed `values`.
 *
 * A signal describes observable behaviour or media (never emotions or traits). Episode kinds (a condition that
 * starts, may be updated and ends) share one shape: `phase`, `episodeId` (the same on every message of one
 * episode) and `durationMs` so far, plus their own measured fields. Count episodes by their `start` message.
 *
 * Adding a kind: add its values schema and description here, emit it from an analyser that lists it in `emits`.
 */

const num = z.number().finite();
const count = z.number().int().nonnegative();
const seconds = z.number().finite().nonnegative();
/** A share of time or frames, 0…1. */
const share = z.number().min(0).max(1);
/** Milliseconds since the Unix epoch. */
const epochMs = z.number().int().nonnegative();
const label = z.string().max(256);
const imageSide = z.enum(['image-left', 'image-right']);

/** Phase of an episode message. */
export const episodePhaseSchema = z.enum(['start', 'update', 'end']);
export type EpisodePhase = z.infer<typeof episodePhaseSchema>;

/** Fields every episode signal carries. */
export const episodeFields = {
  phase: episodePhaseSchema,
  /** Same id on the start, update and end messages of one episode. */
  episodeId: z.string().min(1).max(64),
  /** How long the episode has lasted at this message. */
  durationMs: z.number().int().nonnegative(),
} as const;

const episode = <T extends z.ZodRawShape>(shape: T) => z.strictObject({ ...episodeFields, ...shape });

/** Frame-sampling figures shared by the vision summaries. */
const samplingFields = {
  analysedFps: z.number().nonnegative(),
  targetFps: z.number().nonnegative(),
  framesSeen: count,
  framesAnalysed: count,
  framesSkipped: count,
  msPerFrame: z.number().nonnegative(),
  width: count,
  height: count,
} as const;

const pitchWindow = {
  medianHz: z.number().nonnegative(),
  semitoneSpread: z.number().nonnegative(),
  voicedSeconds: seconds,
  windowSeconds: seconds,
  monotone: z.boolean(),
} as const;

/**
 * Why audio of a speaker was not analysed: it never reached the agent (`lost`: the agent's process fell behind
 * its receive queues), or it arrived but its voice activity was skipped so that analysis could catch up with
 * the present (`skipped`: the analysis ran too far behind).
 */
export const audioGapReasonSchema = z.enum(['lost', 'skipped']);
export type AudioGapReason = z.infer<typeof audioGapReasonSchema>;

/**
 * The words interviewers read about an `audio-gap`, whoever writes them (the agent's summary, the web client's
 * notice): whose audio it was, and why it was not analysed.
 */
export const AUDIO_GAP_WORDS = {
  whose: { candidate: "the candidate's", interviewer: "an interviewer's" },
  why: {
    lost: 'it never reached the assistant, which fell behind',
    skipped: 'the assistant fell behind and skipped it to catch up',
  },
} as const satisfies {
  whose: Record<'candidate' | 'interviewer', string>;
  why: Record<AudioGapReason, string>;
};

/** What the silence of a long pause followed. */
export const pauseAfterSchema = z.enum(['interviewer', 'speech', 'track-start']);

/** The `values` schema of every signal kind. */
export const SIGNAL_VALUES = {
  // ---- audio: level, voice activity, pitch, delivery ----------------------------------------------------------
  'audio-level': z.strictObject({
    rmsDbfs: num,
    peakDbfs: num,
    windowSeconds: seconds,
    totalSeconds: seconds,
    sampleRate: count,
    channels: count,
    firstSampleAt: epochMs,
  }),
  'speech-segment': z.strictObject({
    startMs: z.number().nonnegative(),
    endMs: z.number().nonnegative(),
    seconds,
    /** Segments so far in this track. */
    segments: count,
    speechSeconds: seconds,
  }),
  'long-pause': episode({
    silenceSeconds: seconds,
    thresholdSeconds: seconds,
    after: pauseAfterSchema,
  }),
  'answer-end': z.strictObject({
    speechSeconds: seconds,
    voicedSeconds: seconds,
    /** What ended it: a gap in the candidate speech, the interviewer speaking, or the track ending. */
    reason: z.enum(['gap', 'interviewer', 'end']),
  }),
  pitch: z.strictObject(pitchWindow),
  monotone: z.strictObject({ ...pitchWindow, thresholdSemitones: z.number().nonnegative() }),
  'filled-pause': z.strictObject({
    seconds,
    medianHz: z.number().nonnegative(),
    pitchSpreadSemitones: z.number().nonnegative(),
    spectralSpreadDb: z.number().nonnegative(),
  }),
  delivery: z.strictObject({
    seconds,
    voicedSeconds: seconds,
    loudnessDbfs: num,
    peakDbfs: num,
    clippedShare: share,
    pauses: count,
    longestPauseSeconds: seconds,
    pauseShare: share,
    syllables: count,
    syllablesPerSecond: z.number().nonnegative(),
    articulationRate: z.number().nonnegative(),
    filledPauses: count,
    filledPausesPerMinute: z.number().nonnegative(),
    filledPauseSeconds: seconds,
    /** Seconds from the answer's start, comma-separated. */
    filledPausesAt: label,
    reason: label,
  }),
  // ---- turn taking (both speakers) ----------------------------------------------------------------------------
  overlap: z.strictObject({
    startedBy: z.enum(['candidate', 'interviewer']),
    identity: label,
    otherSpeakingForSeconds: seconds,
  }),
  'speech-rate': z.strictObject({
    words: count,
    seconds,
    wordsPerMinute: z.number().nonnegative(),
    fillers: count,
    /** JSON object: filler word → count. */
    fillerWords: label,
    hesitations: count,
    transcriptHesitations: count,
    filledPauses: count,
  }),
  'talk-time': z.strictObject({
    candidateSeconds: seconds,
    interviewerSeconds: seconds,
    candidateShare: share,
  }),
  // ---- video ----------------------------------------------------------------------------------------------------
  'video-frames': z.strictObject({
    fps: z.number().nonnegative(),
    frames: count,
    totalFrames: count,
    width: count,
    height: count,
    meanLuma: z.number().min(0).max(255),
    firstFrameAt: epochMs,
    reason: label,
  }),
  'face-summary': z.strictObject({
    ...samplingFields,
    /** Of the frames analysed, those taken sooner than the rate to decide an episode about to start or end. */
    framesCloser: count.optional(),
    faceShare: share,
    lookAwayShare: share,
    landmarkFrames: count,
    irisFrames: count,
    eyeContactShare: share.optional(),
    meanGazeYawDeg: num.optional(),
    meanYawDeg: num.optional(),
    meanPitchDeg: num.optional(),
    meanRollDeg: num.optional(),
    eyesClosedShare: share.optional(),
    mouthOpenShare: share.optional(),
    answerLookAwayShare: share.optional(),
  }),
  'look-away': episode({
    observations: count,
    meanNoseOffset: num,
    meanYawDeg: num.optional(),
    meanPitchDeg: num.optional(),
    meanRollDeg: num.optional(),
    meanGazeYawDeg: num.optional(),
    cause: z.enum(['eyes', 'head']).optional(),
    direction: z.enum(['image-left', 'image-right', 'up', 'down']),
    answerShare: share.optional(),
    faceWidthPx: count.optional(),
  }),
  'no-face': episode({ observations: count, faceWidthPx: count.optional() }),
  'additional-person': episode({ observations: count, maxFaces: count, faceWidthPx: count.optional() }),
  'eyes-closed': episode({
    observations: count,
    meanEyeOpenness: z.number().nonnegative(),
    faceWidthPx: count.optional(),
  }),
  'pose-summary': z.strictObject({
    ...samplingFields,
    modelRunsPerFrame: z.number().nonnegative(),
    personShare: share,
    upperBodyShare: share,
    handToFaceShare: share,
    raisedHandShare: share,
    meanShoulderTiltDeg: num.optional(),
    baselineHeadHeight: num.optional(),
  }),
  'out-of-frame': episode({
    observations: count,
    noPersonShare: share,
    /** Share of the episode's frames with a close-up face (no body in view). */
    closeUpShare: share,
  }),
  'hand-to-face': episode({ observations: count, minHandFaceDistance: z.number().nonnegative() }),
  'raised-hand': episode({
    observations: count,
    side: z.enum(['left', 'right', 'both']),
    maxWristAboveShoulder: num,
  }),
  'shoulder-tilt': episode({
    observations: count,
    meanShoulderTiltDeg: num,
    maxShoulderTiltDeg: z.number().nonnegative(),
    lowerSide: imageSide,
  }),
  'posture-change': episode({
    observations: count,
    headHeight: num.optional(),
    baselineHeadHeight: num.optional(),
    headOffset: num.optional(),
    baselineHeadOffset: num.optional(),
    distanceRatio: z.number().nonnegative().optional(),
    meanShoulderTiltDeg: num.optional(),
    /** Comma-separated: head-lower, head-higher, lean-image-left/right, closer, farther. */
    change: label.optional(),
  }),
  // ---- session, code pad --------------------------------------------------------------------------------------
  'extra-candidate': z.strictObject({ identity: label }),
  'opt-out': z.strictObject({ groups: label, count }),
  'code-update': z.strictObject({
    revision: count,
    language: z.string().min(1).max(32),
    bytes: count,
    lines: count,
  }),
  'plan-coverage': planCoverageValuesSchema,
  'analysis-gap': analysisGapValuesSchema,
  'audio-gap': z.strictObject({
    /** Whose audio: the candidate's, or an interviewer's (turn taking and their transcript). */
    speaker: z.enum(['candidate', 'interviewer']),
    reason: audioGapReasonSchema,
    /** Audio not analysed within the signal's range (the range may hold several stretches). */
    seconds,
    /** Stretches in the range. */
    gaps: count,
    /** This speaker's audio not analysed for this reason in the session so far. */
    totalSeconds: seconds,
  }),
  'storage-degraded': storageDegradedValuesSchema,
} as const satisfies Record<string, z.ZodObject>;

/** Every signal kind. */
export type SignalKind = keyof typeof SIGNAL_VALUES;
export const SIGNAL_KINDS = Object.keys(SIGNAL_VALUES) as SignalKind[];

/** The typed `values` of a signal kind. */
export type SignalValues<K extends SignalKind> = z.infer<(typeof SIGNAL_VALUES)[K]>;

/** Signal kinds that are episodes (`phase`, `episodeId`, `durationMs`). */
export const EPISODE_KINDS = SIGNAL_KINDS.filter((k) => 'episodeId' in SIGNAL_VALUES[k].shape);
export type EpisodeKind = {
  [K in SignalKind]: SignalValues<K> extends { episodeId: string } ? K : never;
}[SignalKind];

/** What each kind reports, in one sentence (the README's catalogue is generated from this and the schemas). */
export const SIGNAL_DESCRIPTIONS: Record<SignalKind, string> = {
  'audio-level': 'Loudness of the candidate microphone over a window (RMS and peak).',
  'speech-segment': 'A stretch of candidate speech found by voice activity detection (Silero).',
  'long-pause': 'The candidate has been silent for longer than the threshold; `after` says what preceded it.',
  'answer-end': 'The candidate stopped speaking after an answer of `speechSeconds`.',
  pitch: 'Median pitch and its spread over a window of voiced candidate speech.',
  monotone: 'Pitch varied less than the threshold over a window of voiced speech.',
  'filled-pause': 'A filled pause ("um", "uh") found acoustically in the candidate speech.',
  delivery: 'Delivery of one answer: pauses, filled pauses, syllable rate, loudness, clipping.',
  overlap: 'One speaker started while the other was speaking.',
  'speech-rate': 'Words per minute and filler words of one transcribed candidate segment.',
  'talk-time': 'Cumulative speaking time of candidate and interviewers.',
  'video-frames': 'Frame rate, size and brightness of the candidate camera over a window.',
  'face-summary': 'Face analysis over a window: face in view, look-away and eye-contact shares, head angles.',
  'look-away': 'The candidate looked away from the screen (head turned or eyes aside).',
  'no-face': 'No face in the candidate camera.',
  'additional-person': 'More than one face in the candidate camera.',
  'eyes-closed': 'The candidate eyes stayed closed (longer than a blink).',
  'pose-summary': 'Pose analysis over a window: person in view, hand-to-face and raised-hand shares.',
  'out-of-frame': 'The candidate body is not in view: out of the frame, or only a close-up face.',
  'hand-to-face': 'A visible hand stayed at the candidate face.',
  'raised-hand': 'The candidate raised a visible hand above the shoulder.',
  'shoulder-tilt': 'The candidate shoulders stayed tilted.',
  'posture-change': 'Head height, sideways offset or distance changed against the candidate first seconds.',
  'extra-candidate': 'A second participant with the candidate role joined; only the first is analysed.',
  'opt-out': 'The candidate switched analysis groups off (or back on).',
  'code-update': 'A new code-pad revision from the candidate.',
  'plan-coverage': 'The interview plan: items not yet asked against the planned time left.',
  'analysis-gap':
    'The session resumed in a new job after its job stopped; nothing was analysed from `from` to `to`.',
  'audio-gap':
    'Audio of a speaker was not analysed (lost before it reached the agent, or skipped to catch up); signals of that stretch are missing, not zero.',
  'storage-degraded':
    "The database has been unreachable long enough to fill the agent's write buffer; records are kept on disk.",
};

/** Where a signal came from. */
export const signalMediaSchema = z.enum(['audio', 'video', 'text', 'code']);

const signalBase = {
  v: versionSchema,
  type: z.literal('signal'),
  id: idSchema,
  sessionId: idSchema,
  /** The analyser (or session capability) that produced it. */
  analyser: z.string().min(1).max(64),
  media: signalMediaSchema,
  range: timeRangeSchema,
  confidence: z.number().min(0).max(1),
  summary: z.string().max(500),
};

function variant<K extends SignalKind>(kind: K) {
  return z.object({ ...signalBase, kind: z.literal(kind), values: SIGNAL_VALUES[kind] });
}

type Variants = { [K in SignalKind]: ReturnType<typeof variant<K>> }[SignalKind];
const variants = SIGNAL_KINDS.map((k) => variant(k)) as unknown as [Variants, ...Variants[]];

/** An observation about the candidate's behaviour or media: a discriminated union on `kind`. */
export const signalMessageSchema = z.discriminatedUnion('kind', variants);
export type SignalMessage = z.infer<typeof signalMessageSchema>;

/** A signal of one kind. */
export type SignalOf<K extends SignalKind> = Extract<SignalMessage, { kind: K }>;

/** Narrows a signal to a kind. */
export function isSignalKind<K extends SignalKind>(s: { kind: string }, kind: K): s is SignalOf<K> {
  return s.kind === kind;
}

/** Whether a signal is an episode message (and which phase). */
export function isEpisode(s: SignalMessage): s is Extract<SignalMessage, { values: { episodeId: string } }> {
  return 'episodeId' in s.values;
}
