import { join } from 'node:path';
import {
  AudioFrame,
  AudioSource,
  LocalAudioTrack,
  type Room,
  TrackPublishOptions,
  TrackSource,
} from '@livekit/rtc-node';
import { LIBRIVOX_DIR } from '../../fixtures/paths.js';
import { readWav } from '../../fixtures/wav.js';

const SPEECH = join(LIBRIVOX_DIR, 'sense_and_sensibility_01_austen_64kb-0870.wav');

/**
 * Publishes the candidate's microphone as cycles of real speech then digital silence, and records when each
 * silence starts at the source (capture time plus what is still queued ahead of it).
 */
export async function publishTalkThenPause(room: Room, speechMs: number, pauseMs: number) {
  const pcm = readWav(SPEECH);
  const source = new AudioSource(pcm.sampleRate, pcm.channels, 100);
  const track = LocalAudioTrack.createAudioTrack('microphone', source);
  const pub = await room.localParticipant?.publishTrack(
    track,
    new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
  );
  const per = pcm.sampleRate / 100;
  const silence = new Int16Array(per);
  const silenceStarts: number[] = [];
  let running = true;
  const loop = (async () => {
    let offset = 0;
    while (running) {
      for (let t = 0; t < speechMs && running; t += 10) {
        if (offset + per > pcm.samples.length) offset = 0;
        await source.captureFrame(
          new AudioFrame(pcm.samples.slice(offset, offset + per), pcm.sampleRate, 1, per),
        );
        offset += per;
      }
      silenceStarts.push(Date.now() + source.queuedDuration);
      for (let t = 0; t < pauseMs && running; t += 10) {
        await source.captureFrame(new AudioFrame(silence, pcm.sampleRate, 1, per));
      }
    }
  })();
  return {
    silenceStarts,
    stop: async () => {
      running = false;
      await loop.catch(() => {});
      if (pub?.sid) await room.localParticipant?.unpublishTrack(pub.sid).catch(() => {});
      await source.close();
    },
  };
}
