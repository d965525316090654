import { z } from 'zod';

/**
 * Characters no client-supplied text may contain: NUL and the other C0/C1 controls (tab, line feed and
 * carriage return only where multi-line text is allowed), unpaired UTF-16 surrogates (they cannot be
 * stored as UTF-8 or in PostgreSQL `jsonb`), the bidirectional controls that can reorder how a name reads
 * (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069), the line and paragraph separators and the
 * noncharacters U+FFFE/U+FFFF.
 */
const BIDI = '\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069';
const SEPARATORS = '\\u2028\\u2029\\uFFFE\\uFFFF';
const SINGLE_LINE = new RegExp(`[\\p{Cc}\\p{Cs}${BIDI}${SEPARATORS}]`, 'u');
const MULTI_LINE = new RegExp(
  `[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\p{Cs}${BIDI}${SEPARATORS}]`,
  'u',
);

/** Why `value` is not safe text, or `undefined` when it is. */
export function unsafeTextReason(value: string, options: { multiline?: boolean } = {}): string | undefined {
  const found = (options.multiline ? MULTI_LINE : SINGLE_LINE).exec(value);
  if (!found) return undefined;
  const c = found[0];
  const hex = (c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  if (c === '\u0000') return 'must not contain NUL characters';
  if (/\p{Cs}/u.test(c)) return `must not contain unpaired surrogates (U+${hex})`;
  if (/\p{Cc}/u.test(c)) return `must not contain control characters (U+${hex})`;
  if (new RegExp(`[${BIDI}]`, 'u').test(c)) return `must not contain bidirectional controls (U+${hex})`;
  return `must not contain U+${hex}`;
}

/** Options of {@link safeText}. */
export interface SafeTextOptions {
  /** Longest accepted length in UTF-16 code units (after trimming). */
  max: number;
  /** Shortest accepted length (default 1). */
  min?: number;
  /** Allow tab, line feed and carriage return (default false). */
  multiline?: boolean;
  /** Trim surrounding white space before checking the length (default true). */
  trim?: boolean;
}

/**
 * A zod string schema for text a client sends (names, titles, messages): refuses NUL, other control
 * characters, unpaired surrogates and bidirectional controls (see {@link unsafeTextReason}), so such text
 * is refused at the boundary instead of failing in storage or misleading a reader.
 */
export function safeText(options: SafeTextOptions): z.ZodType<string, string> {
  const { max, min = 1, multiline = false, trim = true } = options;
  const base = trim ? z.string().trim() : z.string();
  return base
    .min(min)
    .max(max)
    .superRefine((value, ctx) => {
      const reason = unsafeTextReason(value, { multiline });
      if (reason) ctx.addIssue({ code: 'custom', message: reason });
    });
}

/**
 * An opaque id a client sends back (session ids, invites): 1–`max` characters of `A–Z a–z 0–9 _ - . :`.
 * Nothing else can be a valid id, so anything else is refused before it reaches storage.
 */
export function safeId(max = 128): z.ZodType<string, string> {
  return z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\w.:-]+$/, 'must contain only letters, digits and "_", "-", ".", ":"');
}
