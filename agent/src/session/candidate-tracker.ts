import type { Role } from '@interview-helper/protocol';
import {
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  type Room,
  RoomEvent,
  TrackKind,
  TrackSource,
} from '@livekit/rtc-node';
import type { MediaKind } from '../analysers/analyser.js';
import { logger } from '../log.js';
import { roleOf } from '../messaging/roles.js';
import { defaultVideoDimensions, preferVideoDimensions, type VideoDimensions } from './media.js';

/** Callbacks of a {@link CandidateTracker}. None may throw; errors are logged. */
export interface CandidateTrackerHandlers {
  /** A media track of the active candidate is subscribed and ready to read. */
  onTrack(track: RemoteTrack, participant: RemoteParticipant): void;
  /** A track handed to `onTrack` ended (unpublished, unsubscribed, or its participant left). */
  onTrackEnded(trackSid: string): void;
  /** The active candidate changed; `undefined` while no candidate is in the room. */
  onCandidate(identity: string | undefined): void;
  /** Someone with an interview role joined or left. */
  onPresence?(event: { identity: string; name: string; role: Role; joined: boolean; at: Date }): void;
  /** A second candidate is in the room and is not analysed (see README, "Second candidate"). */
  onExtraCandidate?(identity: string): void;
}

/** Options of a {@link CandidateTracker}. */
export interface CandidateTrackerOptions {
  /** Size asked of the SFU for the candidate's camera (a simulcast camera then sends a smaller layer). */
  videoDimensions: VideoDimensions;
  /** Whether a track of `media` of the candidate may be subscribed (their consent); default: always. */
  admits: (identity: string, media: MediaKind) => boolean;
}

const MEDIA_SOURCES = new Set([
  TrackSource.SOURCE_CAMERA,
  TrackSource.SOURCE_MICROPHONE,
  TrackSource.SOURCE_UNKNOWN,
]);

/**
 * Finds the candidate by the role attribute the token server put in their token, subscribes to
 * their camera (asking the SFU for a small layer, see {@link preferVideoDimensions}) and
 * microphone only, and follows them through leave, rejoin and browser refresh (a refresh is a new participant with new tracks; every track gets its own pipeline, keyed by
 * track sid, so a second subscription never collides with the first).
 *
 * One candidate is analysed at a time: the first present. Another candidate who joins meanwhile
 * is reported, not subscribed; when the active candidate leaves, the tracker moves on to a
 * candidate still in the room.
 */
export class CandidateTracker {
  #room: Room;
  #h: CandidateTrackerHandlers;
  #active?: string;
  #live = new Set<string>();
  #logger = logger('candidate');
  #listeners: [RoomEvent, (...args: never[]) => void][] = [];
  #o: CandidateTrackerOptions;

  constructor(room: Room, handlers: CandidateTrackerHandlers, opts: Partial<CandidateTrackerOptions> = {}) {
    this.#room = room;
    this.#h = handlers;
    this.#o = {
      videoDimensions: opts.videoDimensions ?? defaultVideoDimensions,
      admits: opts.admits ?? (() => true),
    };
  }

  /** Identity of the candidate being analysed, if any. */
  get candidate(): string | undefined {
    return this.#active;
  }

  start(): void {
    this.#on(RoomEvent.ParticipantConnected, (p: RemoteParticipant) => {
      this.#presence(p, true);
      this.#consider(p);
    });
    this.#on(
      RoomEvent.ParticipantAttributesChanged,
      (_changed: Record<string, string>, p: RemoteParticipant) => {
        if (p.identity !== this.#room.localParticipant?.identity) this.#consider(p);
      },
    );
    this.#on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => this.#left(p));
    this.#on(RoomEvent.TrackPublished, (pub: RemoteTrackPublication, p: RemoteParticipant) => {
      if (p.identity === this.#active) this.#subscribe(pub);
    });
    this.#on(
      RoomEvent.TrackSubscribed,
      (track: RemoteTrack, pub: RemoteTrackPublication, p: RemoteParticipant) => {
        // Other capabilities subscribe to other tracks (interviewers' microphones): leave those alone.
        if (p.identity === this.#active && this.#wanted(pub) && this.#admitted(pub))
          this.#started(track, p, pub);
      },
    );
    this.#on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => this.#ended(track.sid));
    for (const p of this.#room.remoteParticipants.values()) {
      this.#presence(p, true);
      this.#consider(p);
    }
    if (!this.#active) this.#h.onCandidate(undefined);
  }

  stop(): void {
    for (const [event, fn] of this.#listeners) this.#room.off(event, fn as never);
    this.#listeners = [];
    for (const sid of [...this.#live]) this.#ended(sid);
  }

  #on<E extends RoomEvent>(event: E, fn: (...args: never[]) => void): void {
    this.#room.on(event, fn as never);
    this.#listeners.push([event, fn]);
  }

  #wanted(pub: RemoteTrackPublication): boolean {
    const kind = pub.kind;
    return (
      (kind === TrackKind.KIND_AUDIO || kind === TrackKind.KIND_VIDEO) &&
      MEDIA_SOURCES.has(pub.source ?? TrackSource.SOURCE_UNKNOWN)
    );
  }

  #subscribe(pub: RemoteTrackPublication): void {
    if (this.#wanted(pub) && this.#admitted(pub)) pub.setSubscribed(true);
  }

  #admitted(pub: RemoteTrackPublication): boolean {
    const media = pub.kind === TrackKind.KIND_VIDEO ? 'video' : 'audio';
    return this.#active !== undefined && this.#o.admits(this.#active, media);
  }

  /**
   * Applies a change of what `admits` allows for the active candidate: subscribes to (and starts) the tracks
   * now admitted, ends and unsubscribes the others.
   */
  refresh(): void {
    const p = this.#active ? this.#room.remoteParticipants.get(this.#active) : undefined;
    if (!p) return;
    for (const pub of p.trackPublications.values()) {
      if (!this.#wanted(pub)) continue;
      if (this.#admitted(pub)) {
        if (pub.track && pub.subscribed) this.#started(pub.track as RemoteTrack, p, pub);
        else pub.setSubscribed(true);
      } else {
        if (pub.track?.sid) this.#ended(pub.track.sid);
        this.#ended(pub.sid);
        if (pub.subscribed) pub.setSubscribed(false);
      }
    }
  }

  #consider(p: RemoteParticipant): void {
    if (roleOf(p) !== 'candidate' || p.identity === this.#active) return;
    if (this.#active) {
      this.#logger.warn(
        { active: this.#active, extra: p.identity },
        'second candidate in the room is not analysed',
      );
      this.#h.onExtraCandidate?.(p.identity);
      return;
    }
    this.#active = p.identity;
    this.#logger.info({ candidate: p.identity }, 'analysing candidate');
    this.#h.onCandidate(p.identity);
    for (const pub of p.trackPublications.values()) {
      if (pub.track && pub.subscribed && this.#wanted(pub) && this.#admitted(pub))
        this.#started(pub.track as RemoteTrack, p, pub);
      else this.#subscribe(pub);
    }
  }

  #started(track: RemoteTrack, p: RemoteParticipant, pub: RemoteTrackPublication): void {
    const sid = track.sid;
    if (!sid || this.#live.has(sid)) return;
    this.#live.add(sid);
    if (pub.kind === TrackKind.KIND_VIDEO && !preferVideoDimensions(pub, this.#o.videoDimensions)) {
      this.#logger.warn({ track: sid }, 'could not ask the SFU for a smaller video layer');
    }
    this.#h.onTrack(track, p);
  }

  #ended(sid: string | undefined): void {
    if (!sid || !this.#live.delete(sid)) return;
    this.#h.onTrackEnded(sid);
  }

  #left(p: RemoteParticipant): void {
    this.#presence(p, false);
    if (p.identity !== this.#active) return;
    for (const pub of p.trackPublications.values()) this.#ended(pub.sid);
    this.#active = undefined;
    this.#logger.info({ candidate: p.identity }, 'candidate left; waiting for a candidate');
    this.#h.onCandidate(undefined);
    for (const other of this.#room.remoteParticipants.values()) {
      if (other.identity !== p.identity) this.#consider(other);
      if (this.#active) break;
    }
  }

  #presence(p: RemoteParticipant, joined: boolean): void {
    const role = roleOf(p);
    if (role)
      this.#h.onPresence?.({ identity: p.identity, name: p.name ?? '', role, joined, at: new Date() });
  }
}
