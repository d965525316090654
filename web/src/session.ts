import { TOPICS } from '@interview-helper/protocol';
import {
  type DisconnectReason,
  type LocalTrack,
  type RemoteParticipant,
  type RemoteTrack,
  Room,
  RoomEvent,
  Track,
  type TrackPublishDefaults,
  type TrackPublishOptions,
  VideoPreset,
} from 'livekit-client';
import { h, showError } from './dom.js';
import { describeDisconnect, describeMediaError } from './errors.js';
import type { TokenGrant } from './token-client.js';

/**
 * The candidate camera's low simulcast layer: 480×360 at 15 fps and at most 300 kbit/s, the size the agent asks
 * the SFU for (`VISION_VIDEO_WIDTH` × `VISION_VIDEO_HEIGHT`). Its face and pose analysers sample 1–2 frames a
 * second and read the same labelled results from it as from the 640×480 layer (changes only on borderline frames,
 * both ways), while it decodes 0.28 of the pixels per second; a 320×240 layer lost hand-to-face and out-of-frame
 * cases (docs/quality.md).
 */
export const AGENT_VIDEO_LAYER = new VideoPreset(480, 360, 300_000, 15);

/**
 * What a candidate publishes with: the camera as simulcast, the full capture layer (for interviewers) plus
 * {@link AGENT_VIDEO_LAYER} (for the agent), keeping each layer's resolution under load (frames are dropped
 * instead). With dynacast a layer nobody subscribes to is paused.
 */
export const CANDIDATE_PUBLISH_DEFAULTS: TrackPublishDefaults = {
  simulcast: true,
  videoSimulcastLayers: [AGENT_VIDEO_LAYER],
  degradationPreference: 'maintain-resolution',
};

/**
 * A room for one interview participant. Candidates publish with {@link CANDIDATE_PUBLISH_DEFAULTS}. Everyone
 * else subscribes without adaptive stream, so an interviewer receives the candidate's full camera layer
 * whatever the size of the tile it is shown in. No ICE servers of our own: the LiveKit server hands out its
 * configured ones.
 */
export function createRoom(grant: TokenGrant): Room {
  const candidate = grant.role === 'candidate';
  return new Room({
    adaptiveStream: candidate,
    dynacast: true,
    publishDefaults: candidate ? CANDIDATE_PUBLISH_DEFAULTS : {},
  });
}

/** Connects and publishes the preview tracks. Connection errors throw; a track that fails to publish is reported. */
export async function joinRoom(
  room: Room,
  grant: TokenGrant,
  tracks: LocalTrack[],
  onWarning: (message: { code: string; message: string }) => void,
): Promise<void> {
  await room.connect(grant.url, grant.token);
  for (const track of tracks) {
    const options: TrackPublishOptions = { source: track.source };
    try {
      await room.localParticipant.publishTrack(track, options);
    } catch (error) {
      onWarning(describeMediaError(error, track.kind === Track.Kind.Video ? 'camera' : 'microphone'));
    }
  }
}

/**
 * Calls `onPayload` for every payload on the agent topic: reliable data packets and text streams (large
 * messages). Returns a function that stops listening.
 */
export function onAgentPayload(room: Room, onPayload: (data: Uint8Array | string) => void): () => void {
  const onData = (payload: Uint8Array, _p?: RemoteParticipant, _k?: unknown, topic?: string) => {
    if (topic === TOPICS.AGENT_TO_INTERVIEWERS) onPayload(payload);
  };
  room.on(RoomEvent.DataReceived, onData);
  room.registerTextStreamHandler(TOPICS.AGENT_TO_INTERVIEWERS, (reader) => {
    // a stream that breaks off counts as an invalid payload (the empty string does not decode)
    reader.readAll().then(onPayload, () => onPayload(''));
  });
  return () => {
    room.off(RoomEvent.DataReceived, onData);
    room.unregisterTextStreamHandler(TOPICS.AGENT_TO_INTERVIEWERS);
  };
}

/** Plays every remote participant's microphone through hidden audio elements in `container`. */
export function playRemoteAudio(room: Room, container: HTMLElement): void {
  room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => {
    if (track.kind === Track.Kind.Audio) container.append(track.attach());
  });
  room.on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => {
    if (track.kind === Track.Kind.Audio) for (const el of track.detach()) el.remove();
  });
}

/**
 * The connection status line (`data-testid="connection-state"`, with `data-state`) and the error banner for
 * reconnects and disconnects; offers to rejoin after an unexpected disconnect.
 */
export function connectionStatus(room: Room, banner: HTMLElement): HTMLElement {
  const status = h('p', { className: 'status', testid: 'connection-state' });
  const set = (state: string, text: string) => {
    status.dataset.state = state;
    status.textContent = text;
  };
  set('connecting', 'Connecting…');
  room.on(RoomEvent.Connected, () => set('connected', 'Connected'));
  room.on(RoomEvent.Reconnecting, () => set('reconnecting', 'Connection lost, reconnecting…'));
  room.on(RoomEvent.SignalReconnecting, () => set('reconnecting', 'Connection lost, reconnecting…'));
  room.on(RoomEvent.Reconnected, () => {
    set('connected', 'Connected');
    showError(banner, undefined);
  });
  room.on(RoomEvent.Disconnected, (reason?: DisconnectReason) => {
    const error = describeDisconnect(reason);
    // The session ended (its room was deleted): the banner says so (`data-code="session_ended"`), no rejoin.
    const ended = error?.code === 'session_ended';
    set(
      'disconnected',
      ended ? 'The interview has ended' : error ? 'Disconnected' : 'You left the interview',
    );
    showError(banner, error);
    if (error && !ended)
      banner.append(' ', h('button', { type: 'button', onclick: () => location.reload() }, 'Rejoin'));
  });
  room.on(RoomEvent.AudioPlaybackStatusChanged, () => {
    if (room.canPlaybackAudio) return;
    const button = h(
      'button',
      { type: 'button', testid: 'enable-audio' },
      'Click to hear the other participants',
    );
    button.addEventListener('click', () => void room.startAudio().then(() => button.remove()));
    status.after(button);
  });
  return status;
}
