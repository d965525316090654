import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openai from '@livekit/agents-plugin-openai';
import { describe, expect, it } from 'vitest';
import {
  concat,
  espeak,
  librivoxClips,
  reformat,
  silence,
  tone,
  writeWav,
} from '../../../test/fixtures/audio.js';
import { type Pcm16, readWav } from '../../../test/fixtures/wav.js';
import { InFlightSTT, localStt, localSttServer, transcribeClip } from './testing.js';
import { wordErrorRate, wordErrors } from './wer.js';

/** A real HTTP server that misbehaves the way a broken STT endpoint does. */
function brokenServer(mode: 'fail-twice' | 'garbage' | 'hang'): Promise<Server> {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      if (mode === 'hang') return;
      if (mode === 'garbage') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"text": <html>');
        return;
      }
      if (calls <= 2)
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom"}}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"hello there"}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1`;
/** The OpenAI plugin as it comes (any agents-js STT plugin fits the transcriber). */
const pluginAt = (baseURL: string) => new openai.STT({ baseURL, apiKey: 'no-key', model: 'whisper-1' });

const twoAnswers = () =>
  concat(espeak('The first answer is short.'), silence(1.5), espeak('And here is the second one.'));

describe('SpeakerTranscriber with the local Whisper recognizer', () => {
  const local = localSttServer();

  it('transcribes LibriVox speech, one request per segment (WER < 8 %)', async () => {
    const pairs = [];
    for (const clip of librivoxClips().slice(0, 3)) {
      const { segments } = await transcribeClip(localStt(local.baseURL), readWav(clip.path));
      expect(segments.every((s) => s.status === 'ok' && s.speaker.identity === 'cand')).toBe(true);
      pairs.push({ reference: clip.reference, hypothesis: segments.map((s) => s.text).join(' ') });
    }
    expect(wordErrorRate(pairs)).toBeLessThan(0.08);
  }, 90_000);

  it('decodes a long answer in chunks at its short pauses while it is spoken, with growing interim text', async () => {
    // Three sentences back to back: their pauses are shorter than the VAD's 0.8 s, so one segment.
    const clips = librivoxClips().slice(0, 3);
    const answer = concat(...clips.map((c) => readWav(c.path)), silence(1.2));
    // The clip waits for the recognizer between frames: on a loaded machine decoding may fall behind the speech,
    // and the property here is what a recognizer that keeps up shows (latency is measured by the benchmarks).
    const recognizer = new InFlightSTT(localStt(local.baseURL));
    const { segments, interims } = await transcribeClip(recognizer, answer, {}, 'realtime', 1.5, () =>
      recognizer.idle(),
    );
    expect(segments).toHaveLength(1);
    const reference = clips.map((c) => c.reference).join(' ');
    expect(segments[0]).toMatchObject({ status: 'ok', attempts: 1 });
    const e = wordErrors(reference, segments[0]?.text ?? '');
    expect(e.errors / e.words).toBeLessThan(0.1);
    // The interim text grows chunk by chunk before the final.
    expect(interims.length).toBeGreaterThanOrEqual(2);
    const words = interims.map((t) => t.split(' ').length);
    for (let i = 1; i < words.length; i++) expect(words[i]).toBeGreaterThanOrEqual(words[i - 1] as number);
  }, 90_000);

  it('invents no words for silence, white noise or a two-tone chord', async () => {
    const noise: Pcm16 = { sampleRate: 16000, channels: 1, samples: new Int16Array(48000) };
    let seed = 7;
    for (let i = 0; i < noise.samples.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      noise.samples[i] = ((seed / 0x7fffffff) * 2 - 1) * 3000;
    }
    const chord = tone(440, 3, 0.2);
    const fifth = tone(660, 3, 0.2);
    for (let i = 0; i < chord.samples.length; i++)
      chord.samples[i] = (chord.samples[i] as number) + (fifth.samples[i] as number);
    const stt = localStt(local.baseURL);
    for (const pcm of [silence(3), noise, chord]) {
      const { segments } = await transcribeClip(stt, pcm);
      expect(segments.filter((s) => s.text !== '')).toEqual([]);
    }
  }, 60_000);
});

describe('the local recognizer server', () => {
  const local = localSttServer({ queue: 1, workers: 1 });

  /** Posts a WAV to the recognizer (`baseURL` `…/low/v1`: at low priority). */
  const post = async (wav: Buffer, type = 'audio/wav', baseURL = local.baseURL) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(wav)], { type }), 'a.wav');
    form.append('model', 'whisper');
    const res = await fetch(`${baseURL}/audio/transcriptions`, { method: 'POST', body: form });
    return { status: res.status, body: (await res.json()) as { text?: string; error?: { code: string } } };
  };

  it('accepts 8 kHz and 48 kHz stereo WAV and answers bad uploads with a JSON error', async () => {
    const clip = librivoxClips()[1];
    if (!clip) throw new Error('no clip');
    const dir = mkdtempSync(join(tmpdir(), 'stt-'));
    for (const [rate, channels] of [
      [8000, 1],
      [48000, 2],
    ] as const) {
      const path = writeWav(join(dir, `${rate}.wav`), reformat(readWav(clip.path), rate, channels));
      const { status, body } = await post(readFileSync(path));
      expect(status).toBe(200);
      expect(wordErrors(clip.reference, body.text ?? '').errors).toBeLessThanOrEqual(2);
    }
    expect(await post(Buffer.from('not a wav'))).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_audio' } },
    });
  }, 60_000);

  it('answers at once with 503 queue_full past its queue, and reports it in its stats', async () => {
    const wav = readFileSync(writeWav(join(mkdtempSync(join(tmpdir(), 'stt-')), 'a.wav'), twoAnswers()));
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(wav)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2); // one decoding, one waiting
    const refused = answers.filter((a) => a.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.body.error?.code).toBe('queue_full');
    const stats = await local.service.stats();
    expect(stats).toMatchObject({ maxQueue: 1, queueDepth: 0, inFlight: 0 });
    expect(stats.maxQueueDepthSeen).toBeLessThanOrEqual(1);
    expect(stats.requests.rejected).toBe(refused.length);
    expect(stats.lowPriority).toEqual({ ok: 0, audioSeconds: 0, cpuSeconds: 0 }); // none asked for
    expect(stats.rssBytes).toBeGreaterThan(50e6);
  }, 60_000);

  it('decodes a low-priority (interim-only) request when idle, and counts it apart', async () => {
    const clip = librivoxClips()[1];
    if (!clip) throw new Error('no clip');
    const pcm = readWav(clip.path);
    const wav = readFileSync(writeWav(join(mkdtempSync(join(tmpdir(), 'stt-')), 'low.wav'), pcm));
    const before = await local.service.stats();
    const { status } = await post(wav, 'audio/wav', local.baseURL.replace(/\/v1$/, '/low/v1'));
    expect(status).toBe(200);
    const after = await local.service.stats();
    expect(after.requests.ok - before.requests.ok).toBe(1);
    expect(after.lowPriority.ok - before.lowPriority.ok).toBe(1);
    const seconds = pcm.samples.length / pcm.channels / pcm.sampleRate;
    expect(after.lowPriority.audioSeconds - before.lowPriority.audioSeconds).toBeCloseTo(seconds, 1);
    expect(after.lowPriority.cpuSeconds).toBeGreaterThan(before.lowPriority.cpuSeconds);
  }, 60_000);
});

describe('recognizer process dies', () => {
  const local = localSttServer();

  it('is restarted on the same port, and the segments in flight are retried', async () => {
    const before = local.service.pid;
    process.kill(before as number, 'SIGKILL');
    const { segments } = await transcribeClip(localStt(local.baseURL), twoAnswers(), {
      backoffMs: 500,
      maxAttempts: 8, // backoff 0.5 s doubling to 8 s: ~40 s for the restart and model load on a busy machine
    });
    expect(local.service.restarts).toBe(1);
    expect(local.service.pid).not.toBe(before);
    expect(segments.length).toBeGreaterThanOrEqual(2);
    for (const s of segments) expect(s.status).toBe('ok');
    expect(segments.some((s) => s.attempts > 1)).toBe(true);
  }, 120_000);
});

describe('SpeakerTranscriber against a broken endpoint (one retry policy: ours)', () => {
  it('retries a failing endpoint with backoff and then succeeds', async () => {
    const server = await brokenServer('fail-twice');
    const { segments } = await transcribeClip(pluginAt(urlOf(server)), twoAnswers(), { backoffMs: 20 });
    server.close();
    expect(segments[0]).toMatchObject({ status: 'ok', text: 'hello there', attempts: 3 });
    expect(segments.length).toBeGreaterThanOrEqual(2);
  });

  it.each(['garbage', 'hang', 'down'] as const)(
    'marks segments failed when the endpoint answers %s, and the VAD keeps going',
    async (mode) => {
      const server = mode === 'down' ? undefined : await brokenServer(mode);
      const url = server ? urlOf(server) : 'http://127.0.0.1:9/v1';
      const { segments, boundaries } = await transcribeClip(pluginAt(url), twoAnswers(), {
        backoffMs: 10,
        maxAttempts: 2,
        timeoutMs: 400,
      });
      server?.closeAllConnections();
      server?.close();
      expect(boundaries.filter((b) => b === 'end').length).toBeGreaterThanOrEqual(2);
      expect(segments.length).toBe(boundaries.filter((b) => b === 'end').length);
      for (const s of segments) expect(s).toMatchObject({ status: 'failed', text: '', attempts: 2 });
      expect(segments[0]?.error).toBeTruthy();
    },
  );
});
