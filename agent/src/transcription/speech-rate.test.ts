import { describe, expect, it } from 'vitest';
import { chunks, scriptedFillerAnswer } from '../../../test/fixtures/audio.js';
import type { SignalDraft } from '../analysers/analyser.js';
import { collect, testContext } from '../analysers/testing.js';
import { DeliveryAnalyser } from '../audio/delivery.js';
import { loadSilero } from '../audio/speech.js';
import { LocalRecognizerSTT } from './engine.js';
import { countFillers } from './fillers.js';
import { SpeechRateTracker } from './speech-rate.js';
import { TEST_MODEL } from './testing.js';
import { type Speaker, SpeakerTranscriber, STT_VAD_SETTINGS, type TranscriptSegment } from './transcriber.js';

const ivy: Speaker = { identity: 'ivy', role: 'interviewer', trackSid: 'TR_i' };
const cam: Speaker = { identity: 'cam', role: 'candidate', trackSid: 'TR_c' };

describe('SpeechRateTracker', () => {
  it('reports the speaking rate and fillers of candidate segments, nothing for the interviewer', () => {
    const out: SignalDraft[] = [];
    const rates = new SpeechRateTracker((d) => out.push(d));
    const said = { status: 'ok', attempts: 1, closedAt: 5000, readyAt: 5100 } as const;
    rates.segment({ id: 'q', speaker: ivy, text: 'and how would you shard it', start: 0, end: 900, ...said });
    rates.segment({
      id: 's1',
      speaker: cam,
      text: 'um I think uh we could like shard it',
      start: 1000,
      end: 5000,
      ...said,
    });
    expect(out.map((d) => d.kind)).toEqual(['speech-rate']);
    expect(out[0]?.values).toMatchObject({ words: 9, fillers: 3, wordsPerMinute: 135 });
  });

  const segment = (text: string, start: number, end: number): TranscriptSegment => ({
    id: `s${start}`,
    speaker: cam,
    text,
    start,
    end,
    status: 'ok',
    attempts: 1,
    closedAt: end,
    readyAt: end + 100,
  });

  it('merges acoustic filled pauses inside a segment with its transcript fillers, each counted once', () => {
    const out: SignalDraft[] = [];
    const rates0 = new SpeechRateTracker((d) => out.push(d));
    rates0.filledPause({ start: 1200, end: 1600 });
    rates0.filledPause({ start: 3000, end: 3400 });
    rates0.filledPause({ start: 9000, end: 9400 }); // belongs to a later segment
    rates0.segment(segment('so um we could like shard it', 1000, 5000));
    rates0.segment(segment('and then we are done', 8800, 10_000));
    rates0.segment(segment('no fillers here at all', 20_000, 22_000));
    const rates = out.filter((d) => d.kind === 'speech-rate').map((d) => d.values);
    expect(rates[0]).toMatchObject({ fillers: 3, hesitations: 2, transcriptHesitations: 1, filledPauses: 2 });
    expect(rates[1]).toMatchObject({ fillers: 1, hesitations: 1, transcriptHesitations: 0, filledPauses: 1 });
    expect(rates[2]).toMatchObject({ fillers: 0, filledPauses: 0 });
  });
});

describe('filler counts through the real recognizer', () => {
  it('counts the "um"s and "uh"s the recognizer drops, from the acoustic detector, within ±1', async () => {
    const answer = scriptedFillerAnswer(2);
    const t0 = 1_000_000;
    const out: SignalDraft[] = [];
    const rates0 = new SpeechRateTracker((d) => out.push(d));
    const delivery = await collect(
      new DeliveryAnalyser().analyse(chunks(answer.pcm, t0), testContext('audio')),
    );
    for (const s of delivery) if (s.kind === 'filled-pause') rates0.filledPause(s.range);
    // No shared recognizer given: the STT starts its own, and stops it on close.
    const engine = new LocalRecognizerSTT({ language: 'en', service: { model: TEST_MODEL } });
    const segments: TranscriptSegment[] = [];
    try {
      await new SpeakerTranscriber({
        speaker: cam,
        stt: engine,
        vad: await loadSilero(STT_VAD_SETTINGS),
        onSegment: async (seg) => {
          segments.push(seg);
        },
      }).run(chunks(answer.pcm, t0));
    } finally {
      await engine.close();
    }
    for (const seg of segments) rates0.segment(seg);
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((seg) => seg.status === 'ok')).toBe(true);
    const heard = countFillers(segments.map((seg) => seg.text).join(' '));
    const rates = out.filter((d) => d.kind === 'speech-rate').map((d) => d.values);
    const sum = (key: 'transcriptHesitations' | 'hesitations' | 'fillers') =>
      rates.reduce((n, v) => n + v[key], 0);
    // The recognizer's own count is whatever it is (Whisper writes few hesitations; PocketSphinx heard "oh");
    // the merged count finds the four hesitations anyway, and never counts fewer than the transcript has.
    expect(sum('transcriptHesitations')).toBe(heard.hesitations);
    expect(Math.abs(sum('hesitations') - 4)).toBeLessThanOrEqual(1);
    expect(sum('fillers')).toBe(sum('hesitations') + heard.total - heard.hesitations);
  }, 60_000);
});
