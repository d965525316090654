import {
  encodeClientMessage,
  type HintMessage,
  PROTOCOL_VERSION,
  type SignalMessage,
  TOPICS,
} from '@interview-helper/protocol';
import { InterviewStore, openDatabase } from '@interview-helper/storage';
import type { Room } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnthropicStandIn, startAnthropicStandIn } from '../anthropic-stand-in/server.js';
import { type CreatedSession, signalsOf, type TestParticipant, waitFor } from './clients/participant.js';
import { publishTalkThenPause } from './clients/talk-pause.js';
import { startInterview, until, waitForAnalysis } from './harness/interview.js';
import { type Stack, startStack } from './harness/stack.js';

const PAUSE_SECONDS = 3;
/** The candidate's microphone: cycles of real speech then digital silence (ms). */
const TALK = { speechMs: 4000, pauseMs: 5000 };
const TRIGGERS = JSON.stringify({
  'long-pause': { minSeconds: PAUSE_SECONDS },
  'answer-end': { enabled: false },
});

const hintsOf = (p: TestParticipant, kind?: string) =>
  p.messages.filter((m): m is HintMessage => m.type === 'hint' && (kind === undefined || m.kind === kind));
const signalById = (p: TestParticipant, id: string) =>
  p.messages.find((m): m is SignalMessage => m.type === 'signal' && m.id === id);

async function send(room: Room, message: Parameters<typeof encodeClientMessage>[0]): Promise<void> {
  const encoded = encodeClientMessage(message);
  if (encoded.transport === 'packet') {
    await room.localParticipant?.publishData(encoded.bytes, {
      reliable: true,
      topic: TOPICS.CLIENT_TO_AGENT,
    });
  } else {
    await room.localParticipant?.sendText(encoded.text, { topic: TOPICS.CLIENT_TO_AGENT });
  }
}

async function withStore<T>(stack: Stack, fn: (store: InterviewStore) => Promise<T>): Promise<T> {
  const db = await openDatabase({ url: stack.databaseUrl, migrate: false, maxConnections: 1 });
  try {
    return await fn(new InterviewStore(db.db));
  } finally {
    await db.close();
  }
}

/** An interviewer and a candidate in a new session, the agent analysing the candidate (no media yet). */
async function start(stack: Stack) {
  const interview = await startInterview(stack);
  await waitForAnalysis(stack, interview, 120_000); // the agent's job starts when the room opens: up to 120 s on a loaded machine, as elsewhere
  return interview;
}

/**
 * The hint rests on a long pause the microphone made, its trigger dated from that evidence. (Whether the silence is
 * the scripted pause is checked by {@link expectScriptedPause}, once the candidate has spoken again.)
 */
function expectGrounded(interviewer: TestParticipant, hint: HintMessage, silenceStarts: number[]): void {
  expect(hint.evidence.length).toBeGreaterThan(0);
  const evidence = signalById(interviewer, hint.evidence[0] as string);
  expect(evidence?.kind).toBe('long-pause');
  expect(evidence?.kind === 'long-pause' && evidence.values.silenceSeconds).toBeGreaterThanOrEqual(
    PAUSE_SECONDS,
  );
  // The trigger is dated at the moment the silence became long: the silence's start in the candidate's media plus
  // the threshold (not when the agent got round to it)…
  const silenceStart = evidence?.range.start ?? Number.NaN;
  expect(Math.abs((hint.triggerAt ?? 0) - (silenceStart + PAUSE_SECONDS * 1000))).toBeLessThanOrEqual(1);
  // …and the agent cannot hear a silence before the microphone made one: its clock only lags the source (1 s for a
  // cut in a gap between words).
  expect(
    silenceStarts.some((s) => s <= silenceStart + 1000),
    `silence at ${silenceStart}; source silences at ${silenceStarts.join(', ')}`,
  ).toBe(true);
}

/**
 * The hint's silence is a scripted pause: the candidate speaks again the pause's length after it began (the end of
 * its long-pause episode). Measured in the media time between the candidate's words (its wall-clock origin is the
 * track's estimated start, `TrackClock`), which moves only as far as the receiver's jitter buffer stretches or
 * squeezes it: 4960–5024 ms measured, 4480 ms
 * beside two busy loops. 1.5 s either way keeps the pause apart from the threshold (3 s) and from a speech chunk (4 s):
 * a silence dated from anything else, or one that missed the candidate's words, falls outside.
 */
async function expectScriptedPause(interviewer: TestParticipant, hint: HintMessage, silenceStarts: number[]) {
  const evidence = signalById(interviewer, hint.evidence[0] as string);
  if (evidence?.kind !== 'long-pause') throw new Error(`evidence of ${hint.id} is not a long pause`);
  const ended = await waitFor('the end of the long pause (the candidate speaking again)', () =>
    signalsOf(interviewer, 'long-pause').find(
      (s) => s.values.phase === 'end' && s.values.episodeId === evidence.values.episodeId,
    ),
  );
  expect(ended.range.start).toBe(evidence.range.start);
  const pauseMs = ended.range.end - ended.range.start;
  const source = Math.max(...silenceStarts.filter((s) => s <= evidence.range.start + 1000));
  console.log(
    `[measure] long pause ${pauseMs} ms in media time (scripted ${TALK.pauseMs} ms); its start ` +
      `${evidence.range.start - source} ms after the source's`,
  );
  expect(Math.abs(pauseMs - TALK.pauseMs)).toBeLessThanOrEqual(1500);
}

/** The hint says why it was given, and was sent inside its validity window with the silence counted then. */
function expectWhy(hint: HintMessage, source: string) {
  const why = hint.why;
  expect(why).toMatchObject({ trigger: 'long-pause', priority: 3, source, triggerAt: hint.triggerAt });
  expect(why?.thresholds.minSeconds).toBe(PAUSE_SECONDS);
  expect(why?.inputs[0]).toMatchObject({ id: hint.evidence[0], kind: 'long-pause' });
  expect(why?.sentAt).toBeGreaterThanOrEqual(why?.decidedAt ?? Number.POSITIVE_INFINITY);
  expect(why?.sentAt).toBeLessThanOrEqual(why?.validUntil ?? 0);
  expect(Number(why?.facts.seconds)).toBeGreaterThanOrEqual(PAUSE_SECONDS);
}

describe('hints without an LLM key: rule hints end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ agentEnv: { HINTS_TRIGGERS: TRIGGERS, HINTS_MIN_INTERVAL_MS: '1500' } });
  });
  afterAll(() => stack?.stop());

  it('a long pause after the candidate spoke gives the interviewer (only) a rule hint with its evidence; feedback, settings, code pad and report work', async () => {
    const { created, interviewer, candidate } = await start(stack);
    const mic = await publishTalkThenPause(candidate.room, TALK.speechMs, TALK.pauseMs);

    const first = await waitFor('a long-pause hint', () => hintsOf(interviewer, 'long-pause')[0], 90_000);
    const firstArrived = Date.now();
    expect(first).toMatchObject({ source: 'rules', detail: 'normal' });
    expect(first.text).toMatch(/has not spoken for \d/);
    expectGrounded(interviewer, first, mic.silenceStarts);
    expectWhy(first, 'rules');
    console.log(`[measure] rule hint trigger→interviewer ${firstArrived - (first.triggerAt ?? 0)} ms`);

    // The interviewer asks for minimal hints; the next pause comes at that level.
    await send(interviewer.room, { v: PROTOCOL_VERSION, type: 'settings', detail: 'minimal' });
    await send(interviewer.room, {
      v: PROTOCOL_VERSION,
      type: 'hint-feedback',
      hintId: first.id,
      useful: true,
    });
    await send(interviewer.room, {
      v: PROTOCOL_VERSION,
      type: 'hint-feedback',
      hintId: 'hint_no_such_hint',
      useful: false,
    });
    // Bad input from the candidate: interviewer-only types, an oversized code pad, then a real one.
    await send(candidate.room, {
      v: PROTOCOL_VERSION,
      type: 'hint-feedback',
      hintId: first.id,
      useful: false,
    });
    await candidate.room.localParticipant?.sendText(
      JSON.stringify({
        v: PROTOCOL_VERSION,
        type: 'code',
        revision: 1,
        language: 'js',
        text: 'x'.repeat(300 * 1024),
      }),
      { topic: TOPICS.CLIENT_TO_AGENT },
    );
    const code =
      'function last(xs) {\n  for (let i = 0; i <= xs.length; i++) {}\n  return xs[xs.length - 1];\n}\n';
    await send(candidate.room, {
      v: PROTOCOL_VERSION,
      type: 'code',
      revision: 2,
      language: 'javascript',
      text: code,
    });

    const review = await waitFor('a code-review hint', () => hintsOf(interviewer, 'code-review')[0], 60_000);
    expect(review).toMatchObject({ detail: 'minimal', source: 'rules' });
    expect(review.text).toBe('Code line 2: worth probing.');
    expect(signalById(interviewer, review.evidence[0] as string)?.kind).toBe('code-update');
    const second = await waitFor(
      'a second long-pause hint',
      () => hintsOf(interviewer, 'long-pause')[1],
      60_000,
    );
    expect(second).toMatchObject({ detail: 'minimal', source: 'rules' });
    expect(second.text).toMatch(/^No speech for \d/);
    expectGrounded(interviewer, second, mic.silenceStarts);
    for (const h of [first, second]) await expectScriptedPause(interviewer, h, mic.silenceStarts);

    // Nothing addressed to interviewers reached the candidate.
    expect(candidate.messages).toHaveLength(0);
    expect(interviewer.invalid).toBe(0);

    // Stored with its timeline, recipients and feedback (the feedback is stored apart from the hints that
    // arrived since: wait for it rather than read the row once).
    const row = await until(
      'the feedback stored with the hint',
      () =>
        withStore(stack, async (store) =>
          (await store.listHints(created.session.id)).find(
            (h) => h.id === first.id && h.feedbackUseful !== null,
          ),
        ),
      30_000,
    );
    expect(row).toMatchObject({
      kind: 'long-pause',
      source: 'rules',
      feedbackUseful: true,
      recipients: [interviewer.identity],
    });
    expect(row?.triggerAt?.getTime()).toBe(first.triggerAt);
    expect(row?.why?.trigger).toBe('long-pause');
    // (the trigger is dated in media time, decisions in the agent's wall-clock time: a trigger dated after its decision
    // would be a media clock running ahead of the agent's)
    console.log(
      `[measure] rule hint trigger→decided ${(row?.decidedAt?.getTime() ?? 0) - (first.triggerAt ?? 0)} ms`,
    );
    for (const t of [row?.decidedAt, row?.publishedAt])
      expect(t?.getTime()).toBeGreaterThanOrEqual(first.triggerAt ?? 0);

    // Session end: everyone leaves, the report is stored and served to the interviewer invite only.
    await mic.stop();
    await candidate.leave();
    await interviewer.leave();
    const body = await fetchReport(stack, created, 60_000);
    expect(body.summary.source).toBe('rules');
    expect(body.hints.find((h) => h.id === first.id)?.feedback?.useful).toBe(true);
    expect(body.metrics.hints.bySource.rules).toBeGreaterThanOrEqual(3);
    expect(body.timeline.some((e) => e.kind === 'long-pause')).toBe(true);
    const denied = await fetch(`${stack.tokenServerUrl}/api/sessions/${created.session.id}/report`, {
      headers: { authorization: `Bearer ${created.invites.candidate}` },
    });
    expect(denied.status).toBe(401);

    const log = stack.agent.output();
    expect(log).toMatch(/feedback for unknown hint dropped/);
    expect(log).toMatch(/"code":"forbidden"/);
    expect(log).toMatch(/code is larger than|too-large/);
    expect(log).not.toMatch(/uncaught|unhandled/i);
  }, 300_000);
});

interface ReportBody {
  summary: { source: string; text: string };
  hints: { id: string; feedback: { useful: boolean } | null }[];
  metrics: { hints: { bySource: Record<string, number> } };
  timeline: { kind: string }[];
}

async function fetchReport(stack: Stack, created: CreatedSession, timeoutMs: number): Promise<ReportBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${stack.tokenServerUrl}/api/sessions/${created.session.id}/report`, {
      headers: { authorization: `Bearer ${created.invites.interviewer}` },
    });
    if (res.ok) return (await res.json()) as ReportBody;
    await res.body?.cancel();
    if (Date.now() > deadline) throw new Error(`no report after ${timeoutMs} ms (last status ${res.status})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('hints with Claude (local stand-in Messages API)', () => {
  let stack: Stack;
  let standIn: AnthropicStandIn;
  beforeAll(async () => {
    standIn = await startAnthropicStandIn({ firstTokenDelayMs: 100 });
    stack = await startStack({
      agentEnv: {
        HINTS_TRIGGERS: TRIGGERS,
        HINTS_MIN_INTERVAL_MS: '1000',
        ANTHROPIC_API_KEY: 'stand-in-key',
        ANTHROPIC_BASE_URL: standIn.baseURL,
        HINTS_MODEL: 'claude-stand-in',
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await standIn?.close();
  });

  it('a long pause gives a Claude hint with evidence; when the API fails the trigger still becomes a rule hint', async () => {
    const { interviewer, candidate } = await start(stack);
    const mic = await publishTalkThenPause(candidate.room, TALK.speechMs, TALK.pauseMs);
    const llm = await waitFor('an LLM hint', () => hintsOf(interviewer, 'long-pause')[0], 90_000);
    expect(llm.source).toBe('llm');
    expect(llm.text).toMatch(/^Stand-in hint for long-pause/);
    expectGrounded(interviewer, llm, mic.silenceStarts);
    expectWhy(llm, 'claude-stand-in');

    standIn.setModes(['server-error']);
    const fallback = await waitFor('a fallback hint', () => hintsOf(interviewer, 'long-pause')[1], 60_000);
    expect(fallback.source).toBe('rules');
    expectGrounded(interviewer, fallback, mic.silenceStarts);
    for (const h of [llm, fallback]) await expectScriptedPause(interviewer, h, mic.silenceStarts);
    expectWhy(fallback, 'rules');
    expect(candidate.messages).toHaveLength(0);

    // What went to the API: derived signals, transcript text and code only.
    expect(standIn.requests.length).toBeGreaterThanOrEqual(2);
    for (const r of standIn.requests) {
      expect(r.raw).not.toMatch(/"type":"(image|audio|document)"|base64|[A-Za-z0-9+/]{1024,}/);
      expect(r.body.model).toBe('claude-stand-in');
    }
    await mic.stop();
    await candidate.leave();
    await interviewer.leave();
  }, 240_000);
});
