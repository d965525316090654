/** Result of {@link endSession}. */
export type EndResult = { ok: true; endedAt: string } | { ok: false; code: string; message: string };

/**
 * Ends the interview for everyone (`POST /api/sessions/:id/end` with the interviewer invite as bearer
 * token): the token server marks the session ended and closes its room, the agent then writes the report.
 */
export async function endSession(
  session: string,
  invite: string,
  fetchImpl: typeof fetch = (...args) => globalThis.fetch(...args),
): Promise<EndResult> {
  let res: Response;
  try {
    res = await fetchImpl(`/api/sessions/${encodeURIComponent(session)}/end`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${invite}` },
      body: '{}',
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    return {
      ok: false,
      code: 'server_unreachable',
      message: 'The server is unreachable: the interview was not ended.',
    };
  }
  const body = (await res.json().catch(() => undefined)) as
    | { session?: { endedAt?: string }; error?: { code?: string; message?: string } }
    | undefined;
  if (res.ok) return { ok: true, endedAt: body?.session?.endedAt ?? '' };
  return {
    ok: false,
    code: body?.error?.code ?? `http_${res.status}`,
    message: `The interview could not be ended: ${body?.error?.message ?? `HTTP ${res.status}`}`,
  };
}
