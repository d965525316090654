import type { SignalMessage } from '@interview-helper/protocol';
import type { RemoteTrack } from '@livekit/rtc-node';
import { TrackKind, TrackSource } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { chunks, concat, espeak, silence } from '../../../test/fixtures/audio.js';
import { VadAnalyser } from '../audio/vad.js';
import { FakeRoom, until } from '../messaging/testing.js';
import type { SessionContext, SessionExtension } from '../session/extension.js';
import { InterviewSession } from '../session/interview-session.js';
import type { SessionRecorder } from '../session/recorder-types.js';
import { AnalysisGapExtension } from './gap-extension.js';
import type { ResumedSession } from './resume.js';

/** Counts the tracks the session finished decoding. */
class TrackEnds implements SessionExtension {
  readonly name = 'track-ends';
  ended = 0;
  start(ctx: SessionContext): void {
    ctx.bus.on('track-end', () => void this.ended++);
  }
}

const resumed: ResumedSession = {
  sessionId: 'ses_1',
  gapFrom: 1_763_700_000_000,
  gapTo: 1_763_700_006_500,
  progress: { signals: 40, lastSignalAt: 1_763_700_000_000, answers: 2, hints: [] },
  optOutGroups: ['voice'],
  codeRevision: 3,
};

describe('a resumed session', () => {
  it('sends the interviewers one analysis-gap signal and keeps the candidate opt-out of the previous job', async () => {
    const fake = new FakeRoom();
    const stored: SignalMessage[] = [];
    const recorder: SessionRecorder = {
      presence: async () => {},
      signals: async (batch) => void stored.push(...batch),
      hintFeedback: async () => false,
      settings: async () => ({ allowOptOut: true }),
      close: async () => {},
    };
    const ends = new TrackEnds();
    const session = new InterviewSession({
      sessionId: 'ses_1',
      room: fake.room,
      analysers: [() => new VadAnalyser()],
      recorder,
      extensions: [() => ends, () => new AnalysisGapExtension(resumed)],
      restore: { optOutGroups: resumed.optOutGroups },
      requireConsent: false,
      interviewerAudio: false,
      statsIntervalMs: 60_000,
      decodeAudio: (_track: RemoteTrack) =>
        chunks(concat(silence(0.3), espeak('I would use a queue.'), silence(0.5)), Date.now()),
    });
    fake.join('ivy', 'interviewer');
    await session.start();
    const cam = fake.join('cam', 'candidate');
    fake.publish(cam, TrackKind.KIND_AUDIO, TrackSource.SOURCE_MICROPHONE);
    await until('the candidate microphone decoded to the end', () => (ends.ended === 1 ? true : undefined));
    await session.close();

    const gaps = fake
      .agentMessages()
      .filter((m) => m.message.type === 'signal' && m.message.kind === 'analysis-gap');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]?.to).toEqual(['ivy']);
    expect(gaps[0]?.message).toMatchObject({
      sessionId: 'ses_1',
      analyser: 'session',
      range: { start: resumed.gapFrom, end: resumed.gapTo },
      values: { seconds: 6.5, signalsBefore: 40, answersBefore: 2, codeRevision: 3, optOutGroups: 'voice' },
    });
    expect(stored.filter((s) => s.kind === 'analysis-gap')).toHaveLength(1);
    // The voice group stays off: the candidate's speech was decoded, and no voice signal was published or stored.
    expect(stored.filter((s) => s.analyser === 'vad')).toEqual([]);
  }, 60_000);
});
