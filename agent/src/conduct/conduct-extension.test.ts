import { type ConductMessage, decodeAgentMessage, TOPICS } from '@interview-helper/protocol';
import { ConductStore } from '@interview-helper/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnthropicStandIn, startAnthropicStandIn } from '../../../test/anthropic-stand-in/server.js';
import { SessionBus, type Speaker } from '../bus/session-bus.js';
import { InterviewerPublisher } from '../messaging/publisher.js';
import { FakeRoom, until } from '../messaging/testing.js';
import type { SessionContext } from '../session/extension.js';
import { type BoundRecorder, openRecorder } from '../session/recorder.js';
import { ClaudeConductReviewer, REVIEW_TOOL } from './claude-review.js';
import { ConductExtension } from './conduct-extension.js';

const cam: Speaker = { identity: 'cam', role: 'candidate', trackSid: 'TR_c' };
const ivy: Speaker = { identity: 'ivy', role: 'interviewer', trackSid: 'TR_i' };
const ola: Speaker = { identity: 'ola', role: 'interviewer', trackSid: 'TR_o' };

function session(rec: BoundRecorder) {
  const fake = new FakeRoom();
  fake.join('ivy', 'interviewer');
  fake.join('ola', 'interviewer');
  fake.join('cam', 'candidate');
  const bus = new SessionBus((err) => {
    throw err;
  });
  const ctx: SessionContext = {
    sessionId: rec.sessionId,
    room: fake.room,
    publisher: new InterviewerPublisher(fake.room),
    recorder: rec,
    bus,
    turns: { watchPause: () => () => {} },
    candidate: () => 'cam',
    emitSignal: () => {
      throw new Error('not used');
    },
  };
  const notes = () =>
    fake.sent
      .filter((s) => s.topic === TOPICS.AGENT_TO_INTERVIEWERS)
      .map((s) => {
        const r = decodeAgentMessage(s.text);
        if (!r.ok || r.message.type !== 'conduct') throw new Error(`not a conduct note: ${s.text}`);
        return { note: r.message as ConductMessage, to: s.to };
      });
  let n = 0;
  const say = (speaker: Speaker, text: string, end: number) =>
    bus.emit({
      type: 'transcript',
      segment: { id: `seg_${++n}`, speaker, text, start: end - 2000, end, status: 'ok' },
    });
  const speech = (speaker: Speaker, start: number, end: number) => {
    bus.emit({ type: 'speech-start', speaker, at: start });
    bus.emit({ type: 'speech-end', speaker, start, end });
  };
  return { fake, bus, ctx, notes, say, speech };
}

describe('ConductExtension', () => {
  let rec: BoundRecorder;
  let standIn: AnthropicStandIn;
  beforeAll(async () => {
    rec = await openRecorder({ roomName: 'conduct-room' });
    standIn = await startAnthropicStandIn({
      toolInputs: {
        [REVIEW_TOOL.name]: (body) => {
          const question = JSON.parse((body.messages as { content: string }[])[0]?.content ?? '{}').question;
          return /weekend/i.test(question)
            ? {
                protectedTopic: 'religion',
                leading: false,
                closed: true,
                observation: 'The question asks which days the candidate keeps free for worship.',
                rephrase: 'The role includes an on-call weekend each month; can you meet that schedule?',
              }
            : {
                protectedTopic: 'none',
                leading: false,
                closed: false,
                observation: 'Open question.',
                rephrase: '',
              };
        },
      },
    });
  });
  afterAll(async () => {
    await standIn?.close();
    await rec?.close();
  });

  it('warns the interviewer who asked a protected-topic question, only them, and stores it', async () => {
    const s = session(rec);
    const conduct = new ConductExtension({ now: () => 10_500 });
    conduct.start(s.ctx);
    s.say(ivy, 'Thanks. How would you design the cache?', 5000);
    s.say(ola, 'Are you planning to have children soon?', 10_000);
    s.say(cam, 'I would rather talk about the cache.', 12_000);
    await conduct.flush();
    const got = s.notes();
    expect(got).toHaveLength(1);
    expect(got[0]?.to).toEqual(['ola']);
    expect(got[0]?.note).toMatchObject({
      kind: 'protected-topic',
      topic: 'family',
      interviewer: 'ola',
      severity: 'warning',
      source: 'rules',
      at: 10_000,
      quote: 'Are you planning to have children soon?',
    });
    expect(got[0]?.note.rephrase).toMatch(/schedule/);
    // the session's writes are queued; they reach the database right after
    expect(await rec.writes?.drain(10_000)).toBe(true);
    const stored = await new ConductStore(rec.database as NonNullable<typeof rec.database>).list(
      rec.sessionId,
    );
    expect(stored.map((r) => [r.interviewerIdentity, r.kind, r.sessionId])).toEqual([
      ['ola', 'protected-topic', rec.sessionId],
    ]);
    expect(stored[0]?.deliveredAt).not.toBeNull();
    await conduct.close();
  });

  it('notes a run of closed questions and a leading question, each to its own interviewer', async () => {
    const s = session(rec);
    const conduct = new ConductExtension();
    conduct.start(s.ctx);
    s.say(ivy, 'Did you use a cache?', 1000);
    s.say(ivy, 'Was it Redis?', 5000);
    s.say(ola, "Don't you think a hash map would be faster here?", 8000);
    await conduct.flush();
    const got = s.notes().map((x) => [x.note.kind, x.to?.join()]);
    expect(got).toEqual([
      ['closed-question', 'ivy'],
      ['leading-question', 'ola'],
    ]);
    expect(s.notes()[0]?.note.text).toBe('2 of your last 2 questions can be answered with yes or no.');
    await conduct.close();
  });

  it('measures talk share, cutting in and monologues per interviewer from their own voice activity', async () => {
    const s = session(rec);
    const conduct = new ConductExtension({ talk: { minTalkSeconds: 60, monologueSeconds: 30 } });
    conduct.start(s.ctx);
    s.speech(cam, 0, 20_000);
    // ivy talks for 70 s in one turn (a monologue, and most of the talk time)
    s.speech(ivy, 21_000, 56_000);
    s.speech(ivy, 57_000, 91_000);
    // the candidate speaks; ola cuts in after 3 s and the candidate stops 1 s later
    s.bus.emit({ type: 'speech-start', speaker: cam, at: 95_000 });
    s.bus.emit({ type: 'speech-start', speaker: ola, at: 98_000 });
    s.bus.emit({ type: 'speech-end', speaker: cam, start: 95_000, end: 99_000 });
    s.bus.emit({ type: 'speech-end', speaker: ola, start: 98_000, end: 103_000 });
    // a short backchannel from ivy while the candidate speaks is not cutting in
    s.bus.emit({ type: 'speech-start', speaker: cam, at: 104_000 });
    s.bus.emit({ type: 'speech-start', speaker: ivy, at: 106_000 });
    s.bus.emit({ type: 'speech-end', speaker: ivy, start: 106_000, end: 106_400 });
    s.bus.emit({ type: 'speech-end', speaker: cam, start: 104_000, end: 107_000 });
    await conduct.flush();
    const got = s.notes().map((x) => [x.note.kind, x.to?.join(), x.note.values]);
    expect(got).toEqual([
      ['monologue', 'ivy', { seconds: 35 }],
      ['talk-share', 'ivy', { share: 0.775, seconds: 69, totalSeconds: 89 }],
      ['interruption', 'ola', { candidateSeconds: 3, yieldedAfterMs: 1000, count: 1 }],
    ]);
    for (const x of s.notes()) expect(x.note.text).not.toMatch(/nervous|confident|rude|aggressive/i);
    await conduct.close();
  });

  it('adds what Claude finds (stand-in; plumbing only) to the rule lexicon, to the asking interviewer only', async () => {
    const s = session(rec);
    const llm = new ClaudeConductReviewer({
      apiKey: 'k',
      baseURL: standIn.baseURL,
      model: 'claude-stand-in',
    });
    const conduct = new ConductExtension({ llm });
    conduct.start(s.ctx);
    s.say(ivy, 'Which weekend days do you usually keep free?', 3000);
    await until('the review', () => (s.notes().length > 0 ? true : undefined));
    await conduct.flush();
    const [only, ...rest] = s.notes();
    expect(rest).toHaveLength(0);
    expect(only?.to).toEqual(['ivy']);
    expect(only?.note).toMatchObject({ kind: 'protected-topic', topic: 'religion', source: 'llm' });
    const req = standIn.requests.at(-1)?.body as {
      tool_choice: { name: string };
      system: { cache_control: unknown }[];
    };
    expect(req.tool_choice.name).toBe('review_question');
    expect(req.system[0]?.cache_control).toEqual({ type: 'ephemeral' });
    await conduct.close();
  });

  it('never sends a note to an interviewer who left, nor to a candidate', async () => {
    const s = session(rec);
    const conduct = new ConductExtension();
    conduct.start(s.ctx);
    s.fake.leave('ola');
    s.say(ola, 'How old are you?', 2000);
    // a mislabelled speaker: the candidate's identity with the interviewer role gets nothing either
    s.say({ ...cam, role: 'interviewer' }, 'Are you married?', 3000);
    await conduct.flush();
    expect(s.notes()).toEqual([]);
    await conduct.close();
  });
});
