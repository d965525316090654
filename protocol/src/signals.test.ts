import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE_END, CATALOGUE_START, signalCatalogueMarkdown } from './catalogue-doc.js';
import { exampleSignal, SIGNAL_EXAMPLES } from './examples.js';
import { agentMessageSchema } from './messages.js';
import {
  EPISODE_KINDS,
  SIGNAL_DESCRIPTIONS,
  SIGNAL_KINDS,
  SIGNAL_VALUES,
  signalMessageSchema,
} from './signals.js';

describe('signal catalogue', () => {
  it('has a description and a valid example for every kind, and the example is a valid agent message', () => {
    for (const kind of SIGNAL_KINDS) {
      expect(SIGNAL_DESCRIPTIONS[kind], kind).toBeTruthy();
      expect(SIGNAL_VALUES[kind].safeParse(SIGNAL_EXAMPLES[kind]).success, kind).toBe(true);
      expect(agentMessageSchema.safeParse(exampleSignal(kind)).success, kind).toBe(true);
    }
  });

  it('gives every episode kind the shared episode fields', () => {
    expect(EPISODE_KINDS).toEqual(
      expect.arrayContaining(['look-away', 'no-face', 'additional-person', 'long-pause', 'raised-hand']),
    );
    for (const kind of EPISODE_KINDS) {
      const values = SIGNAL_EXAMPLES[kind] as Record<string, unknown>;
      expect(values.phase, kind).toBeDefined();
      const noPhase = { ...values, phase: 'middle' };
      expect(SIGNAL_VALUES[kind].safeParse(noPhase).success, kind).toBe(false);
      const noId = { ...values };
      delete noId.episodeId;
      expect(SIGNAL_VALUES[kind].safeParse(noId).success, kind).toBe(false);
    }
  });

  it('refuses unknown kinds, values of another kind, unknown or mistyped fields and an old version', () => {
    const ok = exampleSignal('look-away');
    expect(signalMessageSchema.safeParse(ok).success).toBe(true);
    expect(signalMessageSchema.safeParse({ ...ok, kind: 'gaze-away' }).success).toBe(false);
    expect(signalMessageSchema.safeParse({ ...ok, kind: 'no-face' }).success).toBe(false);
    expect(signalMessageSchema.safeParse({ ...ok, values: { ...ok.values, mood: 'calm' } }).success).toBe(
      false,
    );
    expect(
      signalMessageSchema.safeParse({ ...ok, values: { ...ok.values, durationMs: 'long' } }).success,
    ).toBe(false);
    expect(signalMessageSchema.safeParse({ ...ok, v: 1 }).success).toBe(false);
  });

  it('is documented in the README as generated from the schemas (npm run docs:signals)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf(CATALOGUE_START);
    const end = readme.indexOf(CATALOGUE_END);
    expect(start, 'README has the catalogue markers').toBeGreaterThan(-1);
    expect(readme.slice(start, end + CATALOGUE_END.length)).toBe(signalCatalogueMarkdown());
  });
});
