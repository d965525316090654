import { setTimeout as sleep } from 'node:timers/promises';
import { type AudioBuffer, stt } from '@livekit/agents';
import { describe, expect, it } from 'vitest';
import { concat, librivoxClips, silence } from '../../../test/fixtures/audio.js';
import { type Pcm16, readWav } from '../../../test/fixtures/wav.js';
import { loadSilero } from '../audio/speech.js';
import { type Caption, InterimCaptions } from './sink-interim.js';
import { InFlightSTT, localStt, localSttServer, paced } from './testing.js';
import { SpeakerTranscriber, STT_VAD_SETTINGS, type TranscriberOptions } from './transcriber.js';

const speaker = { identity: 'cand', role: 'candidate' as const, trackSid: 'TR_c' };

/** An STT that answers its first `n` requests from `inner` and fails every later one. */
class FailsAfter extends stt.STT {
  label = 'fails-after';
  #inner: stt.STT;
  #left: number;
  constructor(inner: stt.STT, n: number) {
    super({ streaming: false, interimResults: false });
    this.#inner = inner;
    this.#left = n;
  }
  protected async _recognize(buffer: AudioBuffer, signal?: AbortSignal): Promise<stt.SpeechEvent> {
    if (this.#left-- <= 0) throw new Error('recognizer failed');
    return this.#inner.recognize(buffer, signal);
  }
  stream(): stt.SpeechStream {
    throw new Error('no stream');
  }
}

describe('interim captions from the local recognizer (chunked decoding at short pauses)', () => {
  const local = localSttServer();

  /** Runs a clip through the transcriber into {@link InterimCaptions}, as the sink does; the captions in order. */
  async function captionsOf(
    pcm: Pcm16,
    options: Partial<TranscriberOptions> = {},
    s: stt.STT = new InFlightSTT(localStt(local.baseURL)),
  ) {
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
      stt: s,
      mode: 'realtime',
      vad: await loadSilero(STT_VAD_SETTINGS),
      onInterim: (i) => captions.update(i.id, i.speaker, i.text),
      onSegment: (s) => finish(s.id, s.text, s.status),
      onDiscard: (id) => finish(id, '', 'ok'),
      options,
    });
    // A recognizer that keeps up: each frame waits until no request is in flight (see `paced`).
    await transcriber.run(paced(pcm, 1.5, s instanceof InFlightSTT ? () => s.idle() : undefined));
    await sleep(50); // discards are delivered asynchronously
    expect(captions.open).toBe(0);
    return sent;
  }

  /** Three sentences read back to back: one segment with short pauses inside. */
  const clip = () =>
    concat(
      ...librivoxClips()
        .slice(0, 3)
        .map((c) => readWav(c.path)),
      silence(1.5),
    );

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
    // Growing text: committed chunks only grow; the provisional tail of a long pause-less stretch may be revised.
    for (let i = 1; i < interims.length; i++) {
      const [prev, next] = [interims[i - 1] as Caption, interims[i] as Caption];
      expect(next.text.split(' ').length).toBeGreaterThan(prev.text.split(' ').length);
    }
  }, 90_000);

  it('closes the interim captions of a failed segment with an empty final caption', async () => {
    // The first chunk is transcribed, every later request fails: the segment's only attempt fails.
    const sent = await captionsOf(
      clip(),
      { maxAttempts: 1 },
      new InFlightSTT(new FailsAfter(localStt(local.baseURL), 1)),
    );
    const interims = sent.filter((c) => !c.final);
    expect(interims.length).toBeGreaterThan(0);
    for (const id of new Set(interims.map((c) => c.id)))
      expect(sent.filter((c) => c.final && c.id === id)).toEqual([
        { id, speaker, text: '', final: true, status: 'failed' },
      ]);
  }, 90_000);
});
