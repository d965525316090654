import { stt } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { concat, espeak, librivoxClips, silence } from '../../../test/fixtures/audio.js';
import { type Pcm16, readWav } from '../../../test/fixtures/wav.js';
import { OpenAiRealtimeSttEngine } from './engine-realtime.js';
import { localSttServer, testSpeaker, transcribeClip } from './testing.js';
import {
  type FaultMode,
  type RealtimeEvent,
  rawRealtimeClient,
  realtimeFaultServer,
} from './transcriber-ws-fixtures.js';
import { wordErrorRate, wordErrors } from './wer.js';

const engineAt = (baseURL: string) =>
  new OpenAiRealtimeSttEngine({ baseURL, model: 'pocketsphinx-en-us', language: 'en' });

function* frames(pcm: Pcm16, ms = 20) {
  const n = (pcm.sampleRate * ms) / 1000;
  for (let i = 0; i + n <= pcm.samples.length; i += n)
    yield new AudioFrame(pcm.samples.slice(i, i + n), pcm.sampleRate, 1, n);
}

const twoAnswers = () =>
  concat(espeak('The first answer is short.'), silence(1.5), espeak('And here is the second one.'));

describe('realtime transcription through the OpenAI plugin and the local PocketSphinx server', () => {
  const local = localSttServer();

  it('transcribes LibriVox speech streamed while spoken (WER < 55 %), each segment on its first attempt', async () => {
    const engine = engineAt(local.baseURL);
    const pairs = [];
    for (const clip of librivoxClips().slice(0, 3)) {
      const { segments } = await transcribeClip(engine, readWav(clip.path));
      expect(segments.length).toBeGreaterThan(0);
      for (const s of segments) expect(s).toMatchObject({ status: 'ok', attempts: 1, speaker: testSpeaker });
      pairs.push({ reference: clip.reference, hypothesis: segments.map((s) => s.text).join(' ') });
    }
    expect(wordErrorRate(pairs)).toBeLessThan(0.55);
  }, 60_000);

  it('sends partial text before the commit, and the final text after it', async () => {
    const clip = librivoxClips()[0];
    if (!clip) throw new Error('no clip');
    const live = engineAt(local.baseURL).live();
    for (const f of frames(readWav(clip.path))) live.push(f);
    const deadline = Date.now() + 15_000;
    while (live.partial.split(' ').length < 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const partial = live.partial;
    const final = await live.finish(AbortSignal.timeout(10_000));
    live.close();
    expect(partial.split(' ').length).toBeGreaterThanOrEqual(3);
    expect(wordErrors(clip.reference, final.text).errors / wordErrors(clip.reference, '').words).toBeLessThan(
      0.6,
    );
  }, 30_000);

  it('detects turns itself when the plugin asks for server VAD (the plugin default)', async () => {
    const clips = librivoxClips().slice(0, 2);
    const plugin = new openai.STT({
      useRealtime: true,
      model: 'pocketsphinx-en-us',
      baseURL: local.baseURL,
      apiKey: 'no-key',
    });
    const stream = plugin.stream();
    for (const f of frames(concat(...clips.flatMap((c) => [readWav(c.path), silence(1.5)]))))
      stream.pushFrame(f);
    const finals: string[] = [];
    let stops = 0;
    const timer = setTimeout(() => stream.close(), 20_000);
    for await (const ev of stream) {
      if (ev.type === stt.SpeechEventType.END_OF_SPEECH) stops++;
      if (ev.type === stt.SpeechEventType.FINAL_TRANSCRIPT) finals.push(ev.alternatives?.[0]?.text ?? '');
      if (finals.length === 2) break;
    }
    clearTimeout(timer);
    stream.close();
    expect(finals.length).toBe(2);
    expect(stops).toBeGreaterThanOrEqual(1);
    const rate = wordErrorRate(
      clips.map((c, i) => ({ reference: c.reference, hypothesis: finals[i] ?? '' })),
    );
    expect(rate).toBeLessThan(0.6);
  }, 30_000);

  it('answers bad client events with an error event and a stable code, and keeps the connection', async () => {
    const client = await rawRealtimeClient(local.baseURL);
    expect((await client.next()).type).toBe('session.created');
    const codeOf = async (message: string | object) => {
      client.send(message);
      const e = await client.next();
      return e.type === 'error' ? (e.error as { code: string }).code : e.type;
    };
    expect(await codeOf('{"type": <html>')).toBe('invalid_event');
    expect(await codeOf([1, 2])).toBe('invalid_event');
    expect(await codeOf({ type: 'response.create' })).toBe('unknown_event');
    expect(await codeOf({ type: 'input_audio_buffer.append', audio: 'not base64!' })).toBe('invalid_audio');
    expect(await codeOf({ type: 'input_audio_buffer.commit' })).toBe('input_audio_buffer_commit_empty');
    expect(
      await codeOf({
        type: 'session.update',
        session: { audio: { input: { format: { type: 'audio/pcmu' } } } },
      }),
    ).toBe('unsupported_format');
    expect(
      await codeOf({
        type: 'session.update',
        session: { audio: { input: { turn_detection: { type: 'magic' } } } },
      }),
    ).toBe('unsupported_turn_detection');
    // Still serving: 16 kHz audio, committed, transcribed.
    expect(
      await codeOf({
        type: 'session.update',
        session: { audio: { input: { format: { type: 'audio/pcm', rate: 16000 }, turn_detection: null } } },
      }),
    ).toBe('session.updated');
    const pcm = espeak('Hello there, how are you?');
    const bytes = Buffer.from(pcm.samples.buffer, pcm.samples.byteOffset, pcm.samples.byteLength);
    for (let i = 0; i < bytes.length; i += 16_000)
      client.send({
        type: 'input_audio_buffer.append',
        audio: bytes.subarray(i, i + 16_000).toString('base64'),
      });
    client.send({ type: 'input_audio_buffer.commit' });
    let done: RealtimeEvent | undefined;
    while (!done) {
      const e = await client.next(10_000);
      if (e.type === 'conversation.item.input_audio_transcription.completed') done = e;
    }
    client.close();
    expect(wordErrors('hello there how are you', String(done.transcript)).errors).toBeLessThanOrEqual(2);
    // A plain GET is refused with JSON.
    const res = await fetch(`${local.baseURL}/realtime?intent=transcription`);
    expect(res.status).toBe(426);
    expect(await res.json()).toMatchObject({ error: { code: 'upgrade_required' } });
  }, 30_000);
});

describe('realtime transcription against a broken endpoint', () => {
  it('retries a connection dropped mid-utterance with backoff, on a new connection', async () => {
    const server = await realtimeFaultServer('flaky');
    const { segments } = await transcribeClip(engineAt(server.baseURL), twoAnswers(), { backoffMs: 20 });
    server.close();
    expect(segments[0]).toMatchObject({ status: 'ok', text: 'hello there', attempts: 2 });
    expect(segments.length).toBeGreaterThanOrEqual(2);
    expect(server.connections()).toBe(segments.length + 1);
  });

  it.each(['down', 'hang', 'close-mid-utterance', 'garbage', 'bad-event'] as const satisfies readonly (
    | FaultMode
    | 'down'
  )[])('marks segments failed when the endpoint is %s, and the VAD keeps going', async (mode) => {
    const server = mode === 'down' ? undefined : await realtimeFaultServer(mode);
    const url = server?.baseURL ?? 'http://127.0.0.1:9/v1';
    const { segments, boundaries } = await transcribeClip(engineAt(url), twoAnswers(), {
      backoffMs: 10,
      maxAttempts: 2,
      timeoutMs: 400,
    });
    server?.close();
    expect(boundaries.filter((b) => b === 'end').length).toBeGreaterThanOrEqual(2);
    expect(segments.length).toBe(boundaries.filter((b) => b === 'end').length);
    for (const s of segments) expect(s).toMatchObject({ status: 'failed', text: '', attempts: 2 });
    expect(segments[0]?.error).toBeTruthy();
  });
});
