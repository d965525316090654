import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnthropicStandIn, startAnthropicStandIn } from '../../../test/anthropic-stand-in/server.js';
import { logger } from '../log.js';
import { HintCadence } from './cadence.js';
import { ClaudeHintWriter } from './claude.js';
import { HintLog } from './hint-log.js';
import { HintPipeline } from './hint-pipeline.js';
import type { LiveHint } from './live-hint.js';
import { unconnectedContext } from './testing.js';
import type { HintTrigger } from './trigger.js';

const log = logger('hints-test');

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

  /** Records the budget of each LLM call. */
  class BudgetSpy extends ClaudeHintWriter {
    budgets: (number | undefined)[] = [];
    override write(...args: Parameters<ClaudeHintWriter['write']>) {
      this.budgets.push(args[2]?.budgetMs);
      return super.write(...args);
    }
  }

  async function pipeline(withLlm: boolean, now?: () => number) {
    const sessionId = randomUUID();
    const store = await HintLog.open(undefined, sessionId, log);
    const llm = withLlm
      ? new BudgetSpy({ apiKey: 'k', baseURL: standIn.baseURL, maxRetries: 0, model: 'claude-stand-in' })
      : undefined;
    const p = new HintPipeline({
      ...(now ? { now } : {}),
      ctx: unconnectedContext(sessionId),
      store,
      cadence: new HintCadence<LiveHint>({ minIntervalMs: 10_000 }),
      ...(llm ? { llm } : {}),
      context: () => ({ signals: [], transcript: [] }),
      detailOf: () => 'normal',
      log,
    });
    return { p, store, llm };
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
      // The silence is counted when the hint is written: 8 s threshold, trigger 50 ms ago.
      expect(rows[1]?.text).toMatch(/has not spoken for 8 s/);
      for (const r of rows) expect(r.evidence).toContain('sig_p1');
      expect(rows.map((r) => r.why?.source)).toEqual(['claude-stand-in', 'rules', 'rules']);
      for (const r of rows) {
        expect(r.why).toMatchObject({ trigger: 'long-pause', priority: 3, thresholds: { minSeconds: 8 } });
        expect(r.why?.inputs.map((i) => i.id)).toContain('sig_p1');
      }
    } finally {
      await store.close();
    }
  });

  it("the LLM's time counts against the trigger's window: a short window bounds its budget or skips it for the rule text", async () => {
    const T = Date.now();
    const { p, store, llm } = await pipeline(true, () => T);
    try {
      standIn.setModes(['timeout']);
      // Another person seen 7 s ago: 3 s of its 10 s window left, 0.5 s kept for the rule text and delivery.
      await p.handle(trigger({ kind: 'extra-person', at: T - 7000, dedupeKey: 'x1', facts: { faces: 2 } }));
      expect(llm?.budgets).toEqual([2500]);
      // 9.2 s ago: too little left to ask the LLM at all.
      await p.handle(trigger({ kind: 'extra-person', at: T - 9200, dedupeKey: 'x2', facts: { faces: 2 } }));
      expect(llm?.budgets).toEqual([2500]);
      // A pause may end any moment: the LLM gets at most 1.5 s however long its window.
      await p.handle(trigger({ kind: 'long-pause', at: T, dedupeKey: 'p1' }));
      expect(llm?.budgets).toEqual([2500, 1500]);
      const rows = await store.hints();
      expect(rows.map((r) => [r.source, r.why?.source, r.drops])).toEqual([
        ['rules', 'rules', []],
        ['rules', 'rules', []],
        ['rules', 'rules', []],
      ]);
      expect(rows.map((r) => r.why?.validUntil).sort()).toEqual([T + 800, T + 3000, T + 20_000]);
    } finally {
      standIn.setModes(['ok']);
      await store.close();
    }
  });

  it('a clarification request arriving while the LLM writes the pause hint is merged into it: one stored hint', async () => {
    const { p, store } = await pipeline(true);
    try {
      standIn.setModes(['ok']);
      const at = Date.now();
      const pause = p.handle(trigger({ at, dedupeKey: 'p-merge' }));
      const request = p.handle(
        trigger({
          kind: 'stuck',
          at: at + 500,
          signalId: 'seg_1',
          evidence: ['seg_1'],
          facts: { quote: 'what do you mean by stable?' },
          dedupeKey: 'stuck@seg_1',
        }),
      );
      await Promise.all([pause, request]);
      const rows = await store.hints();
      expect(rows).toHaveLength(1);
      expect(rows[0]?.text).toMatch(
        /^The candidate said "what do you mean by stable\?" and has not spoken for \d+ s since/,
      );
      expect(rows[0]?.evidence.sort()).toEqual(['seg_1', 'sig_p1']);
      expect(rows[0]?.why?.merged?.map((m) => m.trigger)).toEqual(['stuck']);
      await waitUntil(async () => (await store.hints())[0]?.mergedCount === 1);
    } finally {
      await store.close();
    }
  });
});

/** Resolves once `check` holds (polled), or fails after 10 s. */
async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}
