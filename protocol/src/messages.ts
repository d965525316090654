import { z } from 'zod';
import { idSchema as id, timestampSchema as timestamp, versionSchema as version } from './common.js';
import { conductMessageSchema } from './conduct.js';
import { consentMessageSchema } from './consent.js';
import { inboxStatsSchema } from './inbox.js';
import { coverageMessageSchema, planMessageSchema, planUpdateMessageSchema } from './plan.js';
import { analysisStatusMessageSchema } from './recovery.js';
import { signalMessageSchema } from './signals.js';
import { storageStatusSchema } from './storage-status.js';
import { transcriptionStatusSchema } from './transcription-status.js';

export { PROTOCOL_VERSION, timeRangeSchema } from './common.js';

export const roleSchema = z.enum(['candidate', 'interviewer']);
export type Role = z.infer<typeof roleSchema>;

/** Measured values behind a signal, e.g. `{ rmsDbfs: -23.4, fps: 14.8 }`. */
export const measurementsSchema = z.record(
  z.string().max(64),
  z.union([z.number(), z.string().max(256), z.boolean()]),
);

/** One input a hint rests on: a signal (or transcript segment, code revision) with its time and values. */
export const hintWhyInputSchema = z.object({
  id,
  kind: z.string().min(1).max(64),
  /** Start of the input's time range, when it has one. */
  start: timestamp.optional(),
  /** When the input happened (the end of its range). */
  at: timestamp.optional(),
  /** The values of the input the trigger read. */
  values: measurementsSchema.optional(),
});
export type HintWhyInput = z.infer<typeof hintWhyInputSchema>;

/**
 * Why a hint was given: the trigger, the inputs and thresholds that fired it, who wrote the text, and its
 * timeline. Every hint the agent sends carries one.
 */
export const hintWhySchema = z.object({
  /** The trigger kind (e.g. `long-pause`). */
  trigger: z.string().min(1).max(64),
  /** Priority of the trigger (higher goes first; see the agent's hint timing table). */
  priority: z.number().int().min(0).max(10),
  inputs: z.array(hintWhyInputSchema).max(20),
  /** The facts the text quotes, as they were when the hint was sent (e.g. the silence so far). */
  facts: measurementsSchema,
  /** The option values that made the trigger fire, and the trigger's timing options. */
  thresholds: measurementsSchema,
  /** `rules` (templates) or the id of the model that wrote the text. */
  source: z.string().min(1).max(128),
  confidence: z.number().min(0).max(1),
  /** When the triggering event happened. */
  triggerAt: timestamp,
  /** When the agent decided to give the hint. */
  decidedAt: timestamp,
  /** When this message was sent. */
  sentAt: timestamp.optional(),
  /** After this moment the hint is no longer sent (its content may no longer be true). */
  validUntil: timestamp,
  /** Related triggers folded into this hint (e.g. a clarification request during a long pause). */
  merged: z
    .array(z.object({ trigger: z.string().min(1).max(64), at: timestamp, facts: measurementsSchema }))
    .max(10)
    .optional(),
});
export type HintWhy = z.infer<typeof hintWhySchema>;

/**
 * A hint for the interviewer, grounded in signals. A hint with an id already shown is an update of that hint
 * (a related trigger was merged into it): clients replace the earlier one.
 */
export const hintMessageSchema = z.object({
  v: version,
  type: z.literal('hint'),
  id,
  sessionId: id,
  kind: z.string().min(1).max(64),
  text: z.string().min(1).max(20_000),
  evidence: z.array(id).max(50),
  confidence: z.number().min(0).max(1),
  source: z.enum(['rules', 'llm']),
  createdAt: timestamp,
  /** When the triggering event happened (e.g. the moment a pause became long), if known. */
  triggerAt: timestamp.optional(),
  /** Detail level the text was written for (the recipient's setting). */
  detail: z.enum(['minimal', 'normal', 'verbose']).optional(),
  /** Why the hint was given (trigger, inputs, thresholds, source, timeline). */
  why: hintWhySchema.optional(),
});
export type HintMessage = z.infer<typeof hintMessageSchema>;

/** Per-analyser health and throughput, sent periodically to interviewers. */
export const analyserStatsSchema = z.object({
  name: z.string().min(1).max(64),
  media: z.enum(['audio', 'video']),
  status: z.enum(['waiting', 'running', 'failed', 'stopped']),
  error: z.string().max(500).optional(),
  framesIn: z.number().int().nonnegative(),
  signalsOut: z.number().int().nonnegative(),
  /** Signals dropped because they did not match the signal catalogue. */
  signalsInvalid: z.number().int().nonnegative().default(0),
});

export const statsMessageSchema = z.object({
  v: version,
  type: z.literal('stats'),
  sessionId: id,
  at: timestamp,
  candidate: z.string().max(256).nullable(),
  /** Signals of the session's own capabilities dropped for not matching the signal catalogue. */
  invalidSignals: z.number().int().nonnegative().default(0),
  analysers: z.array(analyserStatsSchema).max(64),
  /** Speech-to-text: whether the transcript keeps up, and the shared recognizer's queue and memory. */
  transcription: transcriptionStatusSchema.optional(),
  /** Client messages the agent received, accepted and dropped (malformed, forged, oversized, bursts). */
  inbox: inboxStatsSchema.optional(),
  /** The session's write path: whether records reach the database, and what waits. */
  storage: storageStatusSchema.optional(),
});
export type StatsMessage = z.infer<typeof statsMessageSchema>;

/** Largest code-pad document accepted, in UTF-8 bytes. */
export const MAX_CODE_BYTES = 256 * 1024;

export const codeUpdateMessageSchema = z.object({
  v: version,
  type: z.literal('code'),
  revision: z.number().int().nonnegative(),
  language: z.string().min(1).max(32),
  text: z.string().refine((t) => new TextEncoder().encode(t).byteLength <= MAX_CODE_BYTES, {
    message: `code is larger than ${MAX_CODE_BYTES} bytes`,
  }),
});
export type CodeUpdateMessage = z.infer<typeof codeUpdateMessageSchema>;

export const hintFeedbackMessageSchema = z.object({
  v: version,
  type: z.literal('hint-feedback'),
  hintId: id,
  useful: z.boolean(),
});
export type HintFeedbackMessage = z.infer<typeof hintFeedbackMessageSchema>;

/** Detail level of the hints an interviewer receives. */
export const hintDetailSchema = z.enum(['minimal', 'normal', 'verbose']);
export type HintDetail = z.infer<typeof hintDetailSchema>;

/**
 * Per-trigger overrides for this session: `enabled` switches a trigger on or off, the other keys set its
 * numeric thresholds (names as documented by the agent's hint triggers).
 */
export const triggerSettingsSchema = z.record(
  z.string().min(1).max(64),
  z.record(z.string().min(1).max(64), z.union([z.boolean(), z.number().finite()])),
);

export const settingsMessageSchema = z.object({
  v: version,
  type: z.literal('settings'),
  detail: hintDetailSchema,
  /** Trigger overrides for the whole session (any interviewer may set them). */
  triggers: triggerSettingsSchema.optional(),
});
export type SettingsMessage = z.infer<typeof settingsMessageSchema>;

/**
 * What a candidate may switch off when the session allows it, one group per kind of analysis. `analysers` names
 * the signal sources (the signal's `analyser` field) of the group; `media`, when set, also covers every other
 * source analysing that media (new vision analysers, for example), except the agent's own `session` notices.
 */
export const OPT_OUT_GROUPS = {
  voice: {
    label: 'Voice delivery: sound level, pauses, speaking pace, pitch and turn taking',
    analysers: ['audio-level', 'vad', 'pitch', 'delivery', 'turns'],
  },
  camera: {
    label: 'Camera: picture rate and brightness, and any face, gaze or posture analysis',
    analysers: ['video-frames'],
    media: 'video',
  },
} as const satisfies Record<
  string,
  { label: string; analysers: readonly string[]; media?: 'audio' | 'video' }
>;
export type OptOutGroup = keyof typeof OPT_OUT_GROUPS;
export const optOutGroupSchema = z.enum(Object.keys(OPT_OUT_GROUPS) as [OptOutGroup, ...OptOutGroup[]]);

/**
 * The candidate's opt-out choice: the complete set of groups they have switched off (an empty list switches
 * everything back on). Honoured only when the session allows opt-out.
 */
export const optOutMessageSchema = z.object({
  v: version,
  type: z.literal('opt-out'),
  groups: z
    .array(optOutGroupSchema)
    .max(Object.keys(OPT_OUT_GROUPS).length)
    .refine((g) => new Set(g).size === g.length, { message: 'groups must not repeat' }),
});
export type OptOutMessage = z.infer<typeof optOutMessageSchema>;

/** Everything the agent sends to interviewers. */
export const agentMessageSchema = z.discriminatedUnion('type', [
  signalMessageSchema,
  hintMessageSchema,
  statsMessageSchema,
  conductMessageSchema,
  planMessageSchema,
  coverageMessageSchema,
  analysisStatusMessageSchema,
]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;

/** Everything clients send to the agent. */
export const clientMessageSchema = z.discriminatedUnion('type', [
  codeUpdateMessageSchema,
  hintFeedbackMessageSchema,
  settingsMessageSchema,
  optOutMessageSchema,
  consentMessageSchema,
  planUpdateMessageSchema,
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** Client message types only an interviewer may send. */
export const INTERVIEWER_ONLY_CLIENT_TYPES: ReadonlySet<ClientMessage['type']> = new Set([
  'hint-feedback',
  'settings',
  'plan-update',
]);

/** Client message types only the candidate may send. */
export const CANDIDATE_ONLY_CLIENT_TYPES: ReadonlySet<ClientMessage['type']> = new Set(['code', 'opt-out']);
