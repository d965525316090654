import { exampleSignal, TOPICS, TRANSCRIPTION_TOPIC } from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { type ClientLine, classify, evaluate, formatTable, type Received } from './match.js';
import { type Expected, expectedSchema, resolveTime } from './scenario.js';

const timeline = { pause: { start: 10_000, end: 20_000 }, media: { start: 0, end: 30_000 } };
const hint = (t: number, kind: string, to: Received['to'] = 'interviewer'): Received => ({
  t,
  to,
  type: 'hint',
  kind,
});
const expected = (raw: unknown): Expected => expectedSchema.parse(raw);
const longPause = {
  name: 'long pause',
  type: 'hint',
  kind: 'long-pause',
  window: { fromMs: 'pause.start+8000', toMs: 'pause.end' },
  triggerMs: 'pause.start+8000',
};

describe('replay matching', () => {
  it('resolves anchors against the timeline and names an unknown one', () => {
    expect(resolveTime('pause.start+8000', timeline, 'x')).toBe(18_000);
    expect(resolveTime('pause.end-500', timeline, 'x')).toBe(19_500);
    expect(resolveTime(1234, timeline, 'x')).toBe(1234);
    expect(() => resolveTime('nope.end', timeline, 'expected.json events[2]')).toThrow(
      /expected\.json events\[2\]: unknown anchor "nope\.end"/,
    );
  });

  it('a hint inside its window passes with its latency from the trigger', () => {
    const r = evaluate(expected({ events: [longPause] }), [hint(18_700, 'long-pause')], timeline);
    expect(r.pass).toBe(true);
    expect(r.events[0]).toMatchObject({ verdict: 'pass', receivedMs: 18_700, latencyMs: 700 });
  });

  it('a late hint fails and names the less urgent hints that held it back', () => {
    const got = [hint(9_000, 'monotone'), hint(16_000, 'answer-end'), hint(24_100, 'long-pause')];
    const r = evaluate(expected({ events: [longPause] }), got, timeline);
    expect(r.pass).toBe(false);
    expect(r.events[0]).toMatchObject({ verdict: 'late', latencyMs: 6100 });
    expect(r.events[0]?.heldBehind).toEqual([
      { kind: 'monotone', t: 9000 },
      { kind: 'answer-end', t: 16_000 },
    ]);
    const missing = evaluate(expected({ events: [longPause] }), [hint(16_000, 'extra-person')], timeline);
    expect(missing.events[0]).toMatchObject({ verdict: 'missing', heldBehind: [] });
    expect(formatTable('s', r)).toMatch(/LATE \(after monotone, answer-end\)/);
  });

  it('each received event satisfies one expectation; extra hints of an expected kind are outside their window', () => {
    const twice = { ...longPause, name: 'second', window: { fromMs: 25_000, toMs: 27_000 } };
    const got = [hint(18_500, 'long-pause'), hint(19_000, 'long-pause'), hint(22_000, 'long-pause')];
    const r = evaluate(expected({ events: [longPause, twice] }), got, timeline);
    expect(r.events.map((e) => e.verdict)).toEqual(['pass', 'early']);
    expect(r.outsideWindow).toEqual([{ kind: 'long-pause', t: 22_000 }]);
    // a late event never steals the next window's event: the first window is missed, the second one passes
    const first = { ...longPause, name: 'first', window: { fromMs: 10_000, toMs: 12_000 } };
    const next = { ...longPause, name: 'next', window: { fromMs: 18_000, toMs: 20_000 } };
    const one = evaluate(expected({ events: [first, next] }), [hint(19_000, 'long-pause')], timeline);
    expect(one.events.map((e) => e.verdict)).toEqual(['missing', 'pass']);
    // after the media ends, hints are not judged (the replay's own silence)
    const after = evaluate(
      expected({ events: [longPause] }),
      [hint(18_500, 'long-pause'), hint(31_000, 'long-pause')],
      timeline,
    );
    expect(after.pass).toBe(true);
  });

  it('forbidden events fail the run: any agent message to the candidate, a hint kind in a window', () => {
    const rules = expected({
      events: [longPause],
      forbidden: [
        { type: 'any', to: 'candidate' },
        { type: 'hint', kind: 'stuck', window: { fromMs: 0, toMs: 'pause.start' } },
      ],
    });
    const got: Received[] = [
      hint(18_500, 'long-pause'),
      hint(12_000, 'stuck'),
      { t: 5000, to: 'candidate', type: 'transcript', text: 'hello' },
    ];
    expect(evaluate(rules, got, timeline).forbidden).toEqual([]);
    const bad = evaluate(
      rules,
      [...got, hint(9000, 'stuck'), { t: 3000, to: 'candidate', type: 'stats' }],
      timeline,
    );
    expect(bad.pass).toBe(false);
    expect(bad.forbidden.map((f) => f.t)).toEqual([3000, 9000]);
  });

  it('classifies the client lines: protocol messages, transcripts by speaker, invalid payloads', () => {
    const message = (
      to: 'interviewer' | 'candidate',
      topic: string,
      text: string,
      extra = {},
    ): ClientLine => ({
      event: 'message',
      t: 1,
      at: 1,
      to,
      topic,
      text,
      ...extra,
    });
    const signal = {
      ...exampleSignal('look-away'),
      type: 'signal',
      id: 'sig_1',
      sessionId: 's',
      analyser: 'face',
      kind: 'look-away',
      media: 'video',
      range: { start: 1, end: 2 },
      confidence: 0.9,
      summary: 'not looking at the camera',
    };
    const got = classify([
      message('interviewer', TOPICS.AGENT_TO_INTERVIEWERS, JSON.stringify(signal)),
      message('interviewer', TOPICS.AGENT_TO_INTERVIEWERS, '{"v":2,"type":"hint"}'),
      message('candidate', TRANSCRIPTION_TOPIC, 'Sorry, I am stuck.', {
        attributes: { 'interview-helper.speaker-role': 'candidate' },
      }),
      { event: 't0', t: 0, at: 0 },
    ]);
    expect(got).toEqual([
      {
        t: 1,
        to: 'interviewer',
        type: 'signal',
        kind: 'look-away',
        phase: 'start',
        id: 'sig_1',
        text: signal.summary,
      },
      expect.objectContaining({ type: 'invalid' }),
      { t: 1, to: 'candidate', type: 'transcript', text: 'Sorry, I am stuck.', speaker: 'candidate' },
    ]);
    const words = expected({
      events: [
        {
          type: 'transcript',
          speaker: 'candidate',
          text: 'I AM stuck',
          to: 'candidate',
          window: { fromMs: 0, toMs: 5 },
        },
      ],
    });
    expect(evaluate(words, got, timeline).events[0]?.verdict).toBe('pass');
    expect(evaluate(words, got, timeline).invalid).toBe(1);
    // alternatives: the words of any one entry; none matching is missing
    const transcript = (text: string | string[]) =>
      expected({
        events: [
          { type: 'transcript', speaker: 'candidate', text, to: 'candidate', window: { fromMs: 0, toMs: 5 } },
        ],
      });
    expect(evaluate(transcript(['clarify', 'am stuck']), got, timeline).events[0]?.verdict).toBe('pass');
    expect(evaluate(transcript(['clarify', 'stuck again']), got, timeline).events[0]?.verdict).toBe(
      'missing',
    );
    expect(evaluate(transcript('clarify'), got, timeline).events[0]?.verdict).toBe('missing');
  });

  it('classifies conduct notes per recipient: one for the asking interviewer, forbidden for the second', () => {
    const note = {
      v: 2,
      type: 'conduct',
      id: 'conduct_1',
      sessionId: 's',
      interviewer: 'ivy',
      kind: 'protected-topic',
      topic: 'family',
      text: 'Your question asks about family plans, children or pregnancy.',
      rephrase: 'Can you meet the schedule?',
      severity: 'warning',
      source: 'rules',
      evidence: ['seg_1'],
      at: 1,
      createdAt: 2,
    };
    const line = (t: number, to: ClientLine['to']): ClientLine => ({
      event: 'message',
      t,
      at: t,
      to,
      topic: TOPICS.AGENT_TO_INTERVIEWERS,
      text: JSON.stringify(note),
    });
    const got = classify([line(12_000, 'interviewer'), line(12_100, 'interviewer-2')]);
    expect(got.map((r) => [r.type, r.to, r.kind])).toEqual([
      ['conduct', 'interviewer', 'protected-topic'],
      ['conduct', 'interviewer-2', 'protected-topic'],
    ]);
    const r = evaluate(
      expected({
        events: [
          {
            type: 'conduct',
            kind: 'protected-topic',
            text: 'family schedule',
            window: { fromMs: 11_000, toMs: 13_000 },
          },
        ],
        forbidden: [
          { type: 'conduct', to: 'interviewer-2' },
          { type: 'any', to: 'candidate' },
        ],
      }),
      got,
      timeline,
    );
    expect(r.events[0]?.verdict).toBe('pass');
    expect(r.forbidden.map((f) => f.t)).toEqual([12_100]);
    expect(r.pass).toBe(false);
  });
});
