import { z } from 'zod';
import { idSchema as id, timestampSchema as timestamp, versionSchema as version } from './common.js';

/**
 * The interview plan: competencies and questions (with optional rubric notes and matching phrases) and a planned
 * duration, set when the session is created and editable by interviewers. Live coverage reports which items were
 * asked and how much the candidate said on each. Interviewer-only: the candidate never receives any of it.
 */

/** Most items in one plan. */
export const MAX_PLAN_ITEMS = 30;
/** Largest plan accepted, in UTF-8 bytes of its JSON. */
export const MAX_PLAN_BYTES = 12 * 1024;

/** Printable text without control characters (newlines allowed in rubric notes only). */
const line = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');
const note = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*(?:\n[^\p{Cc}]*)*$/u, 'must not contain control characters other than newlines');

/** One plan item: a question on a competency. */
export const planItemSchema = z.strictObject({
  /** Stable id within the plan (lowercase letters, digits, dashes). */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'lowercase letters, digits and dashes, at most 48'),
  competency: line(80),
  question: line(500),
  /** What a strong answer covers (for the interviewer; never sent to the candidate). */
  rubric: note(1000).optional(),
  /**
   * Words or phrases that show the question was asked (deterministic matching; the question's own content words
   * count too). Shown with the plan so interviewers see what the matcher listens for.
   */
  keywords: z.array(line(60)).max(20).default([]),
  /** Minutes planned for this item (default: the planned duration shared among the items). */
  minutes: z.number().positive().max(480).optional(),
});
export type PlanItem = z.infer<typeof planItemSchema>;
export type PlanItemInput = z.input<typeof planItemSchema>;

/** An interview plan. */
export const interviewPlanSchema = z
  .strictObject({
    title: line(200).optional(),
    /** Planned length of the interview in minutes. */
    durationMinutes: z.number().int().min(1).max(480),
    items: z.array(planItemSchema).min(1).max(MAX_PLAN_ITEMS),
  })
  .refine((p) => new Set(p.items.map((i) => i.id)).size === p.items.length, {
    message: 'item ids must be unique',
    path: ['items'],
  })
  .refine((p) => new TextEncoder().encode(JSON.stringify(p)).byteLength <= MAX_PLAN_BYTES, {
    message: `the plan is larger than ${MAX_PLAN_BYTES} bytes`,
  });
export type InterviewPlan = z.infer<typeof interviewPlanSchema>;
export type InterviewPlanInput = z.input<typeof interviewPlanSchema>;

/** Minutes planned for each item: its own, or what the duration leaves shared among the others. */
export function plannedMinutes(plan: InterviewPlan): Record<string, number> {
  const fixed = plan.items.reduce((n, i) => n + (i.minutes ?? 0), 0);
  const open = plan.items.filter((i) => i.minutes === undefined).length;
  const share = open > 0 ? Math.max(1, (plan.durationMinutes - fixed) / open) : 0;
  return Object.fromEntries(plan.items.map((i) => [i.id, i.minutes ?? share]));
}

/** Agent → interviewers: the session's plan as it stands (sent on join and after every edit). */
export const planMessageSchema = z.object({
  v: version,
  type: z.literal('plan'),
  sessionId: id,
  /** Increases with every edit. */
  revision: z.number().int().positive(),
  plan: interviewPlanSchema,
  updatedAt: timestamp,
  /** Who made the last edit: `api`, `create` or an interviewer identity. */
  updatedBy: z.string().min(1).max(256),
});
export type PlanMessage = z.infer<typeof planMessageSchema>;

/** A candidate statement cited as evidence for a plan item. */
export const planEvidenceSchema = z.object({
  /** Transcript segment id (`lk.segment_id`). */
  segmentId: id,
  start: timestamp,
  end: timestamp,
  /** The statement, cut to 300 characters. */
  text: z.string().max(300),
});
export type PlanEvidence = z.infer<typeof planEvidenceSchema>;

/** How a plan item was recognised as asked. */
export const matchSourceSchema = z.enum(['keywords', 'llm']);

/** Coverage of one plan item. */
export const itemCoverageSchema = z.object({
  id: z.string().min(1).max(48),
  /** `asked` once the interviewer asked it; `answered` once the candidate spoke on it. */
  status: z.enum(['not-asked', 'asked', 'answered']),
  askedAt: timestamp.optional(),
  /** The interviewer segment recognised as the question. */
  askedSegmentId: id.optional(),
  matchedBy: matchSourceSchema.optional(),
  /** Seconds and words the candidate spoke on this item. */
  candidateSeconds: z.number().nonnegative(),
  candidateWords: z.number().int().nonnegative(),
  /** The latest candidate statements on this item (at most 5 here; the report has all). */
  evidence: z.array(planEvidenceSchema).max(5),
});
export type ItemCoverage = z.infer<typeof itemCoverageSchema>;

/** Agent → interviewers: live coverage of the plan. */
export const coverageMessageSchema = z.object({
  v: version,
  type: z.literal('coverage'),
  sessionId: id,
  /** The plan revision this coverage is about. */
  revision: z.number().int().positive(),
  at: timestamp,
  /** When the interview started (first speech heard), if it has. */
  startedAt: timestamp.optional(),
  elapsedMinutes: z.number().nonnegative(),
  minutesLeft: z.number(),
  /** Planned minutes of the items not yet asked. */
  minutesNeeded: z.number().nonnegative(),
  itemsLeft: z.number().int().nonnegative(),
  /** The item the conversation is on (the last one asked). */
  current: z.string().max(48).optional(),
  /** The time left cannot cover the items left. */
  timeShort: z.boolean(),
  items: z.array(itemCoverageSchema).max(MAX_PLAN_ITEMS),
});
export type CoverageMessage = z.infer<typeof coverageMessageSchema>;

/** Interviewer → agent: replaces the session's plan (refused from a candidate). */
export const planUpdateMessageSchema = z.object({
  v: version,
  type: z.literal('plan-update'),
  plan: interviewPlanSchema,
});
export type PlanUpdateMessage = z.infer<typeof planUpdateMessageSchema>;

/** `values` of the `plan-coverage` signal: the plan's time budget against the items left. */
export const planCoverageValuesSchema = z.strictObject({
  itemsTotal: z.number().int().nonnegative(),
  itemsAsked: z.number().int().nonnegative(),
  itemsLeft: z.number().int().nonnegative(),
  minutesLeft: z.number().finite(),
  minutesNeeded: z.number().finite().nonnegative(),
  timeShort: z.boolean(),
  /** Ids of the items not yet asked, comma-separated. */
  notAsked: z.string().max(256),
});
