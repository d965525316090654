import {
  DISCLOSURE,
  decodeClientMessage,
  encodeClientMessage,
  joinConsentSchema,
} from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { consentMessage, joinConsent } from './consent-panel.js';

describe('candidate consent from the web client', () => {
  it('consents to the current disclosure with the token request, with the accommodations asked for', () => {
    expect(joinConsentSchema.parse(joinConsent([]))).toEqual({
      disclosureVersion: DISCLOSURE.version,
      groups: ['voice', 'camera'],
    });
    expect(joinConsent(['gaze']).accommodations).toEqual(['gaze']);
  });

  it('withdraws and consents again with valid protocol messages', () => {
    for (const message of [consentMessage(false, []), consentMessage(true, ['posture'])]) {
      const decoded = decodeClientMessage(encodeClientMessage(message).bytes);
      expect(decoded).toEqual({ ok: true, message });
    }
    expect(consentMessage(true, ['posture'])).toMatchObject({ granted: true, accommodations: ['posture'] });
  });
});
