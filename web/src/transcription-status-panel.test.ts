import {
  decodeAgentMessage,
  encodeAgentMessage,
  PROTOCOL_VERSION,
  type StatsMessage,
  type TranscriptionStatus,
} from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { transcriptionNotice } from './transcription-status-panel.js';

const recognizer = {
  at: 1000,
  queueDepth: 16,
  maxQueue: 16,
  maxQueueDepthSeen: 16,
  inFlight: 1,
  rssBytes: 290e6,
  peakRssBytes: 333e6,
  requests: { ok: 40, rejected: 7, expired: 0, failed: 0 },
};
const status = (s: Partial<TranscriptionStatus>): TranscriptionStatus => ({
  engine: 'local:whisper-base',
  state: 'ok',
  since: 1000,
  segments: { ok: 3, failed: 1, refused: 7 },
  recognizer,
  ...s,
});

/** The status as the interviewer's client receives it: inside a stats message, validated on decoding. */
function received(s: TranscriptionStatus): TranscriptionStatus | undefined {
  const message: StatsMessage = {
    v: PROTOCOL_VERSION,
    type: 'stats',
    sessionId: 'ses_1',
    at: 2000,
    candidate: 'cand',
    invalidSignals: 0,
    analysers: [],
    transcription: s,
  };
  const decoded = decodeAgentMessage(encodeAgentMessage(message).bytes);
  if (!decoded.ok || decoded.message.type !== 'stats') throw new Error('not decoded');
  return decoded.message.transcription;
}

describe('transcription status notice', () => {
  it('says nothing while the transcript keeps up, or when the agent sends no status', () => {
    expect(transcriptionNotice(received(status({ state: 'ok' })))).toBeUndefined();
    expect(transcriptionNotice(undefined)).toBeUndefined();
  });

  it('says the transcription is delayed while the recognizer is busy, with its queue', () => {
    const notice = transcriptionNotice(received(status({ state: 'delayed', reason: 'recognizer-busy' })));
    expect(notice?.state).toBe('delayed');
    expect(notice?.title).toBe('Transcription delayed: the recognizer is busy');
    expect(notice?.detail).toContain('7 requests refused, 1 sentences not transcribed');
    expect(notice?.detail).toContain('16 of 16 waiting');
  });

  it('says the transcription is interrupted while the recognizer does not answer', () => {
    const notice = transcriptionNotice(
      received(status({ state: 'interrupted', reason: 'recognizer-unreachable' })),
    );
    expect(notice).toMatchObject({
      state: 'interrupted',
      title: 'Transcription interrupted: the recognizer is not answering',
    });
    expect(notice?.detail).toContain('290 MB');
  });

  it('refuses a stats message whose transcription status is malformed', () => {
    const bad = JSON.stringify({
      v: PROTOCOL_VERSION,
      type: 'stats',
      sessionId: 'ses_1',
      at: 2000,
      candidate: null,
      analysers: [],
      transcription: { engine: 'local', state: 'busy', since: 1, segments: { ok: 0, failed: 0, refused: 0 } },
    });
    expect(decodeAgentMessage(bad).ok).toBe(false);
  });
});
