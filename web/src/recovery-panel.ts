import {
  type AgentMessage,
  type AnalysisStatusMessage,
  analysisStatusFromRoomMetadata,
  isSignalKind,
} from '@interview-helper/protocol';
import { type Room, RoomEvent } from 'livekit-client';
import { h } from './dom.js';

/** What the interviewer is told about the live analysis, or nothing while it runs normally. */
export interface AnalysisNotice {
  state: 'unavailable' | 'resumed';
  title: string;
  detail: string;
}

const time = (ms: number) => new Date(ms).toLocaleTimeString();

/** The notice for an analysis status or an `analysis-gap` signal; undefined for other messages. */
export function analysisNotice(message: AgentMessage | AnalysisStatusMessage): AnalysisNotice | undefined {
  if (message.type === 'analysis-status') {
    if (message.status === 'available') return undefined;
    return {
      state: 'unavailable',
      title: 'Analysis unavailable',
      detail: `${message.text} (no assistant since ${time(message.since)}, ${message.attempts} restart attempts)`,
    };
  }
  if (message.type === 'signal' && isSignalKind(message, 'analysis-gap')) {
    const { from, to, seconds } = message.values;
    return {
      state: 'resumed',
      title: 'Analysis resumed',
      detail: `Nothing was analysed from ${time(from)} to ${time(to)} (${seconds} s); signals and hints of that stretch are missing.`,
    };
  }
  return undefined;
}

/**
 * A notice above the assistant panel (`data-testid="analysis-status"`, `data-state`): hidden while analysis runs,
 * "Analysis unavailable" when no assistant could be started for the room (from the token server's message or the
 * room metadata, so a late joiner sees it too), "Analysis resumed" naming the gap after a restart.
 */
export class AnalysisStatusBanner {
  readonly element = h('div', {
    className: 'analysis-status',
    testid: 'analysis-status',
    hidden: true,
    attrs: { role: 'status', 'data-state': 'ok' },
  });

  /** Follows the analysis status kept in the room metadata. */
  attach(room: Room): void {
    const fromMetadata = () => {
      const status = analysisStatusFromRoomMetadata(room.metadata);
      if (status) this.update(status);
    };
    room.on(RoomEvent.RoomMetadataChanged, fromMetadata);
    room.on(RoomEvent.Connected, fromMetadata);
    fromMetadata();
  }

  /** Shows what `message` says about the analysis; other messages change nothing. */
  update(message: AgentMessage | AnalysisStatusMessage): void {
    const available = message.type === 'analysis-status' && message.status === 'available';
    const notice = analysisNotice(message);
    if (!notice && !available) return;
    this.element.hidden = !notice;
    this.element.dataset.state = notice?.state ?? 'ok';
    this.element.replaceChildren(...(notice ? [h('strong', {}, notice.title), ' ', notice.detail] : []));
  }
}
