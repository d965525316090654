import {
  type InterviewPlan,
  interviewPlanSchema,
  type PlanNote,
  type PlanReport,
} from '@interview-helper/protocol';
import { type Database, PlanStore } from '@interview-helper/storage';
import type { CoverageSnapshot, ItemState } from './coverage.js';

const iso = (t: number) => new Date(t).toISOString();

/** Options of {@link buildPlanReport}. */
export interface PlanReportOptions {
  /** Statements cited per competency in the scorecard draft. */
  evidencePerCompetency: number;
}

export const defaultPlanReportOptions: PlanReportOptions = { evidencePerCompetency: 8 };

/** Plain words for what was observed on a competency: asked or not, how long the candidate spoke. Never a judgement. */
function observation(items: ItemState[]): string {
  const asked = items.filter((i) => i.status !== 'not-asked');
  const seconds = Math.round(items.reduce((n, i) => n + i.candidateSeconds, 0));
  const words = items.reduce((n, i) => n + i.candidateWords, 0);
  const statements = items.reduce((n, i) => n + i.statements.length, 0);
  if (asked.length === 0)
    return `Not asked (${items.length} planned ${items.length === 1 ? 'question' : 'questions'}).`;
  return (
    `Asked ${asked.length} of ${items.length} planned ${items.length === 1 ? 'question' : 'questions'}; ` +
    (statements
      ? `the candidate spoke ${seconds} s (${words} words in ${statements} ${statements === 1 ? 'statement' : 'statements'}).`
      : 'no candidate statement was transcribed after it.')
  );
}

/**
 * The plan section of the report: every item with its coverage and the candidate's statements (time, text,
 * segment id), and the scorecard draft (per competency: an observation in plain words, cited statements, no score).
 */
export function buildPlanReport(
  plan: InterviewPlan,
  revision: number,
  snapshot: CoverageSnapshot | undefined,
  opts: Partial<PlanReportOptions> = {},
): PlanReport {
  const o = { ...defaultPlanReportOptions, ...opts };
  const start = snapshot?.startedAt ?? 0;
  const state = new Map((snapshot?.items ?? []).map((s) => [s.id, s]));
  const stateOf = (id: string): ItemState =>
    state.get(id) ?? { id, status: 'not-asked', candidateSeconds: 0, candidateWords: 0, statements: [] };
  const notes = (s: ItemState): PlanNote[] =>
    s.statements.map((e) => ({
      segmentId: e.segmentId,
      at: iso(e.start),
      offsetSeconds: start ? Math.max(0, Math.round((e.start - start) / 1000)) : 0,
      text: e.text,
    }));
  const items = plan.items.map((i) => {
    const s = stateOf(i.id);
    return {
      id: i.id,
      competency: i.competency,
      question: i.question,
      ...(i.rubric ? { rubric: i.rubric } : {}),
      status: s.status,
      askedAt: s.askedAt !== undefined ? iso(s.askedAt) : null,
      matchedBy: s.matchedBy ?? null,
      candidateSeconds: s.candidateSeconds,
      candidateWords: s.candidateWords,
      notes: notes(s),
    };
  });
  const competencies = [...new Set(plan.items.map((i) => i.competency))].map((competency) => {
    const own = plan.items.filter((i) => i.competency === competency).map((i) => stateOf(i.id));
    return {
      competency,
      items: own.map((s) => s.id),
      observation: observation(own),
      evidence: own
        .flatMap((s) => notes(s).map((n) => ({ ...n, itemId: s.id })))
        .sort((a, b) => b.text.length - a.text.length)
        .slice(0, o.evidencePerCompetency)
        .sort((a, b) => a.at.localeCompare(b.at)),
      score: null,
    };
  });
  const notAsked = items.filter((i) => i.status === 'not-asked').map((i) => i.id);
  return {
    revision,
    ...(plan.title ? { title: plan.title } : {}),
    durationMinutes: plan.durationMinutes,
    asked: items.length - notAsked.length,
    total: items.length,
    notAsked,
    items,
    scorecard: { status: 'draft', source: 'rules', competencies },
  };
}

/** The plan section for a session from its stored plan and coverage snapshot; undefined without a plan. */
export async function readPlanReport(db: Database, sessionId: string): Promise<PlanReport | undefined> {
  const store = new PlanStore(db);
  const stored = await store.getPlan(sessionId);
  if (!stored) return undefined;
  const plan = interviewPlanSchema.safeParse(stored.plan);
  if (!plan.success) return undefined;
  const coverage = await store.getCoverage(sessionId);
  return buildPlanReport(plan.data, stored.revision, coverage?.coverage as CoverageSnapshot | undefined);
}
