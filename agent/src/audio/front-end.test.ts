import { describe, expect, it } from 'vitest';
import { chunks, concat, espeak, silence, tone } from '../../../test/fixtures/audio.js';
import type { AudioSample } from '../analysers/analyser.js';
import { SessionBus, type SessionEvent, type Speaker } from '../bus/session-bus.js';
import { AudioFrontEnd, analysedAudio } from './front-end.js';
import { PitchTracker } from './pitch-track.js';
import { loadSilero } from './speech.js';

const cand: Speaker = { identity: 'cam', role: 'candidate', trackSid: 'TR_c' };

async function run(frontEnd: AudioFrontEnd, pcm: Parameters<typeof chunks>[0], bus: SessionBus) {
  const samples: AudioSample[] = [];
  const events: SessionEvent[] = [];
  for (const type of ['track-start', 'track-end', 'speech-start', 'speech-end', 'audio'] as const)
    bus.on(type, (e) => void events.push(e));
  await frontEnd.run(chunks(pcm, 1_000_000), (s) => samples.push(s));
  return { samples, events };
}

describe('AudioFrontEnd', () => {
  it('hands every chunk on once with its share of the one pitch track and the voice activity, in order on the bus', async () => {
    const bus = new SessionBus();
    const pcm = concat(silence(0.5), espeak('I would start with a hash map.', { pitchHz: 120 }), silence(1));
    const { samples, events } = await run(
      new AudioFrontEnd({ speaker: cand, bus, vad: await loadSilero() }),
      pcm,
      bus,
    );
    const chunkCount = Math.floor(pcm.samples.length / 160);
    // Every chunk, then one empty chunk that carries what Silero found after the audio ended.
    expect(samples).toHaveLength(chunkCount + 1);
    expect(samples.at(-1)?.frame.samplesPerChannel).toBe(0);
    expect(events[0]).toMatchObject({ type: 'track-start', at: 1_000_000 });
    expect(events.at(-1)?.type).toBe('track-end');
    expect(events.filter((e) => e.type === 'audio')).toHaveLength(samples.length);
    // The shared pitch track is the tracker's own over the same audio.
    const shared = samples.flatMap((s) => s.analysis?.pitch ?? []);
    expect(shared.length).toBeGreaterThan(20);
    expect(shared).toEqual(new PitchTracker().push(pcm.samples.subarray(0, chunkCount * 160)));
    // Voice activity: the events on the chunks are the ones on the bus, in wall-clock time there.
    const onChunks = samples.flatMap((s) => s.analysis?.speech ?? []).filter((e) => e.type !== 'tick');
    const onBus = events.filter((e) => e.type === 'speech-start' || e.type === 'speech-end');
    expect(onChunks.length).toBeGreaterThanOrEqual(2);
    expect(onChunks).toHaveLength(onBus.length);
    const first = onChunks[0];
    expect(first?.type).toBe('start');
    if (first?.type === 'start')
      expect(onBus[0]).toMatchObject({ type: 'speech-start', at: Math.round(1_000_000 + first.atMs) });
    const end = onChunks.find((e) => e.type === 'end');
    expect(end?.type === 'end' && end.audio?.samplesPerChannel).toBeGreaterThan(16000);
  });

  it('computes nothing it is not asked for; analysed samples pass through untouched', async () => {
    const bus = new SessionBus();
    const { samples } = await run(
      new AudioFrontEnd({ speaker: { ...cand, role: 'interviewer' }, bus, pitch: false }),
      tone(150, 1),
      bus,
    );
    expect(samples.every((s) => s.analysis?.pitch.length === 0 && s.analysis.speech.length === 0)).toBe(true);
    async function* again() {
      yield* samples;
    }
    const out: AudioSample[] = [];
    for await (const s of analysedAudio(again())) out.push(s);
    expect(out).toHaveLength(samples.length);
    expect(out.every((s, i) => s === samples[i])).toBe(true);
  });
});
