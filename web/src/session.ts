import { TOPICS } from '@interview-helper/protocol';
import {
  type DisconnectReason,
  type LocalTrack,
  type RemoteParticipant,
  type RemoteTrack,
  Room,
  RoomEvent,
  Track,
  type TrackPublishOptions,
} from 'livekit-client';
import { h, showError } from './dom.js';
import { describeDisconnect, describeMediaError } from './errors.js';
import type { TokenGrant } from './token-client.js';

/**
 * A room for one interview participant. Candidates publish without simulcast and keep the capture resolution
 * under load, so the agent always analyses the full camera picture. No ICE servers of our own: the LiveKit server
 * hands out its configured ones.
 */
export function createRoom(grant: TokenGrant): Room {
  const candidate = grant.role === 'candidate';
  return new Room({
    adaptiveStream: true,
    dynacast: true,
    publishDefaults: candidate ? { simulcast: false, degradationPreference: 'maintain-resolution' } : {},
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
