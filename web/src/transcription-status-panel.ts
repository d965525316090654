import type { TranscriptionStatus } from '@interview-helper/protocol';
import { StatusNotice } from './status-notice.js';

/** What the interviewer is told about the transcript, or nothing while it keeps up. */
export interface TranscriptionNotice {
  state: 'delayed' | 'interrupted';
  title: string;
  detail: string;
}

const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

/** The notice for the agent's transcription status (from its `stats` messages); undefined when all is well. */
export function transcriptionNotice(
  status: TranscriptionStatus | undefined,
): TranscriptionNotice | undefined {
  if (!status || status.state === 'ok') return undefined;
  const r = status.recognizer;
  const since = new Date(status.since).toLocaleTimeString();
  if (status.state === 'delayed') {
    const queue = r ? ` The recognizer's queue: ${r.queueDepth} of ${r.maxQueue} waiting.` : '';
    return {
      state: 'delayed',
      title: 'Transcription delayed: the recognizer is busy',
      detail: `Since ${since}, sentences arrive late or are missing from the transcript (${status.segments.refused} requests refused, ${status.segments.failed} sentences not transcribed).${queue}`,
    };
  }
  return {
    state: 'interrupted',
    title: 'Transcription interrupted: the recognizer is not answering',
    detail: `Since ${since}. Sentences are retried, and kept as not transcribed if it does not come back (${status.segments.failed} so far).${r ? ` Its memory: ${mb(r.rssBytes)}.` : ''}`,
  };
}

/**
 * A notice above the transcript (`data-testid="transcription-status"`, `data-state`): hidden while the transcript
 * keeps up, else says it is delayed or interrupted and why.
 */
export class TranscriptionStatusBanner extends StatusNotice {
  constructor() {
    super('transcription-status');
  }

  /** Shows the notice for `status`, or hides the banner while the transcript keeps up. */
  update(status: TranscriptionStatus | undefined): void {
    this.show(transcriptionNotice(status));
  }
}
