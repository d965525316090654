import {
  AudioStream,
  type RemoteTrack,
  TrackKind,
  VideoBufferType,
  type VideoFrame,
  VideoStream,
} from '@livekit/rtc-node';
import type { AudioSample, VideoSample } from '../analysers/analyser.js';
import type { TrackRun } from '../analysers/runner.js';

/** Options of the media pumps. */
export interface MediaPumpOptions {
  /** Rate the candidate's audio is resampled to for every audio analyser. */
  audioSampleRate: number;
  audioChannels: number;
}

export const defaultMediaPumpOptions: MediaPumpOptions = { audioSampleRate: 16000, audioChannels: 1 };

async function pump<T>(
  stream: ReadableStream<T>,
  signal: AbortSignal,
  each: (item: T) => void,
): Promise<void> {
  const reader = stream.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', cancel, { once: true });
  try {
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) break;
      each(value);
    }
  } finally {
    signal.removeEventListener('abort', cancel);
    reader.releaseLock();
  }
}

/**
 * Decodes `track` and feeds every sample to the analysers of `run` until the track ends or
 * `signal` aborts. Audio arrives resampled to 16 kHz mono; video frames are converted to RGB24
 * only when an analyser asks for pixels, and only once per frame.
 */
export async function pumpTrack(
  track: RemoteTrack,
  run: TrackRun,
  signal: AbortSignal,
  opts: Partial<MediaPumpOptions> = {},
): Promise<void> {
  const o = { ...defaultMediaPumpOptions, ...opts };
  if (track.kind === TrackKind.KIND_AUDIO) {
    const stream = new AudioStream(track, { sampleRate: o.audioSampleRate, numChannels: o.audioChannels });
    await pump(stream, signal, (frame) => {
      const sample: AudioSample = { frame, receivedAt: Date.now() };
      run.push(sample);
    });
    return;
  }
  if (track.kind === TrackKind.KIND_VIDEO) {
    await pump(new VideoStream(track), signal, ({ frame, timestampUs }) => {
      let rgb: VideoFrame | undefined;
      const sample: VideoSample = {
        width: frame.width,
        height: frame.height,
        receivedAt: Date.now(),
        timestampUs,
        rgb: () => {
          rgb ??= frame.type === VideoBufferType.RGB24 ? frame : frame.convert(VideoBufferType.RGB24);
          return rgb;
        },
      };
      run.push(sample);
    });
  }
}
