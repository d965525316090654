import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concat, espeak, librivoxClips, reformat, silence, writeWav } from '../../../test/fixtures/audio.js';
import { readWav } from '../../../test/fixtures/wav.js';
import { OpenAiSttEngine } from './engine.js';
import { localSttServer, transcribeClip } from './testing.js';
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
const engineAt = (baseURL: string) =>
  new OpenAiSttEngine({ baseURL, model: 'pocketsphinx-en-us', language: 'en' });

describe('SpeakerTranscriber through the OpenAI plugin', () => {
  const local = localSttServer();

  it('transcribes LibriVox speech with the local PocketSphinx server (WER < 55 %; PocketSphinx is weak)', async () => {
    const engine = engineAt(local.baseURL);
    const pairs = [];
    for (const clip of librivoxClips().slice(0, 3)) {
      const { segments } = await transcribeClip(engine, readWav(clip.path));
      expect(segments.every((s) => s.status === 'ok' && s.speaker.identity === 'cand')).toBe(true);
      pairs.push({ reference: clip.reference, hypothesis: segments.map((s) => s.text).join(' ') });
    }
    const wer = wordErrorRate(pairs);
    expect(wer).toBeLessThan(0.55);
  }, 60_000);

  const twoAnswers = () =>
    concat(espeak('The first answer is short.'), silence(1.5), espeak('And here is the second one.'));

  it('retries a failing endpoint with backoff and then succeeds', async () => {
    const server = await brokenServer('fail-twice');
    const { segments } = await transcribeClip(engineAt(urlOf(server)), twoAnswers(), { backoffMs: 20 });
    server.close();
    expect(segments[0]).toMatchObject({ status: 'ok', text: 'hello there', attempts: 3 });
    expect(segments.length).toBeGreaterThanOrEqual(2);
  });

  it.each(['garbage', 'hang', 'down'] as const)(
    'marks segments failed when the endpoint answers %s, and the VAD keeps going',
    async (mode) => {
      const server = mode === 'down' ? undefined : await brokenServer(mode);
      const url = server ? urlOf(server) : 'http://127.0.0.1:9/v1';
      const { segments, boundaries } = await transcribeClip(engineAt(url), twoAnswers(), {
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

describe('the local PocketSphinx server', () => {
  const local = localSttServer();

  const post = async (wav: Buffer, type = 'audio/wav') => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(wav)], { type }), 'a.wav');
    form.append('model', 'pocketsphinx-en-us');
    const res = await fetch(`${local.baseURL}/audio/transcriptions`, { method: 'POST', body: form });
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
      expect(wordErrors(clip.reference, body.text ?? '').errors / 8).toBeLessThan(0.8);
    }
    expect(await post(Buffer.from('not a wav'))).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_audio' } },
    });
  });
});
