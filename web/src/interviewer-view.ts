import { AGENT_CANDIDATE_ATTRIBUTE, AGENT_STATE_ATTRIBUTE, ROLE_ATTRIBUTE } from '@interview-helper/protocol';
import {
  ParticipantKind,
  type RemoteParticipant,
  type RemoteVideoTrack,
  type Room,
  RoomEvent,
  Track,
} from 'livekit-client';
import { AgentFeed } from './agent-feed.js';
import { h } from './dom.js';
import { onAgentPayload } from './session.js';

/** The agent: an agent-kind participant, or one that publishes the agent state attribute. */
export function findAgent(room: Room): RemoteParticipant | undefined {
  return [...room.remoteParticipants.values()].find(
    (p) => p.kind === ParticipantKind.AGENT || p.attributes[AGENT_STATE_ATTRIBUTE] !== undefined,
  );
}

/** The candidate: the one the agent analyses, else the first participant whose role attribute says so. */
export function findCandidate(room: Room): RemoteParticipant | undefined {
  const chosen = findAgent(room)?.attributes[AGENT_CANDIDATE_ATTRIBUTE];
  const participants = [...room.remoteParticipants.values()];
  return (
    (chosen ? participants.find((p) => p.identity === chosen) : undefined) ??
    participants.find((p) => p.attributes[ROLE_ATTRIBUTE] === 'candidate')
  );
}

/**
 * What an interviewer sees: the candidate's video, the agent's state, and the live list of agent messages
 * (decoded and validated; invalid ones only counted). The root carries `data-agent-packets` (payloads received).
 */
export class InterviewerView {
  readonly element: HTMLElement;
  readonly #room: Room;
  readonly #feed = new AgentFeed();
  readonly #video = h('video', {
    muted: true,
    autoplay: true,
    playsInline: true,
    className: 'tile',
    testid: 'candidate-video',
  });
  readonly #candidateName = h(
    'p',
    { className: 'caption', testid: 'candidate-name' },
    'Waiting for the candidate…',
  );
  readonly #agentState = h('dd', { testid: 'agent-state' }, 'not in the room');
  readonly #agentCandidate = h('dd', { testid: 'agent-candidate' }, '–');
  readonly #invalid = h('dd', { testid: 'agent-invalid' }, '0');
  readonly #messages = h('ol', { className: 'feed', testid: 'agent-messages' });
  #attached: RemoteVideoTrack | undefined;

  constructor(room: Room, status: HTMLElement, selfVideo: HTMLVideoElement) {
    this.#room = room;
    this.element = h(
      'section',
      { className: 'interviewer', testid: 'interviewer-view', attrs: { 'data-agent-packets': '0' } },
      status,
      h(
        'div',
        { className: 'columns' },
        h(
          'div',
          { className: 'stage' },
          this.#video,
          this.#candidateName,
          selfVideo,
          h('p', { className: 'caption' }, 'You'),
        ),
        h(
          'aside',
          { className: 'agent' },
          h('h2', {}, 'Interview assistant'),
          h(
            'dl',
            {},
            h('dt', {}, 'State'),
            this.#agentState,
            h('dt', {}, 'Analysing'),
            this.#agentCandidate,
            h('dt', {}, 'Invalid messages'),
            this.#invalid,
          ),
          this.#messages,
        ),
      ),
    );
    const refresh = () => this.#refresh();
    for (const event of [
      RoomEvent.Connected,
      RoomEvent.ParticipantConnected,
      RoomEvent.ParticipantDisconnected,
      RoomEvent.ParticipantAttributesChanged,
      RoomEvent.TrackSubscribed,
      RoomEvent.TrackUnsubscribed,
    ] as const) {
      room.on(event, refresh);
    }
    onAgentPayload(room, (data) => this.#accept(data));
  }

  #accept(data: Uint8Array | string): void {
    this.#feed.accept(data);
    this.element.dataset.agentPackets = String(this.#feed.received);
    this.#invalid.textContent = String(this.#feed.invalid);
    this.#messages.replaceChildren(
      ...this.#feed.entries.map((entry) =>
        h(
          'li',
          { testid: 'agent-message', attrs: { 'data-type': entry.type, 'data-kind': entry.title } },
          h('time', { dateTime: new Date(entry.at).toISOString() }, new Date(entry.at).toLocaleTimeString()),
          ' ',
          h('strong', {}, entry.title),
          ' ',
          entry.detail,
        ),
      ),
    );
  }

  #refresh(): void {
    const agent = findAgent(this.#room);
    this.#agentState.textContent = agent
      ? (agent.attributes[AGENT_STATE_ATTRIBUTE] ?? 'joined')
      : 'not in the room';
    this.#agentCandidate.textContent = agent?.attributes[AGENT_CANDIDATE_ATTRIBUTE] || '–';

    const candidate = findCandidate(this.#room);
    const track = candidate?.getTrackPublication(Track.Source.Camera)?.videoTrack as
      | RemoteVideoTrack
      | undefined;
    this.#candidateName.textContent = candidate
      ? `${candidate.name || candidate.identity}${track ? '' : ' (camera off)'}`
      : 'Waiting for the candidate…';
    if (track === this.#attached) return;
    this.#attached?.detach(this.#video);
    this.#attached = track;
    track?.attach(this.#video);
  }
}
