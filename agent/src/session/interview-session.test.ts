import {
  AGENT_CANDIDATE_ATTRIBUTE,
  AGENT_STATE_ATTRIBUTE,
  DISCLOSURE,
  PROTOCOL_VERSION,
  type SignalMessage,
} from '@interview-helper/protocol';
import type { RemoteTrack } from '@livekit/rtc-node';
import { TrackKind, TrackSource } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { chunks, concat, espeak, silence } from '../../../test/fixtures/audio.js';
import type { Pcm16 } from '../../../test/fixtures/wav.js';
import { VadAnalyser } from '../audio/vad.js';
import type { SessionEvent } from '../bus/session-bus.js';
import { FakeRoom, until } from '../messaging/testing.js';
import type { SessionContext, SessionExtension } from './extension.js';
import { InterviewSession } from './interview-session.js';
import type { SessionRecorder } from './recorder-types.js';

const mic = { kind: TrackKind.KIND_AUDIO, source: TrackSource.SOURCE_MICROPHONE };
const consent = {
  v: PROTOCOL_VERSION,
  type: 'consent',
  granted: true,
  disclosureVersion: DISCLOSURE.version,
  groups: ['voice', 'camera'],
};

/** Records what the session stores. */
function recorder() {
  const stored: SignalMessage[] = [];
  const presence: string[] = [];
  let closed = false;
  const r: SessionRecorder = {
    presence: async (e) => void presence.push(`${e.joined ? '+' : '-'}${e.identity}`),
    signals: async (batch) => void stored.push(...batch),
    hintFeedback: async () => false,
    close: async () => {
      closed = true;
    },
  };
  return { r, stored, presence, closed: () => closed };
}

/** An extension that keeps every bus event it sees (audio chunks counted per track). */
class Listening implements SessionExtension {
  readonly name = 'listening';
  events: SessionEvent[] = [];
  chunks = new Map<string, number>();
  ctx?: SessionContext;
  closedAfterTracks = false;
  start(ctx: SessionContext): void {
    this.ctx = ctx;
    for (const type of [
      'track-start',
      'track-end',
      'speech-start',
      'speech-end',
      'answer-end',
      'signal',
      'client-message',
    ] as const)
      ctx.bus.on(type, (e) => void this.events.push(e));
    ctx.bus.on('audio', (e) =>
      this.chunks.set(e.speaker.trackSid, (this.chunks.get(e.speaker.trackSid) ?? 0) + 1),
    );
  }
  close(): void {
    this.closedAfterTracks = this.events.filter((e) => e.type === 'track-end').length === 2;
  }
}

describe('InterviewSession', () => {
  it('decodes each participant’s microphone once and shares it: analysers, turn model, bus and interviewers', async () => {
    const fake = new FakeRoom();
    const rec = recorder();
    const ext = new Listening();
    const answer = espeak('I would start with a hash map and then measure it.');
    const audio = new Map<string, Pcm16>();
    const decoded: string[] = [];
    const session = new InterviewSession({
      sessionId: 'ses_1',
      room: fake.room,
      analysers: [() => new VadAnalyser()],
      recorder: rec.r,
      extensions: [() => ext],
      turns: { longPauseSeconds: 2 },
      statsIntervalMs: 60_000,
      decodeAudio: (track: RemoteTrack) => {
        decoded.push(track.sid as string);
        return chunks(audio.get(track.sid as string) ?? silence(1), Date.now());
      },
    });
    const ivy = fake.join('ivy', 'interviewer');
    await session.start();
    expect(fake.attributes[AGENT_STATE_ATTRIBUTE]).toBe('waiting-for-candidate');
    const ivyMic = fake.publish(ivy, mic.kind, mic.source);
    audio.set(ivyMic.sid, concat(silence(0.2), espeak('Tell me about a project.'), silence(0.5)));
    const cam = fake.join('cam', 'candidate');
    const camMic = fake.publish(cam, mic.kind, mic.source);
    fake.sendPacket('cam', JSON.stringify(consent));
    audio.set(camMic.sid, concat(silence(0.5), answer, silence(3), answer, silence(0.5)));
    await until('the candidate analysed', () =>
      fake.attributes[AGENT_CANDIDATE_ATTRIBUTE] === 'cam' ? true : undefined,
    );
    expect(session.state).toBe('analysing');
    await until('both tracks decoded to the end', () =>
      ext.events.filter((e) => e.type === 'track-end').length === 2 ? true : undefined,
    );
    // One decode per track, and every chunk of both on the bus.
    expect(decoded.sort()).toEqual([camMic.sid, ivyMic.sid].sort());
    expect(ext.chunks.get(camMic.sid)).toBeGreaterThan(700);
    expect(ext.chunks.get(ivyMic.sid)).toBeGreaterThan(100);
    const speakers = new Set(ext.events.filter((e) => e.type === 'speech-start').map((e) => e.speaker.role));
    expect(speakers).toEqual(new Set(['candidate', 'interviewer']));

    fake.sendPacket('ivy', JSON.stringify({ v: PROTOCOL_VERSION, type: 'settings', detail: 'verbose' }));
    await until('the client message on the bus', () => ext.events.find((e) => e.type === 'client-message'));
    await session.close();
    expect(ext.closedAfterTracks).toBe(true);
    expect(rec.closed()).toBe(true);

    // The candidate's analyser and the turn model, each once, published to the interviewer and stored.
    const kinds = (list: { kind: string }[]) => list.map((s) => s.kind);
    const segments = rec.stored.filter((s) => s.kind === 'speech-segment');
    expect(segments.length).toBeGreaterThanOrEqual(2);
    expect(segments.every((s) => s.analyser === 'vad')).toBe(true);
    const pauses = rec.stored.filter((s) => s.kind === 'long-pause' && s.values.phase === 'start');
    expect(pauses).toHaveLength(1);
    expect(pauses[0]).toMatchObject({ analyser: 'turns', values: { after: 'speech', thresholdSeconds: 2 } });
    expect(kinds(rec.stored)).toContain('answer-end');
    const published = fake.agentMessages();
    expect(published.every((m) => JSON.stringify(m.to) === '["ivy"]')).toBe(true);
    const publishedIds = new Set(published.map((m) => m.message.id));
    for (const s of rec.stored) expect(publishedIds.has(s.id)).toBe(true);
    expect(ext.events.filter((e) => e.type === 'signal')).toHaveLength(rec.stored.length);
    expect(rec.presence).toEqual(['+ivy', '+cam']);
  }, 60_000);

  it('an extension that throws never stops the session or the other extensions', async () => {
    const fake = new FakeRoom();
    const rec = recorder();
    const ok = new Listening();
    const broken: SessionExtension = {
      name: 'broken',
      start: (ctx) => {
        ctx.bus.on('client-message', () => {
          throw new Error('boom');
        });
        throw new Error('start failed');
      },
      close: () => {
        throw new Error('close failed');
      },
    };
    const session = new InterviewSession({
      sessionId: 'ses_2',
      room: fake.room,
      analysers: [],
      recorder: rec.r,
      extensions: [() => broken, () => ok],
      statsIntervalMs: 60_000,
      interviewerAudio: false,
      requireConsent: false,
    });
    fake.join('ivy', 'interviewer');
    await session.start();
    fake.sendPacket('ivy', JSON.stringify({ v: PROTOCOL_VERSION, type: 'settings', detail: 'minimal' }));
    await until('the healthy extension got the message', () =>
      ok.events.find((e) => e.type === 'client-message'),
    );
    ok.ctx?.emitSignal(
      {
        kind: 'code-update',
        range: { start: 1, end: 1 },
        values: { revision: 1, language: 'javascript', bytes: 1, lines: 1 },
        confidence: 1,
        summary: 'x',
      },
      { analyser: 'code-pad', media: 'code' },
    );
    await session.close();
    expect(rec.stored.map((s) => s.kind)).toEqual(['code-update']);
  });
});
