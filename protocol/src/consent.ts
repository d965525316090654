import { z } from 'zod';
import { versionSchema as version } from './common.js';
import type { SignalKind } from './signals.js';

/**
 * What the agent analyses, as told to candidates before they consent. Observable behaviour only. A consent
 * names the `version` it was given for; the agent refuses a consent for any other version, so changing the
 * text means changing the version.
 */
export const DISCLOSURE = {
  version: '2026-12-04',
  items: [
    'Your microphone: sound level, when you speak and pause, speaking pace, filled pauses ("um") and pitch variation; when transcription is on, what is said (by you and the interviewers) is transcribed and shown as captions.',
    'Your camera: frame rate and brightness, whether a face (or a second face) is in view, where you look (eye contact, looking away), head angle, eyes closed, and your posture and hands (out of frame, hand at the face, raised hand, leaning).',
    'The code pad: what you write there is read to suggest questions to the interviewers.',
    'It describes observable behaviour only. It never infers emotions, personality or honesty.',
    'Only derived signals (numbers and short descriptions), the transcript and the code are stored; no audio or video is recorded.',
    'The interviewers see these signals and hints during the interview; you never do.',
    'Nothing is analysed before you consent. You can withdraw at any time: analysis stops at once, and your consent and its withdrawal are recorded.',
  ],
} as const;

/** The groups a consent covers: the candidate's microphone and camera (the same names as the opt-out groups). */
export const CONSENT_GROUPS = ['voice', 'camera'] as const;
export const consentGroupSchema = z.enum(CONSENT_GROUPS);
export type ConsentGroup = z.infer<typeof consentGroupSchema>;

/**
 * Accommodations: analyses a session does not run at all for its candidate (set by the organiser when creating
 * the session, or by the candidate with their consent). `kinds` are the signal kinds that then never exist.
 */
export const ACCOMMODATIONS = {
  gaze: {
    label: 'No gaze or eye-contact analysis (only whether a face is in view)',
    kinds: ['look-away', 'eyes-closed', 'face-summary'],
  },
  posture: {
    label: 'No posture or body analysis',
    kinds: ['pose-summary', 'out-of-frame', 'hand-to-face', 'raised-hand', 'shoulder-tilt', 'posture-change'],
  },
  'delivery-pace': {
    label: 'No delivery analysis (speaking pace, filled pauses, pitch)',
    kinds: ['delivery', 'filled-pause', 'pitch', 'monotone', 'speech-rate'],
  },
} as const satisfies Record<string, { label: string; kinds: readonly SignalKind[] }>;
export type Accommodation = keyof typeof ACCOMMODATIONS;
export const ACCOMMODATION_NAMES = Object.keys(ACCOMMODATIONS) as Accommodation[];
export const accommodationSchema = z.enum(ACCOMMODATION_NAMES as [Accommodation, ...Accommodation[]]);

/** A list of accommodations without repeats. */
export const accommodationsSchema = z
  .array(accommodationSchema)
  .max(ACCOMMODATION_NAMES.length)
  .refine((a) => new Set(a).size === a.length, { message: 'accommodations must not repeat' });

/** The signal kinds the given accommodations switch off. */
export function suppressedKinds(accommodations: Iterable<Accommodation>): Set<SignalKind> {
  const out = new Set<SignalKind>();
  for (const a of accommodations) for (const k of ACCOMMODATIONS[a].kinds) out.add(k);
  return out;
}

/**
 * The candidate's consent (`granted: true`) or its withdrawal (`granted: false`), sent to the agent on the
 * client topic. A consent names the disclosure version shown and the groups consented to (a group left out is
 * not analysed), and may ask for accommodations. `participant`, when present, must be the sender's own identity.
 * Only the candidate may send it; the agent records every one (and every refused one) in the audit log.
 */
export const consentMessageSchema = z
  .object({
    v: version,
    type: z.literal('consent'),
    granted: z.boolean(),
    disclosureVersion: z.string().min(1).max(64).optional(),
    groups: z
      .array(consentGroupSchema)
      .max(CONSENT_GROUPS.length)
      .refine((g) => new Set(g).size === g.length, { message: 'groups must not repeat' })
      .optional(),
    accommodations: accommodationsSchema.optional(),
    participant: z.string().min(1).max(256).optional(),
  })
  .refine((m) => !m.granted || (m.disclosureVersion !== undefined && (m.groups?.length ?? 0) > 0), {
    message: 'a consent names the disclosure version and at least one group',
  });
export type ConsentMessage = z.infer<typeof consentMessageSchema>;

/**
 * A consent given with the token request (`POST /api/token`, field `consent`, candidates only): recorded by the
 * token server for the identity it issues, and read by the agent when that participant joins.
 */
export const joinConsentSchema = z.strictObject({
  disclosureVersion: z.string().min(1).max(64),
  groups: z
    .array(consentGroupSchema)
    .min(1)
    .max(CONSENT_GROUPS.length)
    .refine((g) => new Set(g).size === g.length, { message: 'groups must not repeat' }),
  accommodations: accommodationsSchema.optional(),
});
export type JoinConsent = z.infer<typeof joinConsentSchema>;
