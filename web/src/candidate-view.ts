import type { Accommodation } from '@interview-helper/protocol';
import { type Room, RoomEvent } from 'livekit-client';
import { CodePad } from './code-pad.js';
import { CodeSync } from './code-sync.js';
import { ConsentControls } from './consent-panel.js';
import { disclosure, OptOutControls } from './disclosure.js';
import { h } from './dom.js';
import { sendToAgent } from './send.js';
import { onAgentPayload } from './session.js';
import { onTranscript } from './transcript.js';
import { Captions } from './transcript-panel.js';

/**
 * What a candidate sees: the connection status, their own camera with captions of the conversation, the code pad
 * (synced to the agent) and the disclosure, with the per-group opt-out when the session allows it. Agent messages are never rendered; the server should not deliver any,
 * and the root's `data-agent-packets` counts any that arrive.
 */
export class CandidateView {
  readonly element: HTMLElement;
  readonly #pad: CodePad;

  constructor(
    room: Room,
    status: HTMLElement,
    selfVideo: HTMLVideoElement,
    opts: { allowOptOut?: boolean; accommodations?: readonly Accommodation[] } = {},
  ) {
    const captions = new Captions();
    this.#pad = new CodePad((onState) => new CodeSync((m) => sendToAgent(room, m), onState));
    const optOut = opts.allowOptOut ? new OptOutControls((m) => sendToAgent(room, m)) : undefined;
    const consent = new ConsentControls((m) => sendToAgent(room, m), opts.accommodations);
    this.element = h(
      'section',
      { className: 'candidate', testid: 'candidate-view', attrs: { 'data-agent-packets': '0' } },
      status,
      h(
        'div',
        { className: 'columns' },
        h('div', { className: 'stage' }, selfVideo, captions.element, this.#pad.element),
        disclosure(optOut, consent.element),
      ),
    );
    let received = 0;
    onAgentPayload(room, () => {
      received++;
      this.element.dataset.agentPackets = String(received);
    });
    onTranscript(room, (line) => captions.add(line));
    // the assistant may join after the candidate typed: send what is there
    const flush = () => {
      void this.#pad.flush();
      void optOut?.flush();
    };
    room.on(RoomEvent.ParticipantConnected, flush);
    room.on(RoomEvent.ParticipantAttributesChanged, flush);
    room.on(RoomEvent.Disconnected, () =>
      this.#pad.close('You are no longer in the interview: the code pad is not shared any more.'),
    );
  }

  dispose(): void {
    this.#pad.dispose();
  }
}
