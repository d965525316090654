import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIGNAL_KINDS } from '@interview-helper/protocol';
import { z } from 'zod';

/** A time relative to t0: milliseconds, or an anchor such as `"pause.start+8000"` resolved against the timeline. */
export const timeSchema = z.union([
  z.number().finite(),
  z.string().regex(/^[\w-]+\.(start|end)([+-]\d+)?$/, 'an anchor "<item id>.start|end[+|-ms]"'),
]);

/** When an expected event must arrive (relative to t0), and when its cause happened (for latency). */
export const windowSchema = z.object({ fromMs: timeSchema, toMs: timeSchema });

const eventType = z.enum(['signal', 'hint', 'transcript', 'conduct', 'plan', 'coverage']);

/** Who received an event: the interviewer, the candidate, or the silent second interviewer (`secondInterviewer`). */
const recipient = z.enum(['interviewer', 'candidate', 'interviewer-2']);

/** A signal kind must be one of the signal catalogue (protocol/src/signals.ts). */
function catalogueKind(e: { type: string; kind?: string | undefined }, ctx: z.RefinementCtx): void {
  if (e.type === 'signal' && e.kind !== undefined && !(SIGNAL_KINDS as string[]).includes(e.kind))
    ctx.addIssue({
      code: 'custom',
      path: ['kind'],
      message: `unknown signal kind ${e.kind} (see the signal catalogue)`,
    });
}

/** One event the scenario expects to receive. */
export const expectedEventSchema = z
  .object({
    /** Short name shown in the table (defaults to type/kind). */
    name: z.string().max(80).optional(),
    type: eventType,
    kind: z.string().max(64).optional(),
    /** Episode phase of a signal (`values.phase`). */
    phase: z.enum(['start', 'update', 'end']).optional(),
    /**
     * Words that must all occur in the event's text (hint text or transcript), case-insensitive. A list gives
     * alternatives: the words of any one entry (for a transcript, e.g. the two phrases of one request that a trigger
     * recognises each on its own: a recogniser may render one of them differently).
     */
    text: z.union([z.string().max(200), z.array(z.string().min(1).max(200)).min(1).max(8)]).optional(),
    /** Who spoke (transcripts). */
    speaker: z.enum(['candidate', 'interviewer']).optional(),
    /** Plan item whose coverage must have reached `status` (coverage messages). */
    item: z.string().max(48).optional(),
    status: z.enum(['asked', 'answered']).optional(),
    window: windowSchema,
    /** The moment the cause happened; latency is measured from it (default: the window's start). */
    triggerMs: timeSchema.optional(),
    to: recipient.default('interviewer'),
  })
  .superRefine(catalogueKind);
export type ExpectedEvent = z.infer<typeof expectedEventSchema>;

/** Something that must not be received (in its window, when given). `type: 'any'` is any agent message. */
export const forbiddenEventSchema = z
  .object({
    name: z.string().max(80).optional(),
    type: z.enum(['signal', 'hint', 'transcript', 'conduct', 'plan', 'coverage', 'any']),
    kind: z.string().max(64).optional(),
    item: z.string().max(48).optional(),
    status: z.enum(['asked', 'answered']).optional(),
    window: windowSchema.optional(),
    to: recipient.default('interviewer'),
  })
  .superRefine(catalogueKind);
export type ForbiddenEvent = z.infer<typeof forbiddenEventSchema>;

/** `expected.json`. */
export const expectedSchema = z.object({
  description: z.string().max(2000).optional(),
  events: z.array(expectedEventSchema).min(1),
  forbidden: z.array(forbiddenEventSchema).default([]),
  /**
   * Hint kinds from most to least urgent, for the held-back analysis (a hint that arrives late while a less urgent
   * one was delivered in between was held behind it). Defaults to {@link DEFAULT_PRIORITY}.
   */
  priority: z.array(z.string()).optional(),
  /**
   * How long before a late hint's trigger a less urgent hint still counts as holding it back (default 15 s, the
   * agent's default interval between two hints to one interviewer).
   */
  holdLookbackMs: z.number().int().min(0).max(600_000).default(15_000),
  /**
   * How far outside its window an arrival may still match an event, as late or early. Default: anywhere in the
   * run. A scenario played in loops sets its period, so one loop's arrival never stands in for another loop's.
   */
  matchWithinMs: z.number().int().positive().optional(),
});
export type Expected = z.infer<typeof expectedSchema>;

/** Urgency of hint kinds, most urgent first: what an interviewer must act on now comes before commentary. */
export const DEFAULT_PRIORITY = [
  'extra-person',
  'stuck',
  'long-pause',
  'code-idle',
  'look-away',
  'code-review',
  'answer-end',
  'fast-speech',
  'monotone',
];

/** A code-pad revision the candidate sends (`code.json` is an array of these). */
export const codeUpdateSchema = z.object({
  atMs: timeSchema,
  revision: z.number().int().nonnegative(),
  language: z.string().min(1).max(32),
  text: z.string().max(200_000),
});
export const codeScriptSchema = z.array(codeUpdateSchema).max(500);
export type CodeUpdate = z.infer<typeof codeUpdateSchema>;

const speechItem = z.object({
  id: z
    .string()
    .regex(/^[\w-]+$/)
    .optional(),
  /** Start after this item (of any track) ends, plus `gapMs`; default: right after the previous item. */
  after: z
    .string()
    .regex(/^[\w-]+$/)
    .optional(),
  gapMs: z.number().int().min(0).max(60_000).default(0),
  say: z.string().min(1).max(1000).optional(),
  /** A drawn-out hesitation vowel ("um", "uh"). */
  filler: z.string().min(1).max(10).optional(),
  silenceMs: z.number().int().min(1).max(120_000).optional(),
  /** espeak-ng words per minute (default 150). */
  wpm: z.number().int().min(80).max(450).optional(),
});
export type SpeechItem = z.infer<typeof speechItem>;

const cameraItem = z.object({
  id: z
    .string()
    .regex(/^[\w-]+$/)
    .optional(),
  /** A photo of the shared fixtures, `empty` (nobody in view) or `two-faces` (two people side by side). */
  show: z.string().min(1).max(200),
  durationMs: z.number().int().min(100).max(120_000),
});

/** `scenario.json`: how the builder makes the scenario's media. */
export const recipeSchema = z.object({
  description: z.string().max(2000),
  interviewer: z.array(speechItem).default([]),
  candidate: z.array(speechItem).min(1),
  camera: z.array(cameraItem).min(1),
  /** Silence after the last item of every track (ms). */
  tailMs: z.number().int().min(0).max(60_000).default(2000),
  /** Client message the interviewer sends before t0, e.g. `{ "type": "settings", ... }` (v is added). */
  settings: z.record(z.string(), z.unknown()).optional(),
  /** How long to keep listening after the media ends (ms). */
  listenAfterMs: z.number().int().min(0).max(120_000).default(8000),
  /** A second interviewer joins, silent, and records what reaches them (recipient `interviewer-2`). */
  secondInterviewer: z.boolean().default(false),
  /**
   * Played by the replay bench only, not by the test suite: its outcome hangs on the recognizer hearing one key
   * word, so it measures (pass rate, latency) rather than gates.
   */
  benchOnly: z.boolean().default(false),
});
export type Recipe = z.infer<typeof recipeSchema>;

/** Where each timeline item starts and ends (ms from t0). */
export type Timeline = Record<string, { start: number; end: number }>;

/** Reads and validates a JSON file, naming it in every error. */
export function readJson<T>(path: string, schema: z.ZodType<T>): T {
  if (!existsSync(path)) throw new Error(`${path}: missing`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new Error(`${path}: ${detail}`);
  }
  return parsed.data;
}

/** Resolves a time (number or anchor) against `timeline`; throws naming the unknown anchor. */
export function resolveTime(t: z.infer<typeof timeSchema>, timeline: Timeline, where: string): number {
  if (typeof t === 'number') return t;
  const m = /^([\w-]+)\.(start|end)([+-]\d+)?$/.exec(t);
  const item = m ? timeline[m[1] as string] : undefined;
  if (!m || !item)
    throw new Error(`${where}: unknown anchor "${t}" (timeline has ${Object.keys(timeline).join(', ')})`);
  return item[m[2] as 'start' | 'end'] + Number(m[3] ?? 0);
}

/** The scenario files in a directory: media as given, or as built from its recipe. */
export interface ScenarioFiles {
  dir: string;
  name: string;
  /** VP8 IVF or Y4M. */
  video: string;
  candidateAudio: string;
  interviewerAudio?: string;
  code?: string;
  expected: string;
  /** The interviewer's settings message, if any. */
  settings?: Record<string, unknown>;
  timeline: Timeline;
  /** Length of the media (ms). */
  mediaMs: number;
  listenAfterMs: number;
}

/** Media file names the runner looks for in a scenario directory without a recipe. */
export const MEDIA_NAMES = {
  video: ['candidate.ivf', 'candidate.y4m'],
  candidateAudio: ['candidate.ogg'],
  interviewerAudio: ['interviewer.ogg'],
  code: ['code.json'],
  timeline: ['timeline.json'],
} as const;

/** First existing `names` in `dir`, if any. */
export function findFile(dir: string, names: readonly string[]): string | undefined {
  return names.map((n) => join(dir, n)).find((p) => existsSync(p));
}
