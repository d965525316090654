import { describe, expect, it } from 'vitest';
import {
  decodeAgentMessage,
  decodeByTopic,
  decodeClientMessage,
  encodeAgentMessage,
  encodeClientMessage,
} from './codec.js';
import { PROTOCOL_VERSION } from './common.js';
import { CANDIDATE_ONLY_CLIENT_TYPES, MAX_CODE_BYTES, OPT_OUT_GROUPS } from './messages.js';
import type { SignalMessage } from './signals.js';
import { MAX_PACKET_BYTES, TOPICS } from './topics.js';

const signal: SignalMessage = {
  v: PROTOCOL_VERSION,
  type: 'signal',
  id: 'sig_1',
  sessionId: 'sess_1',
  analyser: 'audio-level',
  kind: 'audio-level',
  media: 'audio',
  range: { start: 1000, end: 3000 },
  values: {
    rmsDbfs: -23.5,
    peakDbfs: -6,
    windowSeconds: 2,
    totalSeconds: 2,
    sampleRate: 16000,
    channels: 1,
    firstSampleAt: 1000,
  },
  confidence: 1,
  summary: 'Audio level -23.5 dBFS RMS over 2.0 s',
};

describe('protocol codec', () => {
  it('round-trips agent messages on the agent topic as one packet', () => {
    const encoded = encodeAgentMessage(signal);
    expect(encoded.topic).toBe(TOPICS.AGENT_TO_INTERVIEWERS);
    expect(encoded.transport).toBe('packet');
    expect(decodeAgentMessage(encoded.bytes)).toEqual({ ok: true, message: signal });
    expect(decodeByTopic(encoded.topic, encoded.text)).toEqual({ ok: true, message: signal });
  });

  it('sends messages over the packet limit as a text stream', () => {
    const code = {
      v: PROTOCOL_VERSION,
      type: 'code',
      revision: 3,
      language: 'python',
      text: 'x'.repeat(MAX_PACKET_BYTES),
    } as const;
    const encoded = encodeClientMessage(code);
    expect(encoded.transport).toBe('stream');
    expect(encoded.topic).toBe(TOPICS.CLIENT_TO_AGENT);
    expect(decodeClientMessage(encoded.text)).toEqual({ ok: true, message: code });
  });

  it('refuses to encode an invalid message', () => {
    expect(() => encodeAgentMessage({ ...signal, confidence: 2 })).toThrow();
  });

  it.each([
    ['not UTF-8', new Uint8Array([0xff, 0xfe, 0x00]), 'not-utf8'],
    ['not JSON', 'hello', 'not-json'],
    ['another version', JSON.stringify({ ...signal, v: 1 }), 'unsupported-version'],
    ['an unknown type', JSON.stringify({ ...signal, type: 'emotion' }), 'invalid'],
    [
      'a range that ends before it starts',
      JSON.stringify({ ...signal, range: { start: 5, end: 1 } }),
      'invalid',
    ],
    ['a missing field', JSON.stringify({ ...signal, id: undefined }), 'invalid'],
    ['a signal kind outside the catalogue', JSON.stringify({ ...signal, kind: 'gaze-away' }), 'invalid'],
  ])('rejects %s with a stable code', (_what, data, code) => {
    const result = decodeAgentMessage(data);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it('rejects code larger than the code-pad limit, counting UTF-8 bytes', () => {
    const text = 'é'.repeat(MAX_CODE_BYTES / 2 + 1); // 2 bytes each
    const result = decodeClientMessage(
      JSON.stringify({ v: PROTOCOL_VERSION, type: 'code', revision: 1, language: 'js', text }),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.detail).toMatch(/larger than/);
  });

  it('does not accept client messages on the agent topic, nor unknown topics', () => {
    const feedback = encodeClientMessage({
      v: PROTOCOL_VERSION,
      type: 'hint-feedback',
      hintId: 'h1',
      useful: true,
    });
    expect(decodeByTopic(TOPICS.AGENT_TO_INTERVIEWERS, feedback.bytes).ok).toBe(false);
    const unknown = decodeByTopic('lk.chat', feedback.bytes);
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error.code).toBe('unknown-topic');
  });

  it('carries hints with and without their optional trigger time and detail level', () => {
    const base = {
      v: PROTOCOL_VERSION,
      type: 'hint' as const,
      id: 'hint_1',
      sessionId: 'sess_1',
      kind: 'long-pause',
      text: 'The candidate has not spoken for 8 s.',
      evidence: ['sig_1'],
      confidence: 0.9,
      source: 'rules' as const,
      createdAt: 5000,
    };
    expect(decodeAgentMessage(encodeAgentMessage(base).bytes)).toEqual({ ok: true, message: base });
    const full = { ...base, triggerAt: 4000, detail: 'minimal' as const };
    expect(decodeAgentMessage(encodeAgentMessage(full).bytes)).toEqual({ ok: true, message: full });
    expect(decodeAgentMessage(JSON.stringify({ ...base, detail: 'chatty' })).ok).toBe(false);
  });

  it('accepts settings with per-session trigger overrides, refusing non-scalar values', () => {
    const settings = { v: PROTOCOL_VERSION, type: 'settings' as const, detail: 'verbose' as const };
    expect(decodeClientMessage(encodeClientMessage(settings).bytes).ok).toBe(true);
    const tuned = { ...settings, triggers: { 'long-pause': { enabled: true, minSeconds: 8 } } };
    expect(decodeClientMessage(encodeClientMessage(tuned).bytes)).toEqual({ ok: true, message: tuned });
    const bad = { ...settings, triggers: { 'long-pause': { minSeconds: 'eight' } } };
    expect(decodeClientMessage(JSON.stringify(bad)).ok).toBe(false);
  });

  it('carries the candidate opt-out as a set of known groups', () => {
    const optOut = { v: PROTOCOL_VERSION, type: 'opt-out' as const, groups: ['voice' as const] };
    expect(decodeClientMessage(encodeClientMessage(optOut).bytes)).toEqual({ ok: true, message: optOut });
    const none = { ...optOut, groups: [] };
    expect(decodeClientMessage(encodeClientMessage(none).bytes)).toEqual({ ok: true, message: none });
    for (const groups of [['voice', 'voice'], ['emotions'], 'voice']) {
      const decoded = decodeClientMessage(JSON.stringify({ ...optOut, groups }));
      expect(decoded.ok ? 'accepted' : decoded.error.code).toBe('invalid');
    }
    expect(CANDIDATE_ONLY_CLIENT_TYPES.has('opt-out')).toBe(true);
    expect(Object.keys(OPT_OUT_GROUPS).sort()).toEqual(['camera', 'voice']);
  });
});
