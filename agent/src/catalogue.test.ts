import {
  ACCOMMODATION_NAMES,
  type ACCOMMODATIONS,
  SIGNAL_KINDS,
  type SignalKind,
  suppressedKinds,
} from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { composeInterview } from './compose.js';
import { loadAgentConfig } from './config.js';
import { TRIGGER_INPUTS } from './hints/triggers.js';
import { RECOVERY_SIGNAL_KINDS } from './recovery/gap-extension.js';
import { SESSION_SIGNAL_KINDS } from './session/interview-session.js';

/** Who emits which kind: every analyser and extension of the default composition, and the session itself. */
function emitters(): Map<SignalKind, string[]> {
  const out = new Map<SignalKind, string[]>();
  const add = (who: string, kinds: readonly SignalKind[]) => {
    for (const k of kinds) out.set(k, [...(out.get(k) ?? []), who]);
  };
  // the composition of a worker with every option switched on (pose included)
  const { analysers, extensions } = composeInterview(loadAgentConfig({ VISION_POSE: 'on' }));
  for (const make of analysers) {
    const a = make();
    add(a.name, a.emits);
  }
  for (const make of extensions) {
    const x = make();
    add(x.name, x.emits ?? []);
  }
  add('session', SESSION_SIGNAL_KINDS);
  add('recovery', RECOVERY_SIGNAL_KINDS);
  return out;
}

describe('signal catalogue wiring', () => {
  it('every analyser and extension emits only kinds of the catalogue', () => {
    for (const [kind, who] of emitters()) expect(SIGNAL_KINDS, `${kind} (${who.join(', ')})`).toContain(kind);
  });

  it('every kind a trigger reads is emitted by some analyser or session capability', () => {
    const emitted = emitters();
    for (const [trigger, kinds] of Object.entries(TRIGGER_INPUTS))
      for (const kind of kinds) expect(emitted.has(kind), `${trigger} reads ${kind}`).toBe(true);
  });

  it('every kind of the catalogue has an emitter (no dead kinds)', () => {
    const emitted = emitters();
    expect(SIGNAL_KINDS.filter((k) => !emitted.has(k))).toEqual([]);
  });

  it('an accommodation leaves out every analyser of its kinds and keeps the rest', () => {
    const composition = composeInterview(loadAgentConfig({ VISION_POSE: 'on' }));
    const names = (acc: readonly (keyof typeof ACCOMMODATIONS)[]) =>
      composition.accommodate(acc).map((make) => make().name);
    for (const acc of [...ACCOMMODATION_NAMES.map((a) => [a]), ACCOMMODATION_NAMES]) {
      const off = suppressedKinds(acc);
      for (const make of composition.accommodate(acc)) {
        const a = make();
        expect(
          a.emits.filter((k) => off.has(k)),
          `${acc.join('+')}: ${a.name}`,
        ).toEqual([]);
      }
    }
    expect(names([])).toEqual(composition.analysers.map((make) => make().name));
    expect(names(ACCOMMODATION_NAMES)).toEqual(['audio-level', 'vad', 'video-frames', 'face-presence']);
    expect(names(['posture'])).not.toContain('pose');
    expect(names(['delivery-pace'])).toEqual(names([]).filter((n) => n !== 'pitch' && n !== 'delivery'));
  });
});
