import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
} from '@livekit/rtc-node';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LivekitServer,
  requireE2eNetwork,
  startLivekitServer,
  verifyCapture,
  verifyCaptureWhen,
} from './livekit.js';

const SAMPLE_RATE = 48_000;
const FRAME = 480; // 10 ms

async function token(server: LivekitServer, identity: string, room: string): Promise<string> {
  const at = new AccessToken(server.apiKey, server.apiSecret, { identity, ttl: 300 });
  at.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true });
  return at.toJwt();
}

/** Feeds a 440 Hz sine into `source` until `signal` aborts. */
async function playTone(source: AudioSource, signal: AbortSignal): Promise<void> {
  let t = 0;
  while (!signal.aborted) {
    const data = new Int16Array(FRAME);
    for (let i = 0; i < FRAME; i++, t++)
      data[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * t) / SAMPLE_RATE));
    await source.captureFrame(new AudioFrame(data, SAMPLE_RATE, 1, FRAME));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)),
  ]);
}

describe('livekit harness', () => {
  let server: LivekitServer;

  beforeAll(async () => {
    server = await startLivekitServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses to start outside the e2e namespace', async () => {
    const saved = process.env.E2E_NETNS;
    delete process.env.E2E_NETNS;
    try {
      expect(() => requireE2eNetwork()).toThrow(/network namespace/);
      await expect(startLivekitServer()).rejects.toThrow(/npm run test:e2e/);
    } finally {
      process.env.E2E_NETNS = saved;
    }
  });

  it('serves the room API on the namespace address', async () => {
    const { hostIp } = requireE2eNetwork();
    expect(server.url).toBe(server.httpUrl.replace('http://', 'ws://'));
    expect(server.url).toContain(hostIp);
    const rooms = new RoomServiceClient(server.httpUrl, server.apiKey, server.apiSecret);
    await rooms.createRoom({ name: 'harness-api', emptyTimeout: 30 });
    expect((await rooms.listRooms()).map((r) => r.name)).toContain('harness-api');
    await rooms.deleteRoom('harness-api');
    expect((await rooms.listRooms()).map((r) => r.name)).not.toContain('harness-api');

    const wrong = new RoomServiceClient(server.httpUrl, server.apiKey, 'not-the-secret-not-the-secret-123');
    await expect(wrong.listRooms()).rejects.toThrow();
  });

  it('carries WebRTC audio between two rtc-node rooms over UDP inside the namespace', async () => {
    const { hostIp } = requireE2eNetwork();
    const before = verifyCapture();
    const publisher = new Room();
    const subscriber = new Room();
    const stopTone = new AbortController();
    try {
      const subscribed = new Promise<RemoteTrack>((resolve) =>
        subscriber.on(RoomEvent.TrackSubscribed, (track) => resolve(track)),
      );
      await subscriber.connect(server.url, await token(server, 'listener', 'harness-media'));
      await publisher.connect(server.url, await token(server, 'speaker', 'harness-media'));

      const source = new AudioSource(SAMPLE_RATE, 1);
      const options = new TrackPublishOptions();
      options.source = TrackSource.SOURCE_MICROPHONE;
      await publisher.localParticipant?.publishTrack(
        LocalAudioTrack.createAudioTrack('tone', source),
        options,
      );
      const tone = playTone(source, stopTone.signal);

      const track = await withTimeout(subscribed, 20_000, 'subscriber never got the audio track');
      expect(track.kind).toBe(TrackKind.KIND_AUDIO);

      // read 2 s of audio and check it is the tone, not silence: mean |x| of a sine of amplitude A is 2A/π. The
      // stream starts when the track is subscribed, maybe before its first packet: the silence before it is skipped.
      const reader = new AudioStream(track, SAMPLE_RATE, 1).getReader();
      let samples = 0;
      let magnitude = 0;
      let leading = 0;
      while (samples < 2 * SAMPLE_RATE) {
        const { value, done } = await withTimeout(reader.read(), 5_000, 'no audio frame within 5 s');
        if (done) break;
        if (samples === 0 && value.data.every((x) => x === 0)) {
          leading += value.data.length;
          continue;
        }
        for (const sample of value.data) magnitude += Math.abs(sample);
        samples += value.data.length;
      }
      await reader.cancel();
      stopTone.abort();
      await tone;

      expect(samples).toBeGreaterThanOrEqual(2 * SAMPLE_RATE);
      const meanAbs = magnitude / samples;
      console.log(
        `[measure] harness tone: mean |x| ${(meanAbs / ((2 * 8000) / Math.PI)).toFixed(3)} of the sine's, ` +
          `after ${leading / SAMPLE_RATE} s of silence before the first packet`,
      );
      expect(meanAbs).toBeGreaterThan(0.6 * ((2 * 8000) / Math.PI));
      expect(meanAbs).toBeLessThan(1.2 * ((2 * 8000) / Math.PI));
    } finally {
      stopTone.abort();
      await publisher.disconnect();
      await subscriber.disconnect();
    }

    // the capture so far: media went over UDP to the namespace address and nothing else was contacted
    // (tcpdump is a process of its own: wait until it recorded the media that went by)
    const after = await verifyCaptureWhen(
      (c) => c.udpMedia - before.udpMedia > 100 && (c.addresses[hostIp] ?? 0) > 0,
      { expectMedia: true },
    );
    expect(after.failures).toEqual([]);
    expect(after.udpMedia - before.udpMedia).toBeGreaterThan(100);
    expect(after.addresses[hostIp]).toBeGreaterThan(0);
  });
});
