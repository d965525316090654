import { z } from 'zod';
import { matchSourceSchema } from './plan.js';

const iso = z.string().min(1);

/** A candidate statement in the notes of a plan item. */
export const planNoteSchema = z.object({
  segmentId: z.string(),
  at: iso,
  /** Seconds since the interview started. */
  offsetSeconds: z.number(),
  text: z.string(),
});
export type PlanNote = z.infer<typeof planNoteSchema>;

/**
 * The plan section of the session report: coverage of every item with the candidate's statements on it, and a
 * scorecard **draft** (evidence per competency, no score unless one is configured) for the interviewers to
 * complete.
 */
export const planReportSchema = z.object({
  revision: z.number().int(),
  title: z.string().optional(),
  durationMinutes: z.number(),
  asked: z.number().int(),
  total: z.number().int(),
  notAsked: z.array(z.string()),
  items: z.array(
    z.object({
      id: z.string(),
      competency: z.string(),
      question: z.string(),
      rubric: z.string().optional(),
      status: z.enum(['not-asked', 'asked', 'answered']),
      askedAt: iso.nullable(),
      matchedBy: matchSourceSchema.nullable(),
      candidateSeconds: z.number(),
      candidateWords: z.number(),
      notes: z.array(planNoteSchema),
    }),
  ),
  scorecard: z.object({
    status: z.literal('draft'),
    source: z.enum(['rules', 'llm']),
    competencies: z.array(
      z.object({
        competency: z.string(),
        items: z.array(z.string()),
        /** What was observed, in plain words (asked or not, how long the candidate spoke). Never a judgement. */
        observation: z.string(),
        evidence: z.array(planNoteSchema.extend({ itemId: z.string() })),
        /** Left to the interviewers: null unless numeric scores are switched on. */
        score: z.number().nullable(),
      }),
    ),
  }),
});
export type PlanReport = z.infer<typeof planReportSchema>;

const clock = (seconds: number) => {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** The scorecard draft as Markdown (one section per competency, statements with their time in the interview). */
export function scorecardMarkdown(
  plan: PlanReport,
  meta: { sessionId: string; generatedAt: string },
): string {
  const out = [
    `# Scorecard draft${plan.title ? `: ${plan.title}` : ''}`,
    '',
    `Session \`${meta.sessionId}\`, generated ${meta.generatedAt}. **Draft**: evidence only, no score; the ` +
      'interviewers complete it.',
    '',
    `Plan coverage: ${plan.asked} of ${plan.total} items asked (planned ${plan.durationMinutes} min).` +
      (plan.notAsked.length ? ` Not asked: ${plan.notAsked.join(', ')}.` : ''),
    '',
  ];
  for (const c of plan.scorecard.competencies) {
    out.push(`## ${c.competency}`, '', c.observation, '');
    for (const itemId of c.items) {
      const item = plan.items.find((i) => i.id === itemId);
      if (!item) continue;
      out.push(`### ${item.question}`, '');
      out.push(
        item.askedAt
          ? `Asked at ${item.askedAt} (${item.matchedBy ?? 'keywords'}); candidate spoke ${Math.round(item.candidateSeconds)} s, ${item.candidateWords} words.`
          : 'Not asked.',
        '',
      );
      if (item.rubric) out.push(`> Rubric: ${item.rubric.replace(/\n/g, ' ')}`, '');
      for (const n of item.notes) out.push(`- [${clock(n.offsetSeconds)}] ${n.text} (\`${n.segmentId}\`)`);
      if (item.notes.length) out.push('');
    }
    out.push('Score: _to be completed by the interviewers_', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/**
 * The scorecard draft as JSON an applicant-tracking system can import: one entry per competency with its
 * questions, evidence (quote, time, source) and an empty rating.
 */
export function scorecardJson(
  plan: PlanReport,
  meta: { sessionId: string; generatedAt: string; interviewers?: string[] },
) {
  return {
    format: 'interview-helper.scorecard',
    version: 1,
    status: 'draft' as const,
    interview: {
      externalId: meta.sessionId,
      title: plan.title ?? null,
      generatedAt: meta.generatedAt,
      plannedMinutes: plan.durationMinutes,
      interviewers: meta.interviewers ?? [],
    },
    coverage: { asked: plan.asked, total: plan.total, notAsked: plan.notAsked },
    attributes: plan.scorecard.competencies.map((c) => ({
      name: c.competency,
      rating: c.score,
      note: c.observation,
      questions: c.items.flatMap((id) => {
        const item = plan.items.find((i) => i.id === id);
        return item ? [{ id: item.id, text: item.question, asked: item.status !== 'not-asked' }] : [];
      }),
      evidence: c.evidence.map((e) => ({
        questionId: e.itemId,
        quote: e.text,
        timestamp: e.at,
        offsetSeconds: e.offsetSeconds,
        source: 'transcript',
        segmentId: e.segmentId,
      })),
    })),
  };
}
