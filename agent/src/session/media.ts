import {
  FfiRequest,
  livekitFfiRequest,
  UpdateRemoteTrackPublicationDimensionRequest,
} from '@livekit/rtc-ffi-bindings';
import { AudioStream, type RemoteTrack, type RemoteTrackPublication, TrackKind } from '@livekit/rtc-node';
import type { VideoSample } from '../analysers/analyser.js';
import { AUDIO_CHUNK_MS } from '../analysers/audio-analysis.js';
import type { TrackRun } from '../analysers/runner.js';
import type { RawAudio } from '../audio/front-end.js';
import { DecodedVideoStream } from './video-stream.js';

/** Options of the media pumps. */
export interface MediaPumpOptions {
  /** Rate every participant's audio is decoded at (the front end's analysis rate). */
  audioSampleRate: number;
  audioChannels: number;
  /** Length of each decoded chunk, ms ({@link AUDIO_CHUNK_MS}). */
  audioFrameMs: number;
}

export const defaultMediaPumpOptions: MediaPumpOptions = {
  audioSampleRate: 16000,
  audioChannels: 1,
  audioFrameMs: AUDIO_CHUNK_MS,
};

/** Frame size the agent asks the SFU for on the candidate's camera (see {@link preferVideoDimensions}). */
export interface VideoDimensions {
  width: number;
  height: number;
}

/**
 * 480×360: the face and pose analysers read the same labelled results at this size as at 640×480 (changes only on
 * borderline frames, both ways; 320×240 lost cases, docs/quality.md); our web client publishes the candidate's
 * camera with a 480×360 layer at 15 fps, so the agent decodes that one. A camera without simulcast reaches the
 * agent at its full size.
 */
export const defaultVideoDimensions: VideoDimensions = { width: 480, height: 360 };

/**
 * Tells the SFU the size at which this subscriber shows a remote video track, so that for a
 * simulcast publication it forwards the smallest layer at least about that size (livekit-server
 * picks the lowest layer whose height is ≥ 0.9 × the requested one) and the agent decodes fewer
 * pixels. rtc-node 0.13.35 has no public method for it, but its FFI has the request (the one the
 * Rust SDK sends as `UpdateTrackSettings`), sent here through the same native binding. A
 * non-simulcast track is unaffected. Returns false (never throws) when the request fails.
 */
export function preferVideoDimensions(pub: RemoteTrackPublication, dims: VideoDimensions): boolean {
  try {
    const request = new FfiRequest({
      message: {
        case: 'updateRemoteTrackPublicationDimension',
        value: new UpdateRemoteTrackPublicationDimensionRequest({
          trackPublicationHandle: pub.ffiHandle.handle,
          width: dims.width,
          height: dims.height,
        }),
      },
    });
    livekitFfiRequest(request.toBinary());
    return true;
  } catch {
    return false;
  }
}

/**
 * Decodes an audio track once, resampled by the SFU client to `audioSampleRate` mono, until it ends
 * or `signal` aborts. The session hands these chunks to the track's one audio front end. A chunk's
 * `receivedAt` is when it was read here, late by however long it waited in the SFU client's queue;
 * the front end dates the track from all of them (`TrackClock`), not from the first.
 */
export async function* decodeAudio(
  track: RemoteTrack,
  signal: AbortSignal,
  opts: Partial<MediaPumpOptions> = {},
): AsyncGenerator<RawAudio> {
  const o = { ...defaultMediaPumpOptions, ...opts };
  const reader = new AudioStream(track, {
    sampleRate: o.audioSampleRate,
    numChannels: o.audioChannels,
    frameSizeMs: o.audioFrameMs,
  }).getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', cancel, { once: true });
  try {
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) return;
      yield { frame: value, receivedAt: Date.now() };
    }
  } finally {
    signal.removeEventListener('abort', cancel);
    reader.releaseLock();
  }
}

/**
 * Feeds every decoded frame of a video `track` to the analysers of `run` until the track ends or `signal` aborts.
 * Frames stay in the SFU client's native memory: one is copied into JavaScript only when an analyser asks for its
 * pixels (`rgb()`, converted once to RGB24 straight from the native buffer), so frames the samplers skip cost no
 * copy and no garbage. An analyser reads a frame's pixels before awaiting anything (the buffer of a frame is
 * released once two newer frames were handed out). Closes `run` before the last buffers are released.
 * (Audio goes through {@link decodeAudio} and the track's audio front end.)
 */
export async function pumpVideo(track: RemoteTrack, run: TrackRun, signal: AbortSignal): Promise<void> {
  if (track.kind !== TrackKind.KIND_VIDEO) return;
  const stream = new DecodedVideoStream(track);
  try {
    for await (const frame of stream.frames(signal)) {
      const sample: VideoSample = {
        width: frame.width,
        height: frame.height,
        receivedAt: Date.now(),
        timestampUs: frame.timestampUs,
        rgb: () => frame.rgb(),
      };
      run.push(sample);
    }
  } finally {
    // the analysers finish (and read the pixels they still want) before the native buffers go
    await run.close();
    stream.close();
  }
}
