import { EventEmitter } from 'node:events';
import { ROLE_ATTRIBUTE, type Role, TOPICS } from '@interview-helper/protocol';
import { type Room, RoomEvent, TrackKind, type TrackSource } from '@livekit/rtc-node';

/** A track of a {@link FakeRoom} participant. */
export interface FakeTrack {
  sid: string;
  kind: TrackKind;
}

/** A publication of a {@link FakeRoom} participant; subscribing emits `TrackSubscribed` like the SDK. */
export class FakePublication {
  sid: string;
  kind: TrackKind;
  source: TrackSource;
  subscribed = false;
  track?: FakeTrack;
  #room: FakeRoom;
  #owner: FakeParticipant;

  constructor(room: FakeRoom, owner: FakeParticipant, sid: string, kind: TrackKind, source: TrackSource) {
    this.#room = room;
    this.#owner = owner;
    this.sid = sid;
    this.kind = kind;
    this.source = source;
  }

  setSubscribed(on: boolean): void {
    if (on === this.subscribed) return;
    this.subscribed = on;
    if (on) {
      this.track = { sid: this.sid, kind: this.kind };
      this.#room.emit(RoomEvent.TrackSubscribed, this.track, this, this.#owner);
    } else if (this.track) {
      this.#room.emit(RoomEvent.TrackUnsubscribed, this.track, this, this.#owner);
      this.track = undefined;
    }
  }
}

/** A remote participant of a {@link FakeRoom}. */
export class FakeParticipant {
  identity: string;
  name: string;
  attributes: Record<string, string>;
  trackPublications = new Map<string, FakePublication>();

  constructor(identity: string, role?: Role) {
    this.identity = identity;
    this.name = identity;
    this.attributes = role ? { [ROLE_ATTRIBUTE]: role } : {};
  }
}

/** What the agent sent through the fake room. */
export interface Sent {
  topic: string;
  text: string;
  to?: string[];
  attributes?: Record<string, string>;
  sender?: string;
}

/**
 * A stand-in for a connected `Room` in unit tests: participants join, publish tracks and send
 * client messages as the SDK would report them (same events, same argument order), and whatever
 * the agent publishes (data packets, text streams, attributes) is recorded.
 */
export class FakeRoom extends EventEmitter {
  name = 'fake-room';
  remoteParticipants = new Map<string, FakeParticipant>();
  sent: Sent[] = [];
  attributes: Record<string, string> = {};
  textHandlers = new Map<string, (reader: AsyncIterable<string>, info: { identity: string }) => void>();
  #tracks = 0;
  localParticipant = {
    identity: 'agent',
    setAttributes: async (a: Record<string, string>) => {
      this.attributes = { ...a };
    },
    publishData: async (bytes: Uint8Array, o: { topic?: string; destination_identities?: string[] }) => {
      this.sent.push({
        topic: o.topic ?? '',
        text: new TextDecoder().decode(bytes),
        to: o.destination_identities,
      });
    },
    sendText: async (text: string, o: { topic?: string; destinationIdentities?: string[] }) => {
      this.sent.push({ topic: o.topic ?? '', text, to: o.destinationIdentities });
    },
    streamText: async (o: {
      topic?: string;
      senderIdentity?: string;
      attributes?: Record<string, string>;
    }) => {
      let text = '';
      return {
        write: async (t: string) => {
          text += t;
        },
        close: async () => {
          this.sent.push({ topic: o.topic ?? '', text, attributes: o.attributes, sender: o.senderIdentity });
        },
      };
    },
  };

  /** This fake as the SDK type the agent expects. */
  get room(): Room {
    return this as unknown as Room;
  }

  registerTextStreamHandler(
    topic: string,
    h: (reader: AsyncIterable<string>, info: { identity: string }) => void,
  ) {
    this.textHandlers.set(topic, h);
  }

  unregisterTextStreamHandler(topic: string): void {
    this.textHandlers.delete(topic);
  }

  /** A participant joins (with their tracks already published, if any). */
  join(
    identity: string,
    role?: Role,
    tracks: { kind: TrackKind; source: TrackSource }[] = [],
  ): FakeParticipant {
    const p = new FakeParticipant(identity, role);
    for (const t of tracks) this.#publication(p, t.kind, t.source);
    this.remoteParticipants.set(identity, p);
    this.emit(RoomEvent.ParticipantConnected, p);
    return p;
  }

  /** A participant publishes a track after joining. */
  publish(p: FakeParticipant, kind: TrackKind, source: TrackSource): FakePublication {
    const pub = this.#publication(p, kind, source);
    this.emit(RoomEvent.TrackPublished, pub, p);
    return pub;
  }

  leave(identity: string): void {
    const p = this.remoteParticipants.get(identity);
    if (!p) return;
    for (const pub of p.trackPublications.values()) pub.setSubscribed(false);
    this.remoteParticipants.delete(identity);
    this.emit(RoomEvent.ParticipantDisconnected, p);
  }

  /** A client message as a reliable packet on the client topic (`from` may be unknown to the room). */
  sendPacket(from: string, payload: string | Uint8Array, topic: string = TOPICS.CLIENT_TO_AGENT): void {
    this.emit(
      RoomEvent.DataReceived,
      typeof payload === 'string' ? new TextEncoder().encode(payload) : payload,
      this.remoteParticipants.get(from),
      0,
      topic,
    );
  }

  /** A client message as a text stream on the client topic, in `chunks` pieces. */
  sendStream(from: string, text: string, chunks = 1): void {
    const h = this.textHandlers.get(TOPICS.CLIENT_TO_AGENT);
    const size = Math.ceil(text.length / chunks);
    async function* reader() {
      for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
    }
    h?.(reader(), { identity: from });
  }

  /** Messages the agent sent on the agent → interviewers topic, decoded. */
  agentMessages(): { message: Record<string, unknown>; to?: string[] }[] {
    return this.sent
      .filter((s) => s.topic === TOPICS.AGENT_TO_INTERVIEWERS)
      .map((s) => ({ message: JSON.parse(s.text) as Record<string, unknown>, to: s.to }));
  }

  #publication(p: FakeParticipant, kind: TrackKind, source: TrackSource): FakePublication {
    const prefix = kind === TrackKind.KIND_AUDIO ? 'TR_A' : 'TR_V';
    const pub = new FakePublication(this, p, `${prefix}${++this.#tracks}_${p.identity}`, kind, source);
    p.trackPublications.set(pub.sid, pub);
    return pub;
  }
}

/** Resolves once `check` returns something other than undefined (polled every 10 ms), or fails after `ms`. */
export async function until<T>(what: string, check: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = check();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
