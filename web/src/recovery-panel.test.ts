import {
  type AnalysisStatusMessage,
  analysisStatusFromRoomMetadata,
  decodeAgentMessage,
  encodeAgentMessage,
  exampleSignal,
  PROTOCOL_VERSION,
  withAnalysisStatus,
} from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { analysisNotice } from './recovery-panel.js';

const unavailable: AnalysisStatusMessage = {
  v: PROTOCOL_VERSION,
  type: 'analysis-status',
  sessionId: 'session-1',
  status: 'unavailable',
  reason: 'no-agent',
  attempts: 4,
  since: 1763700000000,
  at: 1763700050000,
  text: 'Analysis unavailable: no analysis agent could join this interview.',
};

/** As the interviewer's client receives it: encoded by the sender, validated on decoding. */
const received = (m: Parameters<typeof encodeAgentMessage>[0]) => {
  const decoded = decodeAgentMessage(encodeAgentMessage(m).bytes);
  if (!decoded.ok) throw new Error(decoded.error.detail);
  return decoded.message;
};

describe('analysis status notice', () => {
  it('says analysis is unavailable, with the server text and the attempts', () => {
    const notice = analysisNotice(received(unavailable));
    expect(notice).toMatchObject({ state: 'unavailable', title: 'Analysis unavailable' });
    expect(notice?.detail).toContain('no analysis agent could join');
    expect(notice?.detail).toContain('4 restart attempts');
  });

  it('names the gap of a resumed session, and says nothing for available or other messages', () => {
    const gap = received(exampleSignal('analysis-gap', { seconds: 7.5 }));
    expect(analysisNotice(gap)).toMatchObject({ state: 'resumed', title: 'Analysis resumed' });
    expect(analysisNotice(gap)?.detail).toContain('(7.5 s)');
    expect(analysisNotice(received({ ...unavailable, status: 'available' }))).toBeUndefined();
    expect(analysisNotice(received(exampleSignal('audio-level')))).toBeUndefined();
  });

  it('reads the status kept in the room metadata, keeping other keys and ignoring foreign metadata', () => {
    const metadata = withAnalysisStatus(JSON.stringify({ other: 1 }), unavailable);
    expect(JSON.parse(metadata).other).toBe(1);
    expect(analysisStatusFromRoomMetadata(metadata)).toEqual(unavailable);
    expect(analysisStatusFromRoomMetadata('not json')).toBeUndefined();
    expect(
      analysisStatusFromRoomMetadata(JSON.stringify({ 'interview-helper.analysis': { v: 1 } })),
    ).toBeUndefined();
    expect(analysisStatusFromRoomMetadata(withAnalysisStatus('not json', unavailable))).toEqual(unavailable);
  });
});
