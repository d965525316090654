import { describe, expect, it } from 'vitest';
import { decodeAgentMessage, decodeClientMessage } from './codec.js';
import { PROTOCOL_VERSION } from './common.js';
import { interviewPlanSchema, MAX_PLAN_BYTES, plannedMinutes } from './plan.js';

const item = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  competency: 'Problem solving',
  question: `Question ${id}?`,
  ...extra,
});

describe('interview plan', () => {
  it('validates items, ids and size, with keywords defaulting to none', () => {
    const plan = interviewPlanSchema.parse({ durationMinutes: 45, items: [item('a'), item('b')] });
    expect(plan.items[0]?.keywords).toEqual([]);
    const bad = (p: unknown) => interviewPlanSchema.safeParse(p).success;
    expect(bad({ durationMinutes: 45, items: [item('a'), item('a')] })).toBe(false);
    expect(bad({ durationMinutes: 45, items: [item('A b')] })).toBe(false);
    expect(bad({ durationMinutes: 45, items: [] })).toBe(false);
    expect(bad({ durationMinutes: 45, items: [item('a', { question: 'x\u0007' })] })).toBe(false);
    expect(bad({ durationMinutes: 45, items: [item('a', { unknown: 1 })] })).toBe(false);
    const big = {
      durationMinutes: 45,
      items: Array.from({ length: 12 }, (_, i) => item(`q${i}`, { rubric: 'r'.repeat(999) })),
    };
    expect(JSON.stringify(big).length).toBeGreaterThan(MAX_PLAN_BYTES);
    expect(bad(big)).toBe(false);
  });

  it('shares the unplanned time among items without their own minutes', () => {
    const plan = interviewPlanSchema.parse({
      durationMinutes: 30,
      items: [item('a', { minutes: 10 }), item('b'), item('c')],
    });
    expect(plannedMinutes(plan)).toEqual({ a: 10, b: 10, c: 10 });
  });

  it('travels as agent and client messages', () => {
    const plan = { durationMinutes: 30, items: [item('a', { keywords: ['duplicate'] })] };
    const sent = {
      v: PROTOCOL_VERSION,
      type: 'plan',
      sessionId: 's',
      revision: 1,
      plan,
      updatedAt: 1,
      updatedBy: 'api',
    };
    expect(decodeAgentMessage(JSON.stringify(sent))).toMatchObject({ ok: true, message: { type: 'plan' } });
    const edit = decodeClientMessage(JSON.stringify({ v: PROTOCOL_VERSION, type: 'plan-update', plan }));
    expect(edit).toMatchObject({ ok: true, message: { type: 'plan-update' } });
    const invalid = decodeClientMessage(
      JSON.stringify({ v: PROTOCOL_VERSION, type: 'plan-update', plan: {} }),
    );
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });
});
