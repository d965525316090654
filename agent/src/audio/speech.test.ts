import { describe, expect, it } from 'vitest';
import { chunks, concat, librivoxClips, tone } from '../../../test/fixtures/audio.js';
import { readWav } from '../../../test/fixtures/wav.js';
import { loadSilero, SpeechDetector, type SpeechEvent } from './speech.js';

describe('SpeechDetector', () => {
  it('cuts segments from the real audio, onset included (no zero-filled padding)', async () => {
    const clip = librivoxClips()[1];
    if (!clip) throw new Error('no clip');
    // Faint hum instead of digital silence, so zero-filled padding would show.
    const pcm = concat(tone(50, 1.5, 0.001), readWav(clip.path));
    const events: SpeechEvent[] = [];
    const frames = (async function* () {
      for await (const c of chunks(pcm)) yield c.frame;
    })();
    for await (const e of new SpeechDetector(await loadSilero()).run(frames))
      if (e.type !== 'tick') events.push(e);
    const end = events.find((e) => e.type === 'end');
    if (end?.type !== 'end' || !end.audio) throw new Error('no segment');
    const from = Math.floor(((end.startMs - 300) * 16000) / 1000);
    expect(end.audio.data.slice(0, 1600)).toEqual(pcm.samples.slice(from, from + 1600));
    expect(end.audio.samplesPerChannel / 16000).toBeGreaterThan((end.endMs - end.startMs) / 1000);
    expect(end.startMs).toBeGreaterThan(1300);
  });
});
