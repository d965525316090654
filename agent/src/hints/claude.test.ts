import { exampleSignal } from '@interview-helper/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AnthropicStandIn, startAnthropicStandIn } from '../../../test/anthropic-stand-in/server.js';
import { emotionLabelIn } from '../language.js';
import { CircuitBreaker } from './breaker.js';
import { ClaudeHintWriter, LlmHintError } from './claude.js';
import type { HintContext } from './prompt.js';
import type { HintTrigger } from './trigger.js';

const silence = exampleSignal('long-pause', { silenceSeconds: 8, after: 'speech' }, 9000, {
  id: 'sig_silence_1',
  sessionId: 's',
  analyser: 'vad',
  range: { start: 1000, end: 9000 },
  confidence: 0.9,
  summary: 'Candidate silent for 8.0 s',
});
const trigger: HintTrigger = {
  kind: 'long-pause',
  at: 7000,
  signalId: silence.id,
  evidence: [silence.id],
  facts: { seconds: 8 },
  confidence: 0.9,
  dedupeKey: 'long-pause@1000',
};
const context: HintContext = {
  signals: [silence],
  transcript: [{ role: 'interviewer', text: 'How would you find duplicates?', at: 500 }],
  code: { language: 'python', revision: 3, text: 'def dup(xs):\n    return len(xs) != len(set(xs))\n' },
};

/** Base64 of anything over 1 KiB, or image/audio content blocks: media must never leave the agent. */
function carriesMedia(raw: string): boolean {
  return /"type":"(image|document|audio|input_audio)"|base64|data:image|[A-Za-z0-9+/]{1024,}/.test(raw);
}

describe('ClaudeHintWriter against the stand-in Messages API', () => {
  let standIn: AnthropicStandIn;
  beforeAll(async () => {
    standIn = await startAnthropicStandIn({ firstTokenDelayMs: 30 });
  });
  afterAll(() => standIn?.close());
  beforeEach(() => {
    standIn.requests.length = 0;
  });

  const writer = (opts: Partial<ConstructorParameters<typeof ClaudeHintWriter>[0]> = {}) =>
    new ClaudeHintWriter({
      apiKey: 'test-key',
      baseURL: standIn.baseURL,
      model: 'claude-test-fast',
      maxRetries: 1,
      ...opts,
    });

  it('streams a structured hint with evidence through the real SDK, caching the static prefix', async () => {
    standIn.setModes(['ok']);
    const before = Date.now();
    const draft = await writer().write(trigger, context);
    expect(draft).toMatchObject({
      kind: 'long-pause',
      source: 'llm',
      evidence: [silence.id],
      confidence: 0.8,
    });
    expect(draft.text.normal).toMatch(/^Stand-in hint for long-pause/);
    expect(draft.text.minimal).toBe('Stand-in: long-pause');
    expect(draft.firstTokenAt).toBeGreaterThanOrEqual(before + 25);

    const [req] = standIn.requests;
    expect(standIn.requests).toHaveLength(1);
    expect(req?.headers['x-api-key'] ?? req?.headers.authorization).toMatch(/^(Bearer )?test-key$/);
    const body = req?.body as {
      system: { cache_control: unknown }[];
      tools: { cache_control: unknown }[];
      messages: { content: string }[];
    };
    expect(body).toMatchObject({
      model: 'claude-test-fast',
      stream: true,
      tool_choice: { type: 'tool', name: 'give_hint' },
    });
    expect(body.system[0]?.cache_control).toEqual({ type: 'ephemeral' });
    expect(body.tools[0]?.cache_control).toEqual({ type: 'ephemeral' });
    // Only derived signals, transcript text and code: no media, and no emotion labels anywhere in the request.
    const user = JSON.parse(body.messages[0]?.content ?? '');
    expect(Object.keys(user).sort()).toEqual(['code', 'signals', 'transcript', 'trigger']);
    expect(user.signals[0]).toMatchObject({ id: silence.id, values: { silenceSeconds: 8 } });
    expect(carriesMedia(req?.raw ?? '')).toBe(false);
    expect(emotionLabelIn(req?.raw ?? '')).toBeUndefined();
  });

  it.each([
    ['rate-limited', 'api-error'],
    ['server-error', 'api-error'],
    ['malformed', 'malformed'],
    ['emotion', 'emotion-label'],
    ['text-only', 'malformed'],
  ] as const)('%s → LlmHintError %s (the caller falls back to rules)', async (mode, code) => {
    standIn.setModes([mode]);
    const err = await writer()
      .write(trigger, context)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmHintError);
    expect((err as LlmHintError).code).toBe(code);
    // 429 and 500 are retried once with backoff by the SDK; answers outside the schema are not.
    expect(standIn.requests).toHaveLength(mode === 'rate-limited' || mode === 'server-error' ? 2 : 1);
  });

  it('recovers when a retry succeeds after a 429', async () => {
    standIn.setModes(['rate-limited', 'ok']);
    const draft = await writer().write(trigger, context);
    expect(draft.source).toBe('llm');
    expect(standIn.requests).toHaveLength(2);
  });

  it('gives up within its budget when the API hangs', async () => {
    standIn.setModes(['timeout']);
    const started = Date.now();
    const err = await writer({ budgetMs: 300, attemptTimeoutMs: 5000, maxRetries: 0 })
      .write(trigger, context)
      .catch((e: unknown) => e);
    expect((err as LlmHintError).code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("a call's own budget shortens the writer's (never lengthens it), and a draft names the model that answered", async () => {
    standIn.setModes(['timeout']);
    const w = writer({ budgetMs: 5000, attemptTimeoutMs: 5000, maxRetries: 0 });
    const short = await w.write(trigger, context, { budgetMs: 200 }).catch((e: unknown) => e);
    expect((short as LlmHintError).message).toBe('no LLM hint within 200 ms');
    const capped = await writer({ budgetMs: 250, attemptTimeoutMs: 5000, maxRetries: 0 })
      .write(trigger, context, { budgetMs: 60_000 })
      .catch((e: unknown) => e);
    expect((capped as LlmHintError).message).toBe('no LLM hint within 250 ms');
    standIn.setModes(['ok']);
    expect((await w.write(trigger, context)).model).toBe('claude-test-fast');
  });

  it('opens the circuit after repeated failures and stops calling the API', async () => {
    standIn.setModes(['server-error']);
    const w = writer({ maxRetries: 0, breaker: new CircuitBreaker({ failureThreshold: 2, openMs: 60_000 }) });
    for (let i = 0; i < 2; i++) await w.write(trigger, context).catch(() => {});
    const err = await w.write(trigger, context).catch((e: unknown) => e);
    expect((err as LlmHintError).code).toBe('circuit-open');
    expect(standIn.requests).toHaveLength(2);
  });

  it('writes a session summary, refusing one that labels emotions', async () => {
    const report = { metrics: { hints: 1 }, hints: [], transcript: [], timeline: [] };
    standIn.setModes(['ok']);
    expect(await writer().summarise(report)).toMatch(/^Stand-in summary/);
    standIn.setModes(['emotion']);
    const err = await writer()
      .summarise(report)
      .catch((e: unknown) => e);
    expect((err as LlmHintError).code).toBe('emotion-label');
  });
});
