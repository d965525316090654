import {
  AGENT_CANDIDATE_ATTRIBUTE,
  AGENT_STATE_ATTRIBUTE,
  PROTOCOL_VERSION,
} from '@interview-helper/protocol';
import { type RemoteVideoTrack, type Room, RoomEvent, Track } from 'livekit-client';
import { AgentFeed } from './agent-feed.js';
import { Charts } from './charts.js';
import { ConductPanel } from './conduct-panel.js';
import { h } from './dom.js';
import { type HintAction, HintsPanel, SignalIndex } from './hints-panel.js';
import { findAgent, findCandidate } from './participants.js';
import { PlanPanel } from './plan-panel.js';
import { AnalysisStatusBanner, AudioGapLine, StorageStatusLine } from './recovery-panel.js';
import { sendToAgent } from './send.js';
import { onAgentPayload } from './session.js';
import { onTranscript } from './transcript.js';
import { TranscriptPanel } from './transcript-panel.js';
import { TranscriptionStatusBanner } from './transcription-status-panel.js';

export { findAgent, findCandidate } from './participants.js';

/**
 * What an interviewer sees: the candidate's video, the agent's state, live hints (evidence, feedback, detail
 * level), the live transcript, charts over the session and the raw list of agent messages (decoded and
 * validated; invalid ones only counted). The root carries `data-agent-packets` (payloads received).
 */
export class InterviewerView {
  readonly element: HTMLElement;
  readonly #room: Room;
  readonly #feed = new AgentFeed();
  readonly #signals = new SignalIndex();
  readonly #hints: HintsPanel;
  readonly #transcript = new TranscriptPanel();
  readonly #transcriptionStatus = new TranscriptionStatusBanner();
  readonly #analysis = new AnalysisStatusBanner();
  readonly #storage = new StorageStatusLine();
  readonly #audioGaps = new AudioGapLine();
  readonly #conduct = new ConductPanel();
  readonly #plan = new PlanPanel((plan) =>
    sendToAgent(this.#room, { v: PROTOCOL_VERSION, type: 'plan-update', plan }),
  );
  readonly #charts = new Charts();
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

  constructor(room: Room, status: HTMLElement, selfVideo: HTMLVideoElement, endControl?: HTMLElement) {
    this.#room = room;
    this.#hints = new HintsPanel((action) => this.#act(action));
    this.element = h(
      'section',
      { className: 'interviewer', testid: 'interviewer-view', attrs: { 'data-agent-packets': '0' } },
      h('div', { className: 'toolbar' }, status, endControl),
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
          this.#transcriptionStatus.element,
          this.#transcript.element,
        ),
        h(
          'aside',
          { className: 'agent' },
          h('h2', {}, 'Interview assistant'),
          this.#analysis.element,
          this.#storage.element,
          this.#audioGaps.element,
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
          this.#conduct.element,
          this.#hints.element,
          this.#plan.element,
          this.#charts.element,
          h('details', { className: 'raw' }, h('summary', {}, 'All assistant messages'), this.#messages),
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
    this.#analysis.attach(room);
    onTranscript(room, (line) => this.#transcript.add(line));
  }

  #act(action: HintAction): Promise<void> {
    return sendToAgent(
      this.#room,
      action.type === 'feedback'
        ? { v: PROTOCOL_VERSION, type: 'hint-feedback', hintId: action.hintId, useful: action.useful }
        : { v: PROTOCOL_VERSION, type: 'settings', detail: action.detail },
    );
  }

  #accept(data: Uint8Array | string): void {
    const result = this.#feed.accept(data);
    this.element.dataset.agentPackets = String(this.#feed.received);
    this.#invalid.textContent = String(this.#feed.invalid);
    if (result.ok && result.message.type === 'signal') {
      this.#signals.add(result.message);
      this.#charts.add(result.message);
    }
    if (result.ok) this.#analysis.update(result.message);
    if (result.ok) this.#storage.update(result.message);
    if (result.ok) this.#audioGaps.update(result.message);
    if (result.ok && result.message.type === 'stats')
      this.#transcriptionStatus.update(result.message.transcription);
    if (result.ok && result.message.type === 'conduct')
      this.#conduct.add(result.message, this.#room.localParticipant.identity);
    if (result.ok && result.message.type === 'plan') this.#plan.setPlan(result.message);
    if (result.ok && result.message.type === 'coverage') this.#plan.setCoverage(result.message);
    if (result.ok && result.message.type === 'hint')
      this.#hints.add(result.message, this.#signals.evidence(result.message));
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

  dispose(): void {
    this.#charts.dispose();
  }
}
