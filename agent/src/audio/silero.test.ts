import { VADEventType } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import {
  concat,
  espeak,
  librivoxClips,
  pocketsphinxRecordings,
  silence,
  tone,
} from '../../../test/fixtures/audio.js';
import { type Pcm16, readWav } from '../../../test/fixtures/wav.js';
import { logger } from '../log.js';
import {
  SileroVad,
  VAD_WINDOW,
  type VoiceActivityEvent,
  type VoiceActivityModel,
  WindowChunker,
} from './silero.js';

/** Every event of one stream over `pcm`, given in frames of `per` samples, with the fields the detector reads. */
async function events(model: VoiceActivityModel, pcm: Pcm16, per = 512): Promise<VoiceActivityEvent[]> {
  const stream = model.stream();
  const windows = Math.floor(pcm.samples.length / 512);
  const out: VoiceActivityEvent[] = [];
  const reading = (async () => {
    for await (const e of stream) {
      const { type, samplesIndex, speechDuration, silenceDuration, probability, speaking } = e;
      out.push({ type, samplesIndex, speechDuration, silenceDuration, probability, speaking });
      if (type === VADEventType.INFERENCE_DONE && samplesIndex >= windows * 512) break;
    }
  })();
  for (let i = 0; i < windows * 512; i += per) {
    const data = pcm.samples.slice(i, Math.min(i + per, windows * 512));
    stream.pushFrame(new AudioFrame(data, 16000, 1, data.length));
  }
  await reading;
  stream.close();
  return out;
}

/** Real speech with the pauses of a conversation: LibriVox, recorded commands, synthetic speech, a faint hum. */
function conversation(): Pcm16 {
  const [a, b, c] = librivoxClips();
  const cards = pocketsphinxRecordings().slice(0, 3);
  if (!a || !b || !c || cards.length < 3) throw new Error('missing speech fixtures');
  return concat(
    silence(0.7),
    readWav(a.path),
    tone(50, 1.2, 0.001),
    ...cards.flatMap((r) => [r.pcm, silence(0.4)]),
    espeak('So the cache sits in front of the database, and we invalidate on write.'),
    silence(2.1),
    readWav(b.path),
    tone(120, 0.6, 0.002),
    readWav(c.path),
    silence(1),
  );
}

describe('SileroVad', () => {
  it("gives the plugin stream's events, value for value, on real speech, at two settings", async () => {
    const pcm = conversation();
    for (const settings of [
      {},
      { minSilenceDuration: 800, minSpeechDuration: 100, activationThreshold: 0.45 },
    ]) {
      logger('silero-test'); // the plugin's stream logs through the framework's logger
      const plugin = await silero.VAD.load({ ...settings, sampleRate: 16000, forceCPU: true });
      const reference = await events(plugin, pcm);
      const ours = await events(await SileroVad.load(settings), pcm);
      expect(reference.filter((e) => e.type === VADEventType.START_OF_SPEECH).length).toBeGreaterThanOrEqual(
        4,
      );
      expect(reference.filter((e) => e.type === VADEventType.END_OF_SPEECH).length).toBeGreaterThanOrEqual(4);
      expect(ours).toEqual(reference);
    }
  });

  it('gives the same events however the audio is framed; streams of one model are independent', async () => {
    const clip = librivoxClips()[1];
    if (!clip) throw new Error('no clip');
    const pcm = concat(silence(0.5), readWav(clip.path), silence(1));
    const vad = await SileroVad.load();
    const [whole, odd] = await Promise.all([events(vad, pcm), events(vad, pcm, 331)]);
    expect(whole.some((e) => e.type === VADEventType.START_OF_SPEECH)).toBe(true);
    expect(odd).toEqual(whole);
    expect(await events(vad, pcm, 1600)).toEqual(whole);
  });

  it('refuses audio it cannot score, and a closed stream ends its events and takes nothing more', async () => {
    const vad = await SileroVad.load();
    const stream = vad.stream();
    expect(() => stream.pushFrame(new AudioFrame(new Int16Array(480), 48000, 1, 480))).toThrow(
      /16000 Hz mono/,
    );
    expect(() => stream.pushFrame(new AudioFrame(new Int16Array(1024), 16000, 2, 512))).toThrow(/2 channels/);
    const it = stream[Symbol.asyncIterator]();
    stream.pushFrame(new AudioFrame(new Int16Array(512), 16000, 1, 512));
    expect((await it.next()).value?.type).toBe(VADEventType.INFERENCE_DONE);
    const waiting = it.next();
    stream.close();
    expect((await waiting).done).toBe(true);
    expect(() => stream.pushFrame(new AudioFrame(new Int16Array(512), 16000, 1, 512))).toThrow(/closed/);
  });
});

describe('WindowChunker', () => {
  const frame = (from: number, n: number) =>
    new AudioFrame(
      Int16Array.from({ length: n }, (_, i) => from + i),
      16000,
      1,
      n,
    );
  it('cuts frames of any length into whole VAD windows, in order, and flushes the rest', () => {
    const c = new WindowChunker();
    const out = [
      ...c.push(frame(0, 160)),
      ...c.push(frame(160, 300)),
      ...c.push(frame(460, 700)),
      ...c.push(frame(1160, 10)),
    ];
    expect(out.map((f) => f.samplesPerChannel)).toEqual([VAD_WINDOW, VAD_WINDOW]);
    expect(out.every((f) => f.data.length === VAD_WINDOW)).toBe(true);
    const samples = out.flatMap((f) => [...f.data]);
    expect(samples).toEqual(Array.from({ length: 2 * VAD_WINDOW }, (_, i) => i));
    const rest = c.flush();
    expect(rest?.samplesPerChannel).toBe(1170 - 2 * VAD_WINDOW);
    expect(rest?.data[0]).toBe(2 * VAD_WINDOW);
    expect(c.flush()).toBeUndefined();
  });
  it('hands out a new buffer per window (a window already pushed is never overwritten)', () => {
    const c = new WindowChunker();
    const [a] = c.push(frame(0, VAD_WINDOW));
    const [b] = c.push(frame(VAD_WINDOW, VAD_WINDOW));
    expect(a?.data[0]).toBe(0);
    expect(b?.data[0]).toBe(VAD_WINDOW);
  });
});
