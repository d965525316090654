import type { SessionReport } from '@interview-helper/protocol';
import { h } from './dom.js';

type PlanReport = NonNullable<SessionReport['plan']>;

const clock = (seconds: number) => {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** Downloads the scorecard draft from the token server (the interviewer invite as bearer token). */
async function download(session: string, invite: string, format: 'md' | 'json'): Promise<void> {
  const res = await fetch(`/api/sessions/${encodeURIComponent(session)}/scorecard?format=${format}`, {
    headers: { authorization: `Bearer ${invite}` },
  });
  if (!res.ok) throw new Error(`the token server answered ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: `scorecard-${session}.${format}` });
  document.body.append(a);
  a.click();
  a.remove();
  // the browser reads the blob after this task: release it later
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * The report's plan section: coverage of every item with the candidate's statements (time in the interview,
 * text), and the scorecard draft per competency (observation and cited statements, no score), with Markdown and
 * JSON downloads. `data-testid="report-plan"` and `"report-scorecard"`.
 */
export function planReportSections(plan: PlanReport, session: string, invite: string): HTMLElement[] {
  const coverage = h(
    'section',
    { testid: 'report-plan' },
    h('h3', {}, 'Plan coverage'),
    h(
      'p',
      { testid: 'report-plan-summary' },
      `${plan.asked} of ${plan.total} items asked (planned ${plan.durationMinutes} min).`,
      plan.notAsked.length ? ` Not asked: ${plan.notAsked.join(', ')}.` : '',
    ),
    h(
      'ol',
      { className: 'plan-items' },
      ...plan.items.map((i) =>
        h(
          'li',
          { className: `plan-item ${i.status}`, attrs: { 'data-item': i.id, 'data-status': i.status } },
          h('span', { className: 'plan-status' }, i.status.replace('-', ' ')),
          ' ',
          h('strong', {}, i.competency),
          ': ',
          i.question,
          i.candidateSeconds > 0
            ? ` — candidate ${Math.round(i.candidateSeconds)} s, ${i.candidateWords} words`
            : '',
          i.notes.length > 0 &&
            h(
              'ul',
              { className: 'plan-evidence' },
              ...i.notes.map((n) =>
                h(
                  'li',
                  { attrs: { 'data-segment': n.segmentId } },
                  h('time', {}, clock(n.offsetSeconds)),
                  ' ',
                  n.text,
                ),
              ),
            ),
        ),
      ),
    ),
  );
  const status = h('p', { className: 'status', role: 'status' });
  const button = (format: 'md' | 'json', label: string) => {
    const b = h('button', { type: 'button', testid: `scorecard-${format}` }, label);
    b.addEventListener('click', () => {
      download(session, invite, format).catch((err: unknown) => {
        status.textContent = `Download failed: ${(err as Error).message}`;
      });
    });
    return b;
  };
  const scorecard = h(
    'section',
    { testid: 'report-scorecard', attrs: { 'data-status': plan.scorecard.status } },
    h('h3', {}, 'Scorecard draft'),
    h(
      'p',
      { className: 'muted' },
      'Evidence per competency for the interviewers to complete; no score is given.',
    ),
    ...plan.scorecard.competencies.map((c) =>
      h(
        'article',
        { testid: 'scorecard-competency', attrs: { 'data-competency': c.competency } },
        h('h4', {}, c.competency),
        h('p', {}, c.observation),
        c.evidence.length > 0 &&
          h(
            'ul',
            {},
            ...c.evidence.map((e) => h('li', {}, h('time', {}, clock(e.offsetSeconds)), ' ', `“${e.text}”`)),
          ),
      ),
    ),
    h('p', {}, button('md', 'Download Markdown'), ' ', button('json', 'Download JSON (ATS)')),
    status,
  );
  return [coverage, scorecard];
}
