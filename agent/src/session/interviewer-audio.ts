import {
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  type Room,
  RoomEvent,
  TrackKind,
  TrackSource,
} from '@livekit/rtc-node';
import { logger } from '../log.js';
import { roleOf } from '../messaging/roles.js';

/** Callbacks of {@link InterviewerAudio}. */
export interface InterviewerAudioHandlers {
  onTrack(track: RemoteTrack, participant: RemoteParticipant): void;
  onTrackEnded(trackSid: string): void;
}

/**
 * Subscribes the session's connection to the interviewers' microphones (the candidate tracker
 * subscribes to the candidate only), for turn taking and the interviewers' transcript.
 */
export class InterviewerAudio {
  #room?: Room;
  #h: InterviewerAudioHandlers;
  #log = logger('interviewer-audio');
  #live = new Set<string>();
  #listeners: [RoomEvent, (...args: never[]) => void][] = [];

  constructor(handlers: InterviewerAudioHandlers) {
    this.#h = handlers;
  }

  start(room: Room): void {
    this.#room = room;
    const wanted = (pub: RemoteTrackPublication, p: RemoteParticipant) =>
      roleOf(p) === 'interviewer' &&
      pub.kind === TrackKind.KIND_AUDIO &&
      (pub.source ?? TrackSource.SOURCE_MICROPHONE) === TrackSource.SOURCE_MICROPHONE;
    const consider = (p: RemoteParticipant) => {
      for (const pub of p.trackPublications.values()) {
        if (!wanted(pub, p)) continue;
        if (pub.track && pub.subscribed) this.#started(pub.track as RemoteTrack, p);
        else pub.setSubscribed(true);
      }
    };
    this.#on(RoomEvent.TrackPublished, (pub: RemoteTrackPublication, p: RemoteParticipant) => {
      if (wanted(pub, p)) pub.setSubscribed(true);
    });
    this.#on(RoomEvent.ParticipantConnected, (p: RemoteParticipant) => consider(p));
    this.#on(RoomEvent.ParticipantAttributesChanged, (_c: Record<string, string>, p: RemoteParticipant) => {
      if ('trackPublications' in p) consider(p);
    });
    this.#on(
      RoomEvent.TrackSubscribed,
      (track: RemoteTrack, pub: RemoteTrackPublication, p: RemoteParticipant) => {
        if (wanted(pub, p)) this.#started(track, p);
      },
    );
    this.#on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => {
      const sid = track.sid;
      if (sid && this.#live.delete(sid)) this.#h.onTrackEnded(sid);
    });
    for (const p of room.remoteParticipants.values()) consider(p);
    this.#log.info({ room: room.name }, 'listening to the interviewers');
  }

  close(): void {
    for (const [event, fn] of this.#listeners) this.#room?.off(event, fn as never);
    this.#listeners = [];
  }

  #started(track: RemoteTrack, p: RemoteParticipant): void {
    const sid = track.sid;
    if (!sid || this.#live.has(sid)) return;
    this.#live.add(sid);
    this.#h.onTrack(track, p);
  }

  #on(event: RoomEvent, fn: (...args: never[]) => void): void {
    this.#room?.on(event, fn as never);
    this.#listeners.push([event, fn]);
  }
}
