import {
  type ClientMessage,
  encodeClientMessage,
  OPT_OUT_GROUPS,
  PROTOCOL_VERSION,
  type SignalMessage,
  TOPICS,
} from '@interview-helper/protocol';
import { openDatabase, schema } from '@interview-helper/storage';
import type { Room } from '@livekit/rtc-node';
import { and, eq, gt, inArray, lt, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CreatedSession, signalsOf, type TestParticipant, waitFor } from './clients/participant.js';
import { SPEECH_WAV, startInterview, waitForSignals } from './harness/interview.js';
import { type Stack, startStack } from './harness/stack.js';

const VOICE: readonly string[] = OPT_OUT_GROUPS.voice.analysers;

async function send(room: Room, message: ClientMessage): Promise<void> {
  const encoded = encodeClientMessage(message);
  await room.localParticipant?.publishData(encoded.bytes, { reliable: true, topic: TOPICS.CLIENT_TO_AGENT });
}

const signals = (p: TestParticipant) => p.messages.filter((m): m is SignalMessage => m.type === 'signal');
/** Signals that started after `at` (so were produced after the agent applied a choice made at `at`). */
const voiceAfter = (p: TestParticipant, at: number) =>
  signals(p).filter((s) => VOICE.includes(s.analyser) && s.range.start > at);
/**
 * Voice signals that reached `p` after `notice`: the agent filters what it sends from the moment it applies a choice,
 * and sends the notice then. (Media times may run ahead of the agent's wall clock by however late it read a track's
 * first frame, so a signal sent just before the notice can be dated just after it: arrival order is the contract.)
 */
const voiceSentAfter = (p: TestParticipant, notice: SignalMessage) => {
  const all = signals(p);
  return all.slice(all.indexOf(notice) + 1).filter((s) => VOICE.includes(s.analyser));
};

describe('candidate opt-out', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function interview(allowOptOut: boolean) {
    const started = await startInterview<CreatedSession & { session: { allowOptOut: boolean } }>(stack, {
      session: { title: 'opt-out e2e', ...(allowOptOut ? { allowOptOut } : {}) },
      interviewerName: 'Ivy',
      candidateName: 'Cam',
      camera: { fps: 10 },
      microphone: { wav: SPEECH_WAV },
    });
    const { created: session, interviewer, candidate } = started;
    expect(session.session.allowOptOut).toBe(allowOptOut);
    // the agent's job starts when the room opens: up to 120 s on a loaded machine, as elsewhere
    await waitForSignals(interviewer, ['audio-level', 'video-frames'], 120_000);
    return { session, interviewer, candidate, stop: started.end };
  }

  it('drops the opted-out group (published and stored), tells the interviewer, and switches back on', async () => {
    const { session, interviewer, candidate, stop } = await interview(true);
    // An interviewer cannot opt the candidate out.
    await send(interviewer.room, { v: PROTOCOL_VERSION, type: 'opt-out', groups: ['voice'] });
    await send(candidate.room, { v: PROTOCOL_VERSION, type: 'opt-out', groups: ['voice'] });
    const notice = await waitFor('the opt-out notice', () => signalsOf(interviewer, 'opt-out')[0]);
    expect(notice).toMatchObject({ analyser: 'session', values: { groups: 'voice', count: 1 } });
    expect(notice.summary).toMatch(/switched off voice delivery/);
    const framesBefore = signalsOf(interviewer, 'video-frames').length;
    // Let the analysis run on for 5 s of media after the notice, measured by the agent's own camera signals (a
    // loaded machine waits longer rather than looking too early), then look for voice signals.
    await waitFor('5 s of camera analysis after the opt-out', () =>
      signalsOf(interviewer, 'video-frames').find((s) => s.range.start > notice.range.end + 5000),
    );
    expect(voiceSentAfter(interviewer, notice)).toEqual([]);
    const sentBefore = new Set(
      signals(interviewer)
        .slice(0, signals(interviewer).indexOf(notice))
        .map((s) => s.id),
    );
    expect(signalsOf(interviewer, 'video-frames').length).toBeGreaterThan(framesBefore);
    expect(signalsOf(interviewer, 'opt-out')).toHaveLength(1);
    // the agent's log comes through a pipe, apart from the data messages: wait for the line rather than read it once
    await waitFor('the agent to log the refused opt-out', () =>
      /opt-out messages come from the candidate only/.test(stack.agent.output()) ? true : undefined,
    );

    await send(candidate.room, { v: PROTOCOL_VERSION, type: 'opt-out', groups: [] });
    const back = await waitFor('the opt-in notice', () => signalsOf(interviewer, 'opt-out')[1]);
    expect(back.values).toMatchObject({ groups: '', count: 0 });
    await waitFor('audio-level signals again', () =>
      voiceAfter(interviewer, back.range.end).find((s) => s.analyser === 'audio-level'),
    );
    expect(candidate.messages).toHaveLength(0);
    await stop();

    const db = await openDatabase({ url: stack.databaseUrl });
    try {
      const voice = and(
        eq(schema.signals.sessionId, session.session.id),
        inArray(schema.signals.analyser, [...VOICE]),
      );
      const ids = async (...more: SQL[]) =>
        (
          await db.db
            .select({ id: schema.signals.id })
            .from(schema.signals)
            .where(and(voice, ...more))
        ).map((r) => r.id);
      // Voice signals are stored before and after the opt-out, none made while it was on: any dated inside it was
      // sent before the notice.
      expect((await ids()).length).toBeGreaterThan(0);
      const inside = await ids(
        gt(schema.signals.rangeStart, new Date(notice.range.end)),
        lt(schema.signals.rangeEnd, new Date(back.range.start)),
      );
      expect(inside.filter((id) => !sentBefore.has(id))).toEqual([]);
    } finally {
      await db.close();
    }
  }, 240_000);

  it('ignores the opt-out in a session that does not allow it', async () => {
    const { interviewer, candidate, stop } = await interview(false);
    const at = Date.now();
    await send(candidate.room, { v: PROTOCOL_VERSION, type: 'opt-out', groups: ['voice', 'camera'] });
    await waitFor('the agent to drop the opt-out', () =>
      /opt-out ignored: this session does not allow it/.test(stack.agent.output()) ? true : undefined,
    );
    await waitFor('audio-level signals after the opt-out', () =>
      voiceAfter(interviewer, at + 500).find((s) => s.analyser === 'audio-level'),
    );
    expect(signalsOf(interviewer, 'opt-out')).toEqual([]);
    await stop();
  }, 240_000);
});
