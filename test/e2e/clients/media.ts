import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AudioFrame,
  AudioSource,
  LocalAudioTrack,
  LocalVideoTrack,
  type Room,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoFrame,
  VideoSource,
} from '@livekit/rtc-node';
import sharp from 'sharp';
import { meanLuma } from '../../../agent/src/vision/frame-rate.js';
import { PHOTOS_DIR, requireFixture } from '../../fixtures/paths.js';
import { type Pcm16, readWav } from '../../fixtures/wav.js';

/** A fixture photo scaled to a camera frame. */
export interface PhotoFrame {
  name: string;
  rgba: Uint8Array;
  width: number;
  height: number;
  /** Rec. 601 mean luma of the frame, as the agent's video analyser measures it. */
  meanLuma: number;
}

/** Loads the fixture photos of people as `width`×`height` camera frames (cropped to fill). */
export async function photoFrames(width: number, height: number): Promise<PhotoFrame[]> {
  requireFixture(PHOTOS_DIR, 'the shared fixtures folder must sit beside the repository (or set SHARED_DIR)');
  const names = readdirSync(PHOTOS_DIR)
    .filter((n) => n.endsWith('.jpg'))
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const { data } = await sharp(join(PHOTOS_DIR, name))
        .resize(width, height, { fit: 'cover' })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const rgb = new Uint8Array(data);
      const rgba = new Uint8Array(width * height * 4);
      for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
        rgba[j] = rgb[i] as number;
        rgba[j + 1] = rgb[i + 1] as number;
        rgba[j + 2] = rgb[i + 2] as number;
        rgba[j + 3] = 255;
      }
      return { name, rgba, width, height, meanLuma: meanLuma(rgb) };
    }),
  );
}

/** The named fixture photos as `width`×`height` camera frames, in the order given. */
export async function namedPhotoFrames(
  width: number,
  height: number,
  ...names: string[]
): Promise<PhotoFrame[]> {
  const photos = await photoFrames(width, height);
  return names.map((name) => {
    const found = photos.find((p) => p.name === name);
    if (!found) throw new Error(`missing fixture photo ${name} in ${PHOTOS_DIR}`);
    return found;
  });
}

/** A running publisher; `stop()` ends it and unpublishes the track. */
export interface Publishing {
  trackSid: string;
  /** Frames or 10 ms audio chunks handed to the source so far. */
  sent(): number;
  stop(): Promise<void>;
}

/** Publishes `frames` as the participant's camera at `fps`, switching photo every `holdSeconds`. */
export async function publishCamera(
  room: Room,
  frames: PhotoFrame[],
  opts: { fps?: number; holdSeconds?: number } = {},
): Promise<Publishing> {
  const first = frames[0];
  if (!first) throw new Error('no frames to publish');
  const fps = opts.fps ?? 15;
  const hold = opts.holdSeconds ?? Number.POSITIVE_INFINITY;
  const source = new VideoSource(first.width, first.height);
  const track = LocalVideoTrack.createVideoTrack('camera', source);
  const pub = await room.localParticipant?.publishTrack(
    track,
    new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA, simulcast: false }),
  );
  let sent = 0;
  const started = Date.now();
  const timer = setInterval(() => {
    const index = Math.floor((Date.now() - started) / 1000 / hold) % frames.length;
    const f = frames[index] as PhotoFrame;
    source.captureFrame(new VideoFrame(f.rgba, f.width, f.height, VideoBufferType.RGBA));
    sent++;
  }, 1000 / fps);
  return {
    trackSid: pub?.sid ?? '',
    sent: () => sent,
    stop: async () => {
      clearInterval(timer);
      if (pub?.sid) await room.localParticipant?.unpublishTrack(pub.sid).catch(() => {});
      await source.close();
    },
  };
}

/** Publishes a WAV file (looped) as the participant's microphone, paced in real time by the source. */
export async function publishMicrophone(room: Room, wavPath: string): Promise<Publishing & { pcm: Pcm16 }> {
  const pcm = readWav(wavPath);
  const source = new AudioSource(pcm.sampleRate, pcm.channels);
  const track = LocalAudioTrack.createAudioTrack('microphone', source);
  const pub = await room.localParticipant?.publishTrack(
    track,
    new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
  );
  const per = (pcm.sampleRate / 100) * pcm.channels;
  let sent = 0;
  let running = true;
  const loop = (async () => {
    let offset = 0;
    while (running) {
      if (offset + per > pcm.samples.length) offset = 0;
      const chunk = pcm.samples.slice(offset, offset + per);
      offset += per;
      await source.captureFrame(new AudioFrame(chunk, pcm.sampleRate, pcm.channels, per / pcm.channels));
      sent++;
    }
  })();
  return {
    pcm,
    trackSid: pub?.sid ?? '',
    sent: () => sent,
    stop: async () => {
      running = false;
      await loop.catch(() => {});
      if (pub?.sid) await room.localParticipant?.unpublishTrack(pub.sid).catch(() => {});
      await source.close();
    },
  };
}
