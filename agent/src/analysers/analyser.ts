import type { SignalKind, SignalMessage } from '@interview-helper/protocol';
import type { AudioFrame, VideoFrame } from '@livekit/rtc-node';
import type { CandidateActivity } from './activity.js';
import type { AudioAnalysis } from './audio-analysis.js';

/** The kinds of media an analyser can consume. */
export type MediaKind = 'audio' | 'video';

/** A chunk of decoded candidate audio: 16-bit PCM at the stream's rate and channel count. */
export interface AudioSample {
  frame: AudioFrame;
  /** Wall-clock time (ms since epoch) at which the chunk was received. */
  receivedAt: number;
  /**
   * The session's shared analysis of the chunk (16 kHz mono then): pitch, voice activity and
   * answers, computed once per track by the audio front end. Absent on raw audio (files, tests).
   */
  analysis?: AudioAnalysis;
}

/** A decoded candidate video frame. Conversion to RGB is done once, on first use, and shared. */
export interface VideoSample {
  width: number;
  height: number;
  /** Wall-clock time (ms since epoch) at which the frame was received. */
  receivedAt: number;
  /** Capture timestamp reported by the track, in microseconds. */
  timestampUs: bigint;
  /** The frame as packed RGB24 (`width * height * 3` bytes). */
  rgb(): VideoFrame;
}

export type MediaSample<M extends MediaKind> = M extends 'audio' ? AudioSample : VideoSample;

/**
 * What an analyser reports; the session adds ids, session and analyser name. Typed by kind: `values` must be
 * that kind's values in the signal catalogue (`protocol/src/signals.ts`).
 */
export type SignalDraft<K extends SignalKind = SignalKind> = K extends SignalKind
  ? Pick<Extract<SignalMessage, { kind: K }>, 'kind' | 'range' | 'values' | 'confidence' | 'summary'>
  : never;

/** Describes the track an analyser runs on. */
export interface TrackInfo {
  participantIdentity: string;
  trackSid: string;
  media: MediaKind;
}

/** Services an analyser may use while it runs. */
export interface AnalyserContext {
  sessionId: string;
  track: TrackInfo;
  /** Aborted when the track ends or the session closes. */
  signal: AbortSignal;
  now(): number;
  /**
   * The candidate's speaking state and current answer, shared by the session's analysers (the
   * VAD analyser updates it; vision samples faster while the candidate speaks). Absent in tests
   * that build a context by hand.
   */
  activity?: CandidateActivity;
}

/**
 * One capability that turns a stream of candidate media into signals.
 *
 * An analyser is a class in its own file under `audio/`, `vision/`, …; adding one to
 * the composition root (`compose.ts`) is all it takes to run it. Each start gets its own stream of samples;
 * a slow analyser only delays itself (video keeps only the latest frame, audio drops the oldest
 * chunks past a bound), and one that throws is stopped and reported while the others go on.
 */
export interface Analyser<M extends MediaKind = MediaKind> {
  readonly name: string;
  readonly media: M;
  /** The signal kinds it may emit; anything else is dropped by the session and counted as invalid. */
  readonly emits: readonly SignalKind[];
  /** Consumes samples until the stream ends, yielding signals as they are found. */
  analyse(samples: AsyncIterable<MediaSample<M>>, ctx: AnalyserContext): AsyncIterable<SignalDraft>;
}

/** Creates a fresh analyser instance for each track. */
export type AnalyserFactory = () => Analyser;
