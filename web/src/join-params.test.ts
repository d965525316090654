import { describe, expect, it } from 'vitest';
import { parseJoinParams } from './join-params.js';

describe('parseJoinParams', () => {
  it('reads an invite link', () => {
    const result = parseJoinParams('?session=s1&role=candidate&invite=abc_-123');
    expect(result).toEqual({ ok: true, params: { session: 's1', role: 'candidate', invite: 'abc_-123' } });
  });

  it('keeps a prefilled name, trimmed and capped', () => {
    const result = parseJoinParams(
      new URLSearchParams({ session: 's', role: 'interviewer', invite: 'i', name: ` ${'x'.repeat(100)} ` }),
    );
    expect(result.ok && result.params.name).toBe('x'.repeat(64));
  });

  it('names every missing parameter', () => {
    const result = parseJoinParams('?role=candidate');
    expect(result).toMatchObject({ ok: false, error: { code: 'missing_invite' } });
    expect(!result.ok && result.error.message).toMatch(/missing: session, invite/);
    expect(parseJoinParams('')).toMatchObject({ ok: false, error: { code: 'missing_invite' } });
  });

  it('refuses unknown roles and oversized values', () => {
    expect(parseJoinParams('?session=s&role=admin&invite=i')).toMatchObject({
      ok: false,
      error: { code: 'invalid_role' },
    });
    expect(parseJoinParams(`?session=s&role=candidate&invite=${'a'.repeat(300)}`)).toMatchObject({
      ok: false,
      error: { code: 'invalid_link' },
    });
  });
});
