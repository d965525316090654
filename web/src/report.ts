import { type SessionReport, sessionReportSchema } from '@interview-helper/protocol';

export type { SessionReport } from '@interview-helper/protocol';
/** Result of one report request. */
export type ReportResult =
  | { ok: true; report: SessionReport }
  | { ok: false; code: string; message: string; retry: boolean };

/**
 * Fetches the report with the interviewer invite as bearer token. `not_found` (not written yet: it is written
 * when the session ends), `too_many_attempts` and network errors are retryable; `unauthorized` is not.
 */
export async function fetchReport(
  session: string,
  invite: string,
  fetchImpl: typeof fetch = fetch,
): Promise<ReportResult> {
  let res: Response;
  try {
    res = await fetchImpl(`/api/sessions/${encodeURIComponent(session)}/report`, {
      headers: { authorization: `Bearer ${invite}` },
    });
  } catch (error) {
    return { ok: false, code: 'server_unreachable', message: (error as Error).message, retry: true };
  }
  const body = (await res.json().catch(() => undefined)) as
    | { error?: { code?: string; message?: string } }
    | undefined;
  if (res.ok) {
    const parsed = sessionReportSchema.safeParse(body);
    if (parsed.success) return { ok: true, report: parsed.data };
    return {
      ok: false,
      code: 'invalid_report',
      message: 'the report does not match the protocol',
      retry: false,
    };
  }
  const code = body?.error?.code ?? `http_${res.status}`;
  return {
    ok: false,
    code,
    message: body?.error?.message ?? `the token server answered ${res.status}`,
    retry: code === 'not_found' || code === 'too_many_attempts' || res.status >= 500,
  };
}

/** Headline metrics as label/value rows. */
export function metricRows(report: SessionReport): [string, string][] {
  const m = report.metrics;
  const minutes = Math.floor(m.durationSeconds / 60);
  const seconds = Math.round(m.durationSeconds % 60);
  const signals = Object.entries(m.signalCounts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    ['Duration', `${minutes} min ${seconds} s`],
    [
      'Hints',
      `${m.hints.total} (${
        Object.entries(m.hints.bySource)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || 'none'
      })`,
    ],
    ['Feedback', `${m.feedback.useful} useful, ${m.feedback.notUseful} not useful, ${m.feedback.none} none`],
    ['Signals', signals || 'none'],
    ['Transcript', `${report.transcript.length} segments`],
  ];
}
