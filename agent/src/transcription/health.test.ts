import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  encodeAgentMessage,
  PROTOCOL_VERSION,
  type StatsMessage,
  transcriptionStatusSchema,
} from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { concat, espeak, silence } from '../../../test/fixtures/audio.js';
import { SessionBus } from '../bus/session-bus.js';
import { InterviewerPublisher } from '../messaging/publisher.js';
import { FakeRoom } from '../messaging/testing.js';
import type { SessionContext } from '../session/extension.js';
import { LocalRecognizerSTT } from './engine.js';
import { TranscriptionExtension } from './extension.js';
import { TranscriptionHealth } from './health.js';
import type { RecognizerStats } from './recognizer-service.js';
import type { AudioSettings } from './settings.js';
import { transcribeClip } from './testing.js';

const recognizerStats = (queueDepth: number, rejected: number): RecognizerStats => ({
  model: 'whisper-base',
  queueDepth,
  maxQueue: 16,
  maxQueueDepthSeen: 16,
  inFlight: 1,
  workers: 1,
  requests: { ok: 40, rejected, lowPriorityRefused: 3, expired: 0, failed: 0 },
  lowPriority: { ok: 4, audioSeconds: 20, cpuSeconds: 1.5 },
  fallback: null,
  audioSeconds: 120,
  decodeSeconds: 9,
  cpuSeconds: 11,
  rssBytes: 290e6,
  peakRssBytes: 333e6,
});

/**
 * A real HTTP server speaking the local recognizer's API the way it answers when its queue is full: every
 * transcription request gets 503 `queue_full` (with `retry-after`), `GET /stats` shows the full queue. `busy =
 * false` turns it into a recognizer that answers.
 */
async function fullRecognizer(): Promise<{ server: Server; url: string; state: { busy: boolean } }> {
  const state = { busy: true, rejected: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      if (req.method === 'GET' && req.url === '/stats')
        return json(200, recognizerStats(state.busy ? 16 : 0, state.rejected));
      if (!state.busy) return json(200, { text: 'hello there' });
      state.rejected++;
      json(
        503,
        {
          error: {
            message: 'recognizer busy: 16 requests waiting',
            type: 'server_error',
            code: 'queue_full',
          },
        },
        { 'retry-after': '1' },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, state };
}

const twoAnswers = () =>
  concat(espeak('The first answer is short.'), silence(1.5), espeak('And here is the second one.'));

describe('TranscriptionHealth', () => {
  it('is delayed while the recognizer refuses attempts (queue full), and ok again after its hold', () => {
    const h = new TranscriptionHealth({ engine: 'local:whisper-base', busyHoldMs: 10_000 }, 0);
    expect(h.status(1000)).toMatchObject({
      state: 'ok',
      since: 0,
      segments: { ok: 0, failed: 0, refused: 0 },
    });
    h.refused(2000);
    expect(h.status(2500)).toMatchObject({ state: 'delayed', reason: 'recognizer-busy', since: 2500 });
    h.segment('ok', undefined, 3000);
    expect(h.status(11_000)).toMatchObject({
      state: 'delayed',
      since: 2500,
      segments: { ok: 1, refused: 1 },
    });
    expect(h.status(12_000)).toMatchObject({ state: 'ok', since: 12_000 });
    expect(h.status(12_000).reason).toBeUndefined();
  });

  it('is delayed while the recognizer reports a full queue; interrupted while it does not answer', () => {
    const h = new TranscriptionHealth({ engine: 'local:whisper-base' }, 0);
    h.recognizer(recognizerStats(16, 5), 100);
    const busy = h.status(200);
    expect(busy).toMatchObject({ state: 'delayed', reason: 'recognizer-busy' });
    expect(busy.recognizer).toEqual({
      at: 100,
      queueDepth: 16,
      maxQueue: 16,
      maxQueueDepthSeen: 16,
      inFlight: 1,
      rssBytes: 290e6,
      peakRssBytes: 333e6,
      requests: { ok: 40, rejected: 5, expired: 0, failed: 0 },
    });
    h.recognizer(undefined, 300);
    expect(h.status(350).state).toBe('delayed'); // one read without an answer in time is not enough
    h.recognizer(undefined, 400);
    expect(h.status(400)).toMatchObject({ state: 'interrupted', reason: 'recognizer-unreachable' });
    const fallback = { model: 'whisper-tiny.en', afterMs: 2000, ok: 7, audioSeconds: 31.5, cpuSeconds: 1.2 };
    h.recognizer({ ...recognizerStats(2, 5), fallback }, 500);
    expect(h.status(600)).toMatchObject({ state: 'ok' });
    // the faster model's decodes while it was behind, without the recognizer's own settings
    expect(h.status(600).recognizer?.fallback).toEqual({
      model: 'whisper-tiny.en',
      ok: 7,
      audioSeconds: 31.5,
    });
    // a segment that failed for another reason than a full queue: interrupted until one is stored ok
    h.segment('failed', 'Connection error.', 700);
    expect(h.status(800)).toMatchObject({ state: 'interrupted', segments: { failed: 1 } });
    h.segment('ok', undefined, 900);
    expect(h.status(1000).state).toBe('ok');
    // the transcriber's own backlog overflowing counts as busy
    h.segment('failed', 'queue full: the engine is too slow', 1100);
    expect(h.status(1200)).toMatchObject({ state: 'delayed', segments: { ok: 1, failed: 2 } });
  });
});

describe('a recognizer answering 503 queue_full', () => {
  it('makes the transcriber report overloads and store failed segments, and the status say delayed', async () => {
    const { server, url } = await fullRecognizer();
    try {
      const health = new TranscriptionHealth({ engine: 'local:whisper-base' });
      const stt = new LocalRecognizerSTT({ baseURL: url, language: 'en' });
      const { segments, overloads } = await transcribeClip(stt, twoAnswers(), {
        backoffMs: 10,
        maxAttempts: 2,
      });
      // the extension's wiring: refused attempts and stored segments go to the health
      for (const _ of overloads) health.refused();
      for (const s of segments) health.segment(s.status, s.error);
      expect(segments.length).toBeGreaterThanOrEqual(2);
      for (const s of segments) {
        expect(s).toMatchObject({ status: 'failed', attempts: 2 });
        expect(s.error).toMatch(/^recognizer queue full/);
      }
      expect(overloads).toHaveLength(segments.length * 2);
      const status = health.status();
      expect(status).toMatchObject({
        state: 'delayed',
        reason: 'recognizer-busy',
        segments: { ok: 0, failed: segments.length, refused: overloads.length },
      });
      expect(transcriptionStatusSchema.parse(status)).toEqual(status);
      await stt.close();
    } finally {
      server.close();
    }
  });
});

function context(): { fake: FakeRoom; ctx: SessionContext } {
  const fake = new FakeRoom();
  return {
    fake,
    ctx: {
      sessionId: 'ses_1',
      room: fake.room,
      publisher: new InterviewerPublisher(fake.room),
      recorder: {
        presence: async () => {},
        signals: async () => {},
        hintFeedback: async () => false,
        close: async () => {},
        insertTranscriptSegment: async () => true,
      },
      bus: new SessionBus(),
      turns: { watchPause: () => () => {} },
      candidate: () => 'cand',
      emitSignal: () => {
        throw new Error('not used');
      },
    },
  };
}

const settings = (localURL: string): AudioSettings => ({
  engine: 'local',
  mode: 'realtime',
  localModel: 'whisper-base',
  localFallbackAfterMs: 2000,
  localURL,
  queue: 16,
  workers: 1,
  threads: 1,
  language: 'en',
  timeoutMs: 2000,
  maxAttempts: 2,
  longPauseSeconds: 8,
  vadMaxBacklogMs: 5000,
});

describe("TranscriptionExtension's part of the session stats", () => {
  it("reads the shared recognizer's stats and reports a full queue as delayed, in a valid stats message", async () => {
    const { server, url, state } = await fullRecognizer();
    const ext = new TranscriptionExtension({ settings: settings(url), recognizerStatsEveryMs: 50 });
    const { ctx } = context();
    try {
      ext.start(ctx);
      let part = ext.stats().transcription;
      while (!part?.recognizer) {
        await sleep(20);
        part = ext.stats().transcription;
      }
      expect(part).toMatchObject({
        engine: 'local:whisper-base',
        state: 'delayed',
        reason: 'recognizer-busy',
        recognizer: { queueDepth: 16, maxQueue: 16, rssBytes: 290e6, inFlight: 1 },
      });
      const message: StatsMessage = {
        v: PROTOCOL_VERSION,
        type: 'stats',
        sessionId: 'ses_1',
        at: Date.now(),
        candidate: 'cand',
        invalidSignals: 0,
        analysers: [],
        ...ext.stats(),
      };
      expect(() => encodeAgentMessage(message)).not.toThrow();
      // the queue drains: the next read says ok
      state.busy = false;
      while (ext.stats().transcription?.state !== 'ok') await sleep(20);
      expect(ext.stats().transcription?.recognizer?.queueDepth).toBe(0);
      // the recognizer stops answering: interrupted
      server.close();
      server.closeAllConnections();
      while (ext.stats().transcription?.state !== 'interrupted') await sleep(20);
      expect(ext.stats().transcription?.reason).toBe('recognizer-unreachable');
    } finally {
      await ext.close();
      server.close();
    }
  });
});
