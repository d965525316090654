import { type Room, RoomEvent } from 'livekit-client';
import { CodePad } from './code-pad.js';
import { CodeSync } from './code-sync.js';
import { disclosure } from './disclosure.js';
import { h } from './dom.js';
import { sendToAgent } from './send.js';
import { onAgentPayload } from './session.js';
import { onTranscript } from './transcript.js';
import { Captions } from './transcript-panel.js';

/**
 * What a candidate sees: the connection status, their own camera with captions of the conversation, the code pad
 * (synced to the agent) and the disclosure. Agent messages are never rendered; the server should not deliver any,
 * and the root's `data-agent-packets` counts any that arrive.
 */
export class CandidateView {
  readonly element: HTMLElement;
  readonly #pad: CodePad;

  constructor(room: Room, status: HTMLElement, selfVideo: HTMLVideoElement) {
    const captions = new Captions();
    this.#pad = new CodePad((onState) => new CodeSync((m) => sendToAgent(room, m), onState));
    this.element = h(
      'section',
      { className: 'candidate', testid: 'candidate-view', attrs: { 'data-agent-packets': '0' } },
      status,
      h(
        'div',
        { className: 'columns' },
        h('div', { className: 'stage' }, selfVideo, captions.element, this.#pad.element),
        disclosure(),
      ),
    );
    let received = 0;
    onAgentPayload(room, () => {
      received++;
      this.element.dataset.agentPackets = String(received);
    });
    onTranscript(room, (line) => captions.add(line));
    // the assistant may join after the candidate typed: send what is there
    room.on(RoomEvent.ParticipantConnected, () => void this.#pad.flush());
    room.on(RoomEvent.ParticipantAttributesChanged, () => void this.#pad.flush());
    room.on(RoomEvent.Disconnected, () =>
      this.#pad.close('You are no longer in the interview: the code pad is not shared any more.'),
    );
  }

  dispose(): void {
    this.#pad.dispose();
  }
}
