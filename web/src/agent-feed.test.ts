import {
  encodeAgentMessage,
  exampleSignal,
  PROTOCOL_VERSION,
  type SignalMessage,
  type StatsMessage,
} from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { AgentFeed, describeAgentMessage } from './agent-feed.js';

const signal = (id: string, summary = ''): SignalMessage =>
  exampleSignal('video-frames', { fps: 14.8123, width: 640 }, 2_000, {
    id,
    sessionId: 's1',
    analyser: 'video',
    range: { start: 1_000, end: 2_000 },
    summary,
  });

const stats: StatsMessage = {
  v: PROTOCOL_VERSION,
  type: 'stats',
  sessionId: 's1',
  at: 3_000,
  candidate: 'candidate-abc',
  invalidSignals: 0,
  analysers: [
    {
      name: 'audio-level',
      media: 'audio',
      status: 'running',
      framesIn: 10,
      signalsOut: 2,
      signalsInvalid: 0,
    },
    {
      name: 'video-frames',
      media: 'video',
      status: 'failed',
      error: 'decoder broke',
      framesIn: 0,
      signalsOut: 0,
      signalsInvalid: 0,
    },
  ],
};

describe('describeAgentMessage', () => {
  it('shows the summary of a signal, or its values when there is none', () => {
    expect(describeAgentMessage(signal('a', '15 fps at 640x480'), 'k')).toEqual({
      key: 'k',
      type: 'signal',
      title: 'video-frames',
      detail: '15 fps at 640x480',
      at: 2_000,
    });
    expect(describeAgentMessage(signal('a'), 'k').detail).toBe(
      'fps=14.81, frames=30, totalFrames=412, width=640, height=480, meanLuma=112.4, firstFrameAt=1763699975000, reason=window',
    );
  });

  it('lists the status of every analyser in stats', () => {
    const entry = describeAgentMessage(stats, 'k');
    expect(entry.detail).toBe(
      'audio-level running (10 in, 2 out); video-frames failed (0 in, 0 out): decoder broke',
    );
  });

  it("adds the transcription state and the shared recognizer's queue and memory when stats carry them", () => {
    const entry = describeAgentMessage(
      {
        ...stats,
        analysers: [],
        transcription: {
          engine: 'local:whisper-base',
          state: 'delayed',
          reason: 'recognizer-busy',
          since: 2_000,
          segments: { ok: 3, failed: 1, refused: 7 },
          recognizer: {
            at: 2_900,
            queueDepth: 16,
            maxQueue: 16,
            maxQueueDepthSeen: 16,
            inFlight: 1,
            rssBytes: 290e6,
            peakRssBytes: 333e6,
            requests: { ok: 40, rejected: 7, expired: 0, failed: 0 },
          },
        },
      },
      'k',
    );
    expect(entry.detail).toBe(
      'no analysers; transcription delayed (recognizer queue 16/16, max 16, 1 decoding, 7 refused, 290 MB)',
    );
  });

  it('says how many requests the faster model decoded while the recognizer was behind', () => {
    const recognizer = {
      at: 2_900,
      queueDepth: 3,
      maxQueue: 16,
      maxQueueDepthSeen: 9,
      inFlight: 1,
      rssBytes: 390e6,
      peakRssBytes: 410e6,
      requests: { ok: 40, rejected: 0, expired: 0, failed: 0 },
    };
    const transcription = {
      engine: 'local:whisper-base',
      state: 'ok' as const,
      since: 2_000,
      segments: { ok: 30, failed: 0, refused: 0 },
    };
    const detail = (fallback?: { model: string; ok: number; audioSeconds: number }) =>
      describeAgentMessage(
        {
          ...stats,
          analysers: [],
          transcription: { ...transcription, recognizer: { ...recognizer, fallback } },
        },
        'k',
      ).detail;
    expect(detail({ model: 'whisper-tiny.en', ok: 12, audioSeconds: 41.5 })).toBe(
      'no analysers; transcription ok (recognizer queue 3/16, max 9, 1 decoding, 0 refused, 12 by whisper-tiny.en while behind, 390 MB)',
    );
    expect(detail({ model: 'whisper-tiny.en', ok: 0, audioSeconds: 0 })).toBe(
      'no analysers; transcription ok (recognizer queue 3/16, max 9, 1 decoding, 0 refused, 390 MB)',
    );
  });
});

describe('AgentFeed', () => {
  it('keeps valid messages newest first and counts invalid ones without showing them', () => {
    const feed = new AgentFeed();
    expect(feed.accept(encodeAgentMessage(signal('a')).bytes).ok).toBe(true);
    expect(feed.accept(encodeAgentMessage(stats).text).ok).toBe(true);
    expect(feed.accept('not json')).toMatchObject({ ok: false, error: { code: 'not-json' } });
    expect(feed.accept(new Uint8Array([0xff, 0xfe]))).toMatchObject({
      ok: false,
      error: { code: 'not-utf8' },
    });
    expect(feed.accept(JSON.stringify({ ...signal('b'), v: 1 }))).toMatchObject({
      ok: false,
      error: { code: 'unsupported-version' },
    });
    expect(feed.accept(JSON.stringify({ ...signal('c'), confidence: 7 }))).toMatchObject({
      ok: false,
      error: { code: 'invalid' },
    });
    expect(feed.entries.map((e) => e.type)).toEqual(['stats', 'signal']);
    expect(feed.received).toBe(6);
    expect(feed.invalid).toBe(4);
    expect(feed.lastStats?.candidate).toBe('candidate-abc');
  });

  it('drops the oldest entries beyond maxEntries', () => {
    const feed = new AgentFeed({ maxEntries: 3 });
    for (let i = 0; i < 5; i++) feed.accept(encodeAgentMessage(signal(`s${i}`, `n${i}`)).bytes);
    expect(feed.entries.map((e) => e.detail)).toEqual(['n4', 'n3', 'n2']);
    expect(new Set(feed.entries.map((e) => e.key)).size).toBe(3);
  });

  it('refuses a nonsensical size', () => {
    expect(() => new AgentFeed({ maxEntries: 0 })).toThrow(RangeError);
  });
});
