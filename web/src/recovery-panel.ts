import {
  type AgentMessage,
  type AnalysisStatusMessage,
  AUDIO_GAP_WORDS,
  analysisStatusFromRoomMetadata,
  isSignalKind,
  type StorageStatus,
} from '@interview-helper/protocol';
import { type Room, RoomEvent } from 'livekit-client';
import { StatusNotice } from './status-notice.js';

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
export class AnalysisStatusBanner extends StatusNotice {
  constructor() {
    super('analysis-status');
  }

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
    this.show(notice);
  }
}

/** What the interviewer is told about the session's records (the agent's storage), or nothing while it is well. */
export interface StorageNotice {
  state: 'retrying' | 'full' | 'recovering' | 'recovered';
  title: string;
  detail: string;
}

const records = (n: number) => `${n} ${n === 1 ? 'record' : 'records'}`;
const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
const lost = (dropped: number) =>
  dropped > 0 ? ` ${records(dropped)} could not be kept and are lost.` : ' None lost so far.';

/**
 * The notice for the agent's storage status (the `storage` of its `stats` messages). `degraded` says whether this
 * interviewer saw storage degraded earlier in the session: the records still waiting once the database is back are
 * then announced as being written. Undefined while the records reach the database and no outage happened.
 */
export function storageNotice(
  status: StorageStatus | undefined,
  degraded = false,
): StorageNotice | undefined {
  if (!status) return undefined;
  const { pendingRows, spilledRows, droppedRows } = status;
  if (status.state === 'retrying')
    return {
      state: 'retrying',
      title: 'Storage unavailable',
      detail: `The database cannot be reached since ${time(status.since)}: ${records(pendingRows)} wait in the assistant's memory and are written in order when it is back. Analysis and hints go on.${lost(droppedRows)}`,
    };
  if (status.state === 'full')
    return {
      state: 'full',
      title: droppedRows > 0 ? 'Storage buffer full: records dropped' : 'Storage buffer full',
      detail: `The database cannot be reached and the memory buffer (${records(status.maxRows)}) is full since ${time(status.since)}: ${records(pendingRows)} waiting, ${spilledRows} of them on the assistant's disk.${lost(droppedRows)}`,
    };
  if (degraded && pendingRows > 0)
    return {
      state: 'recovering',
      title: 'Storage reachable again',
      detail: `The database is back: ${records(pendingRows)} kept during the outage are being written.${lost(droppedRows)}`,
    };
  const last = status.lastRecovery;
  if (!last) return undefined;
  return {
    state: 'recovered',
    title: 'Storage recovered',
    detail: `The database was unreachable for ${seconds(last.outageMs)}; the ${records(last.rows)} kept meanwhile were written in ${seconds(last.flushMs)}.${droppedRows > 0 ? ` ${records(droppedRows)} could not be kept and are lost.` : ' Nothing was lost.'}`,
  };
}

/** What to show after a message about storage, and whether storage counts as degraded from then on. */
export interface StorageUpdate {
  notice: StorageNotice | undefined;
  degraded: boolean;
}

/**
 * Follows one agent message: the `storage` of its `stats` messages, and its `storage-degraded` episodes (whose end
 * comes before the next stats). `degraded` is what the previous update returned. Undefined for a message that says
 * nothing about storage.
 */
export function storageUpdate(message: AgentMessage, degraded: boolean): StorageUpdate | undefined {
  if (message.type === 'stats' && message.storage) {
    const notice = storageNotice(message.storage, degraded);
    return { notice, degraded: notice !== undefined && notice.state !== 'recovered' };
  }
  if (message.type !== 'signal' || !isSignalKind(message, 'storage-degraded')) return undefined;
  const v = message.values;
  if (v.phase !== 'end') {
    const status = {
      ...v,
      state: 'full' as const,
      since: message.range.start,
      appliedRows: 0,
      rejectedRows: 0,
    };
    return { notice: storageNotice(status), degraded: true };
  }
  return {
    notice: {
      state: 'recovering',
      title: 'Storage reachable again',
      detail: `The database is back after ${seconds(v.durationMs)}: the records kept during the outage are being written.${lost(v.droppedRows)}`,
    },
    degraded: true,
  };
}

/**
 * A line in the assistant panel (`data-testid="storage-status"`, `data-state`) on the session's records: hidden
 * while they reach the database, else says the database is unreachable (records buffered), the buffer is full
 * (records on disk, or dropped), the buffered records are being written, or storage recovered after an outage
 * (see {@link storageUpdate}).
 */
export class StorageStatusLine extends StatusNotice {
  #degraded = false;

  constructor() {
    super('storage-status');
  }

  /** Shows what `message` says about storage; other messages change nothing. */
  update(message: AgentMessage): void {
    const next = storageUpdate(message, this.#degraded);
    if (!next) return;
    this.#degraded = next.degraded;
    this.show(next.notice);
  }
}

/** What the interviewer is told about audio the assistant did not analyse, or nothing while there was none. */
export interface AudioGapNotice {
  state: 'gaps';
  title: string;
  detail: string;
}

/** Audio not analysed in the session so far, per speaker role and reason (the latest `totalSeconds` of each). */
export type AudioGapTotals = ReadonlyMap<string, number>;

const { whose: WHOSE, why: WHY } = AUDIO_GAP_WORDS;

/**
 * Follows one agent message: for an `audio-gap` signal, the totals with it and the notice naming its stretch and
 * the candidate's total so far; undefined for other messages.
 */
export function audioGapUpdate(
  message: AgentMessage,
  totals: AudioGapTotals,
): { notice: AudioGapNotice; totals: AudioGapTotals } | undefined {
  if (message.type !== 'signal' || !isSignalKind(message, 'audio-gap')) return undefined;
  const v = message.values;
  const next = new Map(totals).set(`${v.speaker}/${v.reason}`, v.totalSeconds);
  const sum = (role: string) =>
    [...next].filter(([k]) => k.startsWith(`${role}/`)).reduce((a, [, s]) => a + s, 0);
  const candidate = Math.round(sum('candidate') * 10) / 10;
  const stretches = v.gaps === 1 ? '' : ` in ${v.gaps} stretches`;
  return {
    totals: next,
    notice: {
      state: 'gaps',
      title: 'Audio not fully analysed',
      detail: `${v.seconds} s of ${WHOSE[v.speaker]} audio${stretches} between ${time(message.range.start)} and ${time(message.range.end)} was not analysed (${WHY[v.reason]}); signals and hints of that stretch are missing, not zero. ${candidate} s of the candidate's audio in this interview so far.`,
    },
  };
}

/**
 * A line in the assistant panel (`data-testid="audio-gap-status"`, `data-state="gaps"`): hidden until audio of the
 * interview was not analysed, then names the latest stretch and the candidate's total (see {@link audioGapUpdate}).
 */
export class AudioGapLine extends StatusNotice {
  #totals: AudioGapTotals = new Map();

  constructor() {
    super('audio-gap-status');
  }

  /** Shows what `message` says about audio not analysed; other messages change nothing. */
  update(message: AgentMessage): void {
    const next = audioGapUpdate(message, this.#totals);
    if (!next) return;
    this.#totals = next.totals;
    this.show(next.notice);
  }
}
