import { describe, expect, it } from 'vitest';
import { decodeClientMessage, encodeClientMessage } from './codec.js';
import { PROTOCOL_VERSION } from './common.js';
import { ACCOMMODATIONS, CONSENT_GROUPS, DISCLOSURE, suppressedKinds } from './consent.js';
import { OPT_OUT_GROUPS } from './messages.js';
import { SIGNAL_KINDS } from './signals.js';

describe('consent messages', () => {
  const consent = {
    v: PROTOCOL_VERSION,
    type: 'consent' as const,
    granted: true,
    disclosureVersion: DISCLOSURE.version,
    groups: ['voice' as const, 'camera' as const],
    accommodations: ['gaze' as const],
  };

  it('round-trips a consent and a withdrawal', () => {
    expect(decodeClientMessage(encodeClientMessage(consent).bytes)).toEqual({ ok: true, message: consent });
    const withdrawal = { v: PROTOCOL_VERSION, type: 'consent' as const, granted: false };
    expect(decodeClientMessage(JSON.stringify(withdrawal))).toEqual({ ok: true, message: withdrawal });
  });

  it('refuses a consent without the disclosure version or groups, and repeated or unknown entries', () => {
    for (const bad of [
      { ...consent, disclosureVersion: undefined },
      { ...consent, groups: [] },
      { ...consent, groups: ['voice', 'voice'] },
      { ...consent, groups: ['thoughts'] },
      { ...consent, accommodations: ['gaze', 'gaze'] },
      { ...consent, accommodations: ['mood'] },
    ]) {
      const decoded = decodeClientMessage(JSON.stringify(bad));
      expect(decoded.ok, JSON.stringify(bad)).toBe(false);
    }
  });

  it('uses the opt-out group names and real signal kinds', () => {
    expect([...CONSENT_GROUPS]).toEqual(Object.keys(OPT_OUT_GROUPS));
    for (const a of Object.values(ACCOMMODATIONS)) for (const k of a.kinds) expect(SIGNAL_KINDS).toContain(k);
    expect(suppressedKinds(['gaze', 'posture']).has('look-away')).toBe(true);
    expect(suppressedKinds(['gaze']).has('no-face')).toBe(false);
  });
});
