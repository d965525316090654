import { ROLE_ATTRIBUTE, type Role } from '@interview-helper/protocol';
import { InterviewStore, type OpenedDatabase, openDatabase } from '@interview-helper/storage';
import {
  AudioFrame,
  AudioSource,
  LocalAudioTrack,
  LocalVideoTrack,
  type RemoteParticipant,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoFrame,
  VideoSource,
} from '@livekit/rtc-node';
import { RoomServiceClient, TrackSource as ServerTrackSource } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../token-server/src/app.js';
import { loadConfig } from '../../token-server/src/config.js';
import { type LivekitServer, startLivekitServer } from './harness/livekit.js';

/**
 * Tokens from the real token server app, enforced by a real livekit-server: what a candidate's token
 * lets it do, and what it must not.
 */

interface Grant {
  token: string;
  url: string;
  identity: string;
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('token permissions against a real livekit-server', () => {
  let livekit: LivekitServer;
  let database: OpenedDatabase;
  let app: ReturnType<typeof createApp>;
  let rooms: RoomServiceClient;
  let session: { id: string; roomName: string };
  let invites: Record<Role, string>;
  const connected: Room[] = [];
  const stops: (() => Promise<void> | void)[] = [];

  async function grant(role: Role, name: string): Promise<Grant> {
    const res = await app.request('/api/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session: session.id, role, name, invite: invites[role] }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Grant;
  }

  async function join(g: Grant, autoSubscribe: boolean): Promise<Room> {
    const room = new Room();
    await room.connect(g.url, g.token, { autoSubscribe, dynacast: false });
    connected.push(room);
    return room;
  }

  beforeAll(async () => {
    [livekit, database] = await Promise.all([startLivekitServer(), openDatabase()]);
    const config = {
      ...loadConfig({}),
      livekitUrl: livekit.url,
      livekitPublicUrl: livekit.url,
      livekitApiKey: livekit.apiKey,
      livekitApiSecret: livekit.apiSecret,
    };
    app = createApp({ store: new InterviewStore(database.db), config });
    rooms = new RoomServiceClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
    const res = await app.request('/api/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"permissions"}',
    });
    ({ session, invites } = (await res.json()) as { session: typeof session; invites: typeof invites });
  });

  afterAll(async () => {
    for (const stop of stops) await stop();
    for (const room of connected) await room.disconnect().catch(() => {});
    await database?.close();
    await livekit?.stop();
  });

  it('enforces the candidate grants while the interviewer subscribes to the candidate', async () => {
    const interviewer = await join(await grant('interviewer', 'Ivy'), true);
    const candidateGrant = await grant('candidate', 'Cam');
    const candidate = await join(candidateGrant, false);
    expect(candidate.name).toBe(session.roomName);

    // The role attribute comes from the token, as every other participant sees it.
    const seen = await until('the candidate to appear', () =>
      [...interviewer.remoteParticipants.values()].find((p) => p.identity === candidateGrant.identity),
    );
    expect(seen.attributes[ROLE_ATTRIBUTE]).toBe('candidate');

    // 1. The candidate cannot rewrite its role: neither from the client SDK …
    const changes: Record<string, string>[] = [];
    interviewer.on(RoomEvent.ParticipantAttributesChanged, (changed, p) => {
      if (p.identity === candidateGrant.identity) changes.push(changed);
    });
    // The SDK does not report the refusal (its request may never resolve): look at the effect instead.
    const me = candidate.localParticipant;
    await Promise.race([
      Promise.allSettled([
        me?.setAttributes({ [ROLE_ATTRIBUTE]: 'interviewer', extra: 'x' }),
        me?.updateMetadata('{"role":"interviewer"}'),
        me?.updateName('Interviewer'),
      ]),
      settle(2000),
    ]);
    await settle(500);
    expect(changes).toEqual([]);
    expect(seen.attributes[ROLE_ATTRIBUTE]).toBe('candidate');
    const onServer = await rooms.getParticipant(session.roomName, candidateGrant.identity);
    expect(onServer.attributes).toEqual({ [ROLE_ATTRIBUTE]: 'candidate' });
    expect(onServer.metadata).toBe('');
    expect(onServer.name).toBe('Cam');

    // … nor through the server API with its own token.
    const twirp = (method: string, body: unknown) =>
      fetch(`${livekit.httpUrl}/twirp/livekit.RoomService/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${candidateGrant.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const update = await twirp('UpdateParticipant', {
      room: session.roomName,
      identity: candidateGrant.identity,
      attributes: { [ROLE_ATTRIBUTE]: 'interviewer' },
    });
    expect(update.status).toBeGreaterThanOrEqual(401);
    expect(update.status).toBeLessThanOrEqual(403);
    expect((await twirp('ListRooms', {})).status).toBeGreaterThanOrEqual(401);
    expect((await twirp('CreateRoom', { name: 'elsewhere' })).status).toBeGreaterThanOrEqual(401);
    expect((await rooms.getParticipant(session.roomName, candidateGrant.identity)).attributes).toEqual({
      [ROLE_ATTRIBUTE]: 'candidate',
    });

    // 2. Camera and microphone may be published and the interviewer subscribes to both.
    const subscribed: RemoteTrack[] = [];
    interviewer.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub: unknown, p: RemoteParticipant) => {
      if (p.identity === candidateGrant.identity) subscribed.push(track);
    });
    const video = new VideoSource(64, 48);
    const frame = new VideoFrame(new Uint8Array(64 * 48 * 4).fill(128), 64, 48, VideoBufferType.RGBA);
    const frames = setInterval(() => video.captureFrame(frame), 66);
    stops.push(() => clearInterval(frames));
    const audio = new AudioSource(48_000, 1);
    const tone = new Int16Array(480).map((_, i) =>
      Math.round(4000 * Math.sin((2 * Math.PI * 440 * i) / 48_000)),
    );
    let playing = true;
    const sound = (async () => {
      while (playing) await audio.captureFrame(new AudioFrame(tone, 48_000, 1, 480));
    })();
    stops.push(async () => {
      playing = false;
      await sound;
    });
    const local = candidate.localParticipant;
    if (!local) throw new Error('candidate has no local participant');
    await local.publishTrack(
      LocalVideoTrack.createVideoTrack('camera', video),
      new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA, simulcast: false }),
    );
    await local.publishTrack(
      LocalAudioTrack.createAudioTrack('microphone', audio),
      new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
    );
    await until('the interviewer to subscribe to camera and microphone', () =>
      subscribed.length >= 2 ? true : undefined,
    );

    // 3. A screen share is refused.
    const screen = new VideoSource(64, 48);
    const screenFrames = setInterval(() => screen.captureFrame(frame), 66);
    stops.push(() => clearInterval(screenFrames));
    const screenResult = await Promise.race([
      local
        .publishTrack(
          LocalVideoTrack.createVideoTrack('screen', screen),
          new TrackPublishOptions({ source: TrackSource.SOURCE_SCREENSHARE, simulcast: false }),
        )
        .then(
          () => 'published',
          (err: unknown) => `refused: ${err instanceof Error ? err.message : String(err)}`,
        ),
      settle(4000).then(() => 'no answer within 4 s'),
    ]);
    expect(screenResult).not.toBe('published');
    await settle(500);
    const tracks = (await rooms.getParticipant(session.roomName, candidateGrant.identity)).tracks;
    expect(tracks.map((t) => t.source).sort()).toEqual([
      ServerTrackSource.CAMERA,
      ServerTrackSource.MICROPHONE,
    ]);
    expect(subscribed).toHaveLength(2);
  });

  it('binds the token to its room: another room means a forged token, which the server refuses', async () => {
    const candidateGrant = await grant('candidate', 'Cam');
    const [header, payload, signature] = candidateGrant.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    expect(claims.video.room).toBe(session.roomName);
    claims.video.room = 'interview-someone-else';
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const room = new Room();
    connected.push(room);
    const result = await room
      .connect(candidateGrant.url, forged, { autoSubscribe: false, dynacast: false })
      .then(
        () => 'connected',
        (err: unknown) => `refused: ${err instanceof Error ? err.message : String(err)}`,
      );
    expect(result).toMatch(/^refused/);
    const existing = (await rooms.listRooms()).map((r) => r.name);
    expect(existing).not.toContain('interview-someone-else');
  });
});
