import type { Room } from 'livekit-client';
import { disclosure } from './disclosure.js';
import { h } from './dom.js';
import { onAgentPayload } from './session.js';

/**
 * What a candidate sees: the connection status, their own camera and the disclosure. Agent messages are never
 * rendered; the server should not deliver any, and the root's `data-agent-packets` counts any that arrive.
 */
export class CandidateView {
  readonly element: HTMLElement;

  constructor(room: Room, status: HTMLElement, selfVideo: HTMLVideoElement) {
    this.element = h(
      'section',
      { className: 'candidate', testid: 'candidate-view', attrs: { 'data-agent-packets': '0' } },
      status,
      h('div', { className: 'columns' }, h('div', { className: 'stage' }, selfVideo), disclosure()),
    );
    let received = 0;
    onAgentPayload(room, () => {
      received++;
      this.element.dataset.agentPackets = String(received);
    });
  }
}
