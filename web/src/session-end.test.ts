import { describe, expect, it } from 'vitest';
import { endSession } from './session-end.js';

describe('endSession', () => {
  it('posts JSON with the interviewer invite as bearer token', async () => {
    const calls: [string, RequestInit | undefined][] = [];
    const result = await endSession('s/1', 'inv', async (url, init) => {
      calls.push([String(url), init]);
      return Response.json({ session: { id: 's/1', endedAt: '2026-01-01T00:00:00.000Z' } });
    });
    expect(result).toEqual({ ok: true, endedAt: '2026-01-01T00:00:00.000Z' });
    expect(calls[0]?.[0]).toBe('/api/sessions/s%2F1/end');
    expect(calls[0]?.[1]?.method).toBe('POST');
    expect(calls[0]?.[1]?.headers).toEqual({
      'content-type': 'application/json',
      authorization: 'Bearer inv',
    });
  });

  it('reports refusals with the server code and network failures as server_unreachable', async () => {
    const refused = await endSession('s', 'x', async () =>
      Response.json({ error: { code: 'unauthorized', message: 'nope' } }, { status: 401 }),
    );
    expect(refused).toMatchObject({ ok: false, code: 'unauthorized' });
    const down = await endSession('s', 'x', async () => {
      throw new TypeError('fetch failed');
    });
    expect(down).toMatchObject({ ok: false, code: 'server_unreachable' });
  });
});
