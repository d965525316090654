import { randomUUID } from 'node:crypto';
import { Room } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnthropicStandIn, startAnthropicStandIn } from '../../../test/anthropic-stand-in/server.js';
import { SessionBus } from '../bus/session-bus.js';
import { logger } from '../log.js';
import { InterviewerPublisher } from '../messaging/publisher.js';
import type { SessionContext } from '../session/extension.js';
import { HintCadence } from './cadence.js';
import { ClaudeHintWriter } from './claude.js';
import { HintLog } from './hint-log.js';
import { HintPipeline, type ReadyHint } from './hint-pipeline.js';
import type { HintTrigger } from './trigger.js';

const log = logger('hints-test');

/** A session context on a real, unconnected room: nothing is delivered, everything is stored. */
function context(sessionId: string): SessionContext {
  const room = new Room();
  return {
    sessionId,
    room,
    publisher: new InterviewerPublisher(room),
    recorder: {
      presence: async () => {},
      signals: async () => {},
      hintFeedback: async () => false,
      close: async () => {},
    },
    bus: new SessionBus(),
    turns: { watchPause: () => () => {} },
    candidate: () => undefined,
    emitSignal: () => {
      throw new Error('not used');
    },
  };
}

const trigger = (over: Partial<HintTrigger> = {}): HintTrigger => ({
  kind: 'long-pause',
  at: Date.now() - 50,
  signalId: 'sig_p1',
  evidence: ['sig_p1'],
  facts: { seconds: 9 },
  confidence: 0.9,
  dedupeKey: 'long-pause@1',
  ...over,
});

describe('HintPipeline (storage, merging, LLM fallback)', () => {
  let standIn: AnthropicStandIn;
  beforeAll(async () => {
    standIn = await startAnthropicStandIn({ firstTokenDelayMs: 20 });
  });
  afterAll(() => standIn?.close());

  async function pipeline(withLlm: boolean) {
    const sessionId = randomUUID();
    const store = await HintLog.open(undefined, sessionId, log);
    const llm = withLlm
      ? new ClaudeHintWriter({ apiKey: 'k', baseURL: standIn.baseURL, maxRetries: 0 })
      : undefined;
    const p = new HintPipeline({
      ctx: context(sessionId),
      store,
      cadence: new HintCadence<ReadyHint>({ minIntervalMs: 10_000 }),
      ...(llm ? { llm } : {}),
      context: () => ({ signals: [], transcript: [] }),
      detailOf: () => 'normal',
      log,
    });
    return { p, store };
  }

  it('a flood of near-duplicate triggers becomes one stored hint with every trigger merged into it', async () => {
    const { p, store } = await pipeline(false);
    try {
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => p.handle(trigger({ evidence: [`sig_${i % 7}`] }))),
      );
      await p.handle(trigger({ dedupeKey: 'long-pause@2', evidence: ['sig_other'] }));
      const rows = await store.hints();
      expect(rows).toHaveLength(2);
      expect(rows.find((r) => r.mergedCount > 0)?.mergedCount).toBe(199);
      expect(new Set(rows.flatMap((r) => r.evidence)).size).toBe(8);
      for (const r of rows) {
        expect(r.source).toBe('rules');
        expect(r.triggerAt).toBeInstanceOf(Date);
        expect(r.decidedAt?.getTime()).toBeGreaterThanOrEqual(r.triggerAt?.getTime() ?? 0);
        expect(r.publishedAt).toBeNull(); // nobody to deliver to in an empty room
      }
    } finally {
      await store.close();
    }
  });

  it('stores the LLM hint with its first-token time, and the rule hint for the same trigger when the LLM fails', async () => {
    const { p, store } = await pipeline(true);
    try {
      standIn.setModes(['ok']);
      await p.handle(trigger({ dedupeKey: 'a' }));
      standIn.setModes(['server-error']);
      await p.handle(trigger({ dedupeKey: 'b' }));
      standIn.setModes(['malformed']);
      await p.handle(trigger({ dedupeKey: 'c' }));
      const rows = await store.hints();
      expect(rows.map((r) => r.source)).toEqual(['llm', 'rules', 'rules']);
      expect(rows[0]?.llmFirstTokenAt).toBeInstanceOf(Date);
      expect(rows[1]?.llmFirstTokenAt).toBeNull();
      expect(rows[1]?.text).toMatch(/has not spoken for 9 s/);
      for (const r of rows) expect(r.evidence).toContain('sig_p1');
    } finally {
      await store.close();
    }
  });
});
