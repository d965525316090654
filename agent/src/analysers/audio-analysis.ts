import type { AudioFrame } from '@livekit/rtc-node';

/**
 * Length of each decoded audio chunk the SFU client hands the agent (`AudioStream`'s `frameSizeMs`): 512 samples at
 * 16 kHz, exactly one Silero window. The whole analysis pipeline (the FFI event and its copy, the front end, every
 * audio analyser's queue and loop) runs once per chunk, so 32 ms chunks cost about a third of 10 ms ones; they add
 * at most 32 ms before a sample is analysed. Analysers work in audio time (samples), not in chunks.
 */
export const AUDIO_CHUNK_MS = 32;

/** What a {@link SpeechDetector} reports, in milliseconds of audio since the first sample. */
export type SpeechEvent =
  | { type: 'start'; atMs: number }
  | { type: 'end'; startMs: number; endMs: number; audio: AudioFrame | undefined }
  | { type: 'tick'; atMs: number; speaking: boolean; probability: number };

/** One pitch estimate at a point of the audio. */
export interface PitchPoint {
  atMs: number;
  hz: number;
}

/** An answer boundary of the session's turn model, in the audio time of the track it is attached to. */
export type AnswerBoundary =
  | { type: 'answer-start'; atMs: number }
  | { type: 'answer-end'; startMs: number; endMs: number; reason: 'gap' | 'interviewer' | 'end' };

/** How a track's audio time maps to wall-clock time (the front end's `TrackClock`). */
export interface AudioDating {
  /** Wall-clock ms of audio time `ms`, by the origin of the stretch of audio it belongs to. */
  wallAt(ms: number): number;
}

/**
 * What the session's audio front end computed for one chunk of a track, once for every consumer:
 * the YIN pitch estimates whose windows ended in the chunk, the voice-activity events and answer
 * boundaries that became known with it. Times are ms of audio since the track's first sample.
 */
export interface AudioAnalysis {
  /** Audio time of the chunk's first sample. */
  atMs: number;
  /**
   * Dates any audio time of the track (the track's clock, read per event): its current origin + ms for this chunk's
   * own audio, the origin in force back then for audio before a stretch of lost audio (voice activity found late,
   * answers).
   */
  dating: AudioDating;
  pitch: readonly PitchPoint[];
  /** Silero events (their own times, usually a little before this chunk). */
  speech: readonly SpeechEvent[];
  /** The candidate's answers (candidate tracks only). */
  answers: readonly AnswerBoundary[];
}
