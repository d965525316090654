import { randomUUID } from 'node:crypto';
import type { HintMessage } from '@interview-helper/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../log.js';
import { HintCadence } from './cadence.js';
import { HintLog } from './hint-log.js';
import { HintPipeline } from './hint-pipeline.js';
import type { LiveHint } from './live-hint.js';
import { defaultHintTiming, type HintTiming } from './priorities.js';
import { unconnectedContext } from './testing.js';
import type { HintTrigger } from './trigger.js';
import type { TriggerKind } from './trigger-options.js';

const log = logger('hint-timing-test');
const T0 = Date.UTC(2026, 0, 1, 12);
const INTERVAL = 15_000;
/** Interval after a hint for an urgent (high-priority) one. */
const URGENT_INTERVAL = 5000;

const FACTS: Record<TriggerKind, HintTrigger['facts']> = {
  'long-pause': { seconds: 8 },
  stuck: { quote: 'could you clarify the input format?' },
  'look-away': { count: 3, windowSeconds: 30 },
  'extra-person': { signal: 'faces', faces: 2 },
  'code-idle': { minutesUnchanged: 3, silentSeconds: 30, revision: 2 },
  'fast-speech': { wordsPerMinute: 210 },
  monotone: { pitchSemitones: 1.1 },
  'answer-end': { speechSeconds: 20 },
  'code-review': { revision: 2, line: 3, issue: 'off-by-one', probe: 'ask about the last index' },
  'code-claim': {
    claim: 'this is O(n)',
    observed: 'line 3 nests a loop',
    probe: 'How often does line 3 run?',
    line: 3,
    revision: 2,
  },
  'plan-time': { itemsLeft: 2, itemsTotal: 5, minutesLeft: 12, minutesNeeded: 18, notAsked: 'a,b' },
};

/** A trigger of `kind` dated `atMs` after T0. */
const trigger = (kind: TriggerKind, atMs: number, key = `${kind}@${atMs}`): HintTrigger => ({
  kind,
  at: T0 + atMs,
  signalId: `sig_${kind}_${atMs}`,
  evidence: [`sig_${kind}_${atMs}`],
  facts: FACTS[kind],
  confidence: 0.8,
  dedupeKey: key,
});

interface Sent {
  at: number;
  /** When the candidate was last heard, as of the send. */
  lastSpeech: number;
  to: string;
  message: HintMessage;
}

/** A pipeline on a scripted clock, delivering to `ivy` and recording what went out. */
async function rig(
  store: HintLog,
  sessionId: string,
  timing: Partial<Record<TriggerKind, Partial<HintTiming>>> = {},
) {
  const earlier = new Set((await store.hints()).map((h) => h.id));
  let now = T0;
  let lastSpeech = T0;
  const sent: Sent[] = [];
  const ctx = unconnectedContext(sessionId);
  const p = new HintPipeline({
    ctx,
    store,
    cadence: new HintCadence<LiveHint>({ minIntervalMs: INTERVAL }),
    context: () => ({ signals: [], transcript: [] }),
    detailOf: () => 'normal',
    log,
    now: () => now,
    lastSpeechAt: () => lastSpeech,
    timing: (kind) => ({ ...defaultHintTiming[kind], ...timing[kind] }),
    interviewers: () => ['ivy'],
    deliver: async (variants, to) => {
      for (const who of to) sent.push({ at: now, lastSpeech, to: who, message: variants('normal') });
      return to;
    },
  });
  return {
    p,
    sent,
    bus: ctx.bus,
    /** Hints stored by this pipeline (the store is shared between tests). */
    async rows() {
      return (await store.hints()).filter((h) => !earlier.has(h.id));
    },
    /** Moves the clock to `ms` after T0, ticking every 250 ms on the way. */
    async until(ms: number) {
      while (now < T0 + ms) {
        now = Math.min(now + 250, T0 + ms);
        await p.tick(now);
      }
    },
    speak(ms: number) {
      lastSpeech = T0 + ms;
    },
    get now() {
      return now;
    },
    get lastSpeech() {
      return lastSpeech;
    },
  };
}

describe('hint timing (scripted clock)', () => {
  let store: HintLog;
  const sessionId = randomUUID();
  beforeAll(async () => {
    store = await HintLog.open(undefined, sessionId, log);
  });
  afterAll(() => store?.close());
  const row = async (id: string) => (await store.hints()).find((h) => h.id === id);

  it('a long pause preempts the interval after a follow-up hint and counts the silence at delivery', async () => {
    const r = await rig(store, sessionId);
    r.speak(0);
    await r.until(2000);
    await r.p.handle(trigger('answer-end', 0));
    await r.until(8000);
    await r.p.handle(trigger('long-pause', 8000));
    // Another person 2.5 s later: urgent too, shown after the shorter interval, inside its 10 s window.
    await r.until(10_500);
    await r.p.handle(trigger('extra-person', 10_500));
    await r.until(20_000);
    expect(r.sent.map((s) => [s.message.kind, s.at - T0])).toEqual([
      ['answer-end', 2000],
      ['long-pause', 8000],
      ['extra-person', 8000 + URGENT_INTERVAL],
    ]);
    const pause = r.sent[1]?.message;
    expect(pause?.text).toMatch(/^The candidate has not spoken for 8 s\./);
    expect(pause?.why).toMatchObject({
      trigger: 'long-pause',
      priority: 3,
      facts: { seconds: 8 },
      thresholds: { minSeconds: 8, validSeconds: 20, untilSpeech: true },
      source: 'rules',
      triggerAt: T0 + 8000,
      sentAt: T0 + 8000,
      validUntil: T0 + 28_000,
      inputs: [{ id: 'sig_long-pause_8000', kind: 'signal' }],
    });
  });

  it('each hint reaching its first interviewers goes on the bus with its trigger time (the job metrics)', async () => {
    const r = await rig(store, sessionId);
    const events: [string, number, number][] = [];
    r.bus.on('hint-sent', (e) => events.push([e.trigger, e.triggerAt - T0, e.sentAt - T0]));
    r.speak(0);
    await r.until(2000);
    await r.p.handle(trigger('answer-end', 500));
    await r.until(8000);
    await r.p.handle(trigger('long-pause', 8000));
    await r.until(9000);
    expect(events).toEqual([
      ['answer-end', 500, 2000],
      ['long-pause', 8000, 8000],
    ]);
  });

  it('a hint held behind one of equal priority goes out when the interval passes, its silence counted then', async () => {
    const r = await rig(store, sessionId);
    r.speak(0);
    await r.until(6000);
    await r.p.handle(trigger('extra-person', 6000));
    await r.until(8000);
    await r.p.handle(trigger('long-pause', 8000));
    expect(r.sent).toHaveLength(1);
    await r.until(16_000);
    expect(r.sent.map((s) => [s.message.kind, s.at - T0])).toEqual([
      ['extra-person', 6000],
      ['long-pause', 6000 + URGENT_INTERVAL],
    ]);
    const pause = r.sent[1]?.message;
    expect(pause?.text).toMatch(/has not spoken for 11 s/);
    expect(pause?.why?.facts.seconds).toBe(11);
    const stored = await row(pause?.id ?? '');
    expect(stored?.text).toMatch(/has not spoken for 11 s/);
    expect(stored?.why?.sentAt).toBe(T0 + 11_000);
    expect(stored?.publishedAt?.getTime()).toBe(T0 + 11_000);
  });

  it('a held hint is dropped with its reason once its window passes or its condition ends, never sent late', async () => {
    const r = await rig(store, sessionId);
    r.speak(0);
    await r.p.handle(trigger('long-pause', 0));
    await r.until(1000);
    await r.p.handle(trigger('extra-person', 1000)); // valid 10 s, held behind the pause
    await r.until(3000);
    await r.p.handle(trigger('long-pause', 3000, 'second-pause')); // held as well
    await r.until(4000);
    r.speak(4000); // the candidate answers: the second pause is over
    await r.until(40_000);
    // The extra-person hint waits for the urgent interval (it is still true then); the second pause ended first.
    expect(r.sent.map((s) => [s.message.kind, s.at - T0])).toEqual([
      ['long-pause', 0],
      ['extra-person', URGENT_INTERVAL],
    ]);
    const rows = await r.rows();
    const extra = rows.find((h) => h.triggerAt?.getTime() === T0 + 1000 && h.kind === 'extra-person');
    const second = rows.find((h) => h.triggerAt?.getTime() === T0 + 3000 && h.kind === 'long-pause');
    expect(extra?.recipients).toEqual(['ivy']);
    expect(extra?.drops ?? []).toEqual([]);
    expect(second?.recipients).toEqual([]);
    expect(second?.drops).toEqual([{ identity: 'ivy', reason: 'condition-ended', at: T0 + 4250 }]);
  });

  it('a held hint whose window passes is dropped as expired', async () => {
    const r = await rig(store, sessionId, { 'extra-person': { validSeconds: 3 } });
    await r.p.handle(trigger('stuck', 0));
    await r.until(1000);
    await r.p.handle(trigger('extra-person', 1000));
    await r.until(20_000);
    expect(r.sent.map((s) => s.message.kind)).toEqual(['stuck']);
    const extra = (await r.rows()).find(
      (h) => h.kind === 'extra-person' && h.triggerAt?.getTime() === T0 + 1000,
    );
    expect(extra?.drops).toEqual([{ identity: 'ivy', reason: 'expired', at: T0 + 4250 }]);
  });

  it('a trigger whose window passed before it was handled is stored as dropped and never sent', async () => {
    const r = await rig(store, sessionId);
    await r.until(20_000);
    await r.p.handle(trigger('extra-person', 0));
    expect(r.sent).toEqual([]);
    const extra = (await r.rows()).find(
      (h) =>
        h.kind === 'extra-person' && h.triggerAt?.getTime() === T0 && h.decidedAt?.getTime() === T0 + 20_000,
    );
    expect(extra?.drops).toEqual([{ identity: '*', reason: 'expired-before-ready', at: T0 + 20_000 }]);
  });

  it('a clarification request then a long pause are one hint: the pause updates it under the same id', async () => {
    const r = await rig(store, sessionId);
    r.speak(2000);
    await r.until(2000);
    await r.p.handle(trigger('stuck', 2000));
    await r.until(10_000);
    await r.p.handle(trigger('long-pause', 10_000));
    expect(r.sent).toHaveLength(2);
    const [first, update] = r.sent.map((s) => s.message);
    expect(update?.id).toBe(first?.id);
    expect(update?.text).toBe(
      'The candidate said "could you clarify the input format?" and has not spoken for 8 s since. Consider clarifying the question or giving a scoped hint.',
    );
    expect(update?.evidence.sort()).toEqual(['sig_long-pause_10000', 'sig_stuck_2000']);
    expect(update?.why?.merged).toEqual([{ trigger: 'long-pause', at: T0 + 10_000, facts: { seconds: 8 } }]);
    const stored = await row(first?.id ?? '');
    expect(stored).toMatchObject({ mergedCount: 1, recipients: ['ivy'] });
    expect(stored?.text).toMatch(/has not spoken for 8 s since/);
  });

  it('a long pause broken by a clarification request is one hint telling how long the silence was', async () => {
    const r = await rig(store, sessionId);
    r.speak(0);
    await r.until(8000);
    await r.p.handle(trigger('long-pause', 8000));
    await r.until(11_000);
    r.speak(11_100);
    await r.until(12_000);
    await r.p.handle(trigger('stuck', 12_000));
    const ids = new Set(r.sent.map((s) => s.message.id));
    expect(ids.size).toBe(1);
    expect(r.sent.at(-1)?.message.text).toMatch(
      /^After 11 s without speaking, the candidate said "could you clarify the input format\?"/,
    );
    expect(r.sent.at(-1)?.at).toBe(T0 + 12_000);
  });

  it('over a random session, no hint is sent outside its window or held behind a lower-priority one, and pause hints count the silence when sent', async () => {
    const r = await rig(store, sessionId);
    let seed = 7;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const kinds = Object.keys(defaultHintTiming) as TriggerKind[];
    const decided: { at: number; priority: number; sentNow: boolean }[] = [];
    let speaking = false;
    let pauseFired = false;
    const handle = async (kind: TriggerKind, at: number, t: number) => {
      // A hint about silence is not given while the candidate talks: nothing to hold or send.
      const over = defaultHintTiming[kind].untilSpeech && r.lastSpeech > T0 + at;
      const before = r.sent.length;
      await r.p.handle(trigger(kind, at, `${kind}@${t}`));
      if (!over)
        decided.push({ at: t, priority: defaultHintTiming[kind].priority, sentNow: r.sent.length > before });
    };
    for (let t = 250; t <= 600_000; t += 250) {
      await r.until(t);
      if (rand() < 0.02) speaking = !speaking;
      if (speaking) {
        r.speak(t);
        pauseFired = false;
      } else if (!pauseFired && t - (r.lastSpeech - T0) >= 8000) {
        pauseFired = true;
        await handle('long-pause', r.lastSpeech - T0 + 8000, t);
      }
      if (rand() < 0.025) {
        const kind = kinds[Math.floor(rand() * kinds.length)] as TriggerKind;
        if (kind !== 'long-pause') await handle(kind, t - Math.floor(rand() * 3000), t);
      }
    }
    expect(r.sent.length).toBeGreaterThan(10);
    expect(decided.filter((d) => !d.sentNow).length).toBeGreaterThan(10);
    expect(r.sent.filter((s) => s.message.kind === 'long-pause').length).toBeGreaterThan(1);
    const firstSends = r.sent.filter((s, i) => r.sent.findIndex((x) => x.message.id === s.message.id) === i);
    for (const s of r.sent) {
      const why = s.message.why;
      expect(why).toBeDefined();
      expect(s.at).toBeLessThanOrEqual(why?.validUntil ?? 0);
      expect(why?.sentAt).toBe(s.at);
      if (s.message.kind === 'long-pause' && !why?.merged) {
        const seconds = Number(/has not spoken for (\d+) s/.exec(s.message.text)?.[1]);
        expect(seconds).toBe(Math.round((s.at - s.lastSpeech) / 1000));
        expect(why?.facts.seconds).toBe(seconds);
        expect(s.lastSpeech).toBeLessThanOrEqual(why?.triggerAt ?? 0);
      }
    }
    // A hint not sent at once was held only behind a hint of equal or higher priority sent within the interval.
    for (const d of decided.filter((x) => !x.sentNow)) {
      const interval = d.priority >= 3 ? URGENT_INTERVAL : INTERVAL;
      const blocker = firstSends.filter((s) => s.at <= T0 + d.at && s.at > T0 + d.at - interval).at(-1);
      expect(blocker?.message.why?.priority ?? 0).toBeGreaterThanOrEqual(d.priority);
    }
  }, 60_000);
});
