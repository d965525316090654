import { setTimeout as sleep } from 'node:timers/promises';
import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { concat, librivoxClips, silence } from '../../../test/fixtures/audio.js';
import { type Pcm16, readWav } from '../../../test/fixtures/wav.js';
import { loadSilero } from '../audio/speech.js';
import { OpenAiRealtimeSttEngine } from './engine-realtime.js';
import { type Caption, InterimCaptions } from './sink-interim.js';
import { localSttServer } from './testing.js';
import { SpeakerTranscriber, STT_VAD_SETTINGS, type TranscriberOptions } from './transcriber.js';

const speaker = { identity: 'cand', role: 'candidate' as const, trackSid: 'TR_c' };

/** 20 ms frames at twice real time: the realtime server sees speech arrive as it is spoken. */
async function* paced(pcm: Pcm16) {
  const n = pcm.sampleRate / 50;
  let at = Date.now();
  for (let i = 0; i + n <= pcm.samples.length; i += n) {
    at += 10;
    yield { frame: new AudioFrame(pcm.samples.slice(i, i + n), pcm.sampleRate, 1, n), receivedAt: at };
    await sleep(Math.max(0, at - Date.now()));
  }
}

describe('interim captions from the local realtime server', () => {
  const local = localSttServer();

  /** Runs a clip through the transcriber into {@link InterimCaptions}, as the sink does; the captions in order. */
  async function captionsOf(pcm: Pcm16, options: Partial<TranscriberOptions> = {}) {
    const sent: Caption[] = [];
    const captions = new InterimCaptions(async (c) => {
      sent.push(c);
    });
    const finish = async (id: string, text: string, status: Caption['status']) => {
      const c = await captions.final(id, speaker, text, status);
      if (c) sent.push(c);
    };
    const transcriber = new SpeakerTranscriber({
      speaker,
      engine: new OpenAiRealtimeSttEngine({
        baseURL: local.baseURL,
        model: 'pocketsphinx-en-us',
        language: 'en',
      }),
      vad: await loadSilero(STT_VAD_SETTINGS),
      onInterim: (i) => captions.update(i.id, i.speaker, i.text),
      onSegment: (s) => finish(s.id, s.text, s.status),
      onDiscard: (id) => finish(id, '', 'ok'),
      options,
    });
    await transcriber.run(paced(pcm));
    await sleep(50); // discards are delivered asynchronously
    expect(captions.open).toBe(0);
    return sent;
  }

  const clip = () => {
    const c = librivoxClips()[0];
    if (!c) throw new Error('no LibriVox clip');
    return concat(readWav(c.path), silence(1.5));
  };

  it('sends growing partial text under the final segment id, before the final', async () => {
    const sent = await captionsOf(clip());
    const finals = sent.filter((c) => c.final);
    expect(finals.length).toBeGreaterThan(0);
    const first = finals[0] as Caption;
    expect(first.text.split(' ').length).toBeGreaterThan(5);
    const interims = sent.filter((c) => !c.final && c.id === first.id);
    console.log(
      `[measure] interim captions before the final: ${interims.map((i) => `"${i.text}"`).join(', ')}`,
    );
    expect(interims.length).toBeGreaterThanOrEqual(2);
    // Every interim caption is of a segment that then got its final, and came before it.
    for (const c of sent.filter((x) => !x.final)) {
      const final = sent.findIndex((x) => x.final && x.id === c.id);
      expect(final).toBeGreaterThan(sent.indexOf(c));
    }
    // Growing text: each interim caption extends the previous one.
    for (let i = 1; i < interims.length; i++) {
      const [prev, next] = [interims[i - 1] as Caption, interims[i] as Caption];
      expect(next.text.startsWith(prev.text)).toBe(true);
      expect(next.text.split(' ').length).toBeGreaterThan(prev.text.split(' ').length);
    }
  }, 30_000);

  it('closes the interim captions of a failed segment with an empty final caption', async () => {
    // Each segment's only attempt times out before the server completes it.
    const sent = await captionsOf(clip(), { timeoutMs: 1, maxAttempts: 1 });
    const interims = sent.filter((c) => !c.final);
    expect(interims.length).toBeGreaterThan(0);
    for (const id of new Set(interims.map((c) => c.id)))
      expect(sent.filter((c) => c.final && c.id === id)).toEqual([
        { id, speaker, text: '', final: true, status: 'failed' },
      ]);
  }, 30_000);
});
