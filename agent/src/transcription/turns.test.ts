import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { chunks, scriptedFillerAnswer } from '../../../test/fixtures/audio.js';
import type { SignalDraft } from '../analysers/analyser.js';
import { collect, testContext } from '../analysers/testing.js';
import { DeliveryAnalyser } from '../audio/delivery.js';
import { loadSilero } from '../audio/speech.js';
import { LocalRecognizerSTT } from './engine.js';
import { countFillers } from './fillers.js';
import { TEST_MODEL } from './testing.js';
import { type Speaker, SpeakerTranscriber, STT_VAD_SETTINGS, type TranscriptSegment } from './transcriber.js';
import { TurnTracker } from './turns.js';

const ivy: Speaker = { identity: 'ivy', role: 'interviewer', trackSid: 'TR_i' };
const cam: Speaker = { identity: 'cam', role: 'candidate', trackSid: 'TR_c' };

describe('TurnTracker', () => {
  it('reports a long pause after a question within a second of the threshold, and none when the candidate answers', async () => {
    const out: SignalDraft[] = [];
    const turns = new TurnTracker((d) => out.push(d), { longPauseSeconds: 0.3 });
    const t0 = Date.now();
    turns.boundary({ speaker: ivy, type: 'start', at: t0 - 2000 });
    turns.boundary({ speaker: ivy, type: 'end', at: t0 });
    await sleep(450);
    const pause = out.find((d) => d.kind === 'long-pause');
    expect(pause?.values).toMatchObject({ after: 'interviewer', thresholdSeconds: 0.3 });
    expect(pause?.values.silenceSeconds as number).toBeLessThan(1.3);
    out.length = 0;
    turns.boundary({ speaker: ivy, type: 'start', at: Date.now() });
    turns.boundary({ speaker: ivy, type: 'end', at: Date.now() });
    turns.boundary({ speaker: cam, type: 'start', at: Date.now() + 100 });
    await sleep(450);
    expect(out.filter((d) => d.kind === 'long-pause')).toHaveLength(0);
    turns.close();
  });

  it('reports overlaps, talk time and the speaking rate and fillers of candidate segments', () => {
    const out: SignalDraft[] = [];
    const turns = new TurnTracker((d) => out.push(d));
    turns.boundary({ speaker: cam, type: 'start', at: 1000 });
    turns.boundary({ speaker: ivy, type: 'start', at: 4000 });
    turns.boundary({ speaker: cam, type: 'end', at: 5000 });
    turns.boundary({ speaker: ivy, type: 'end', at: 6000 });
    turns.segment({
      id: 's1',
      speaker: cam,
      text: 'um I think uh we could like shard it',
      start: 1000,
      end: 5000,
      status: 'ok',
      attempts: 1,
      closedAt: 5000,
      readyAt: 5100,
    });
    turns.close();
    expect(out.find((d) => d.kind === 'overlap')?.values).toMatchObject({
      startedBy: 'interviewer',
      otherSpeakingForSeconds: 3,
    });
    expect(out.find((d) => d.kind === 'speech-rate')?.values).toMatchObject({
      words: 9,
      fillers: 3,
      wordsPerMinute: 135,
    });
    expect(out.find((d) => d.kind === 'talk-time')?.values).toMatchObject({
      candidateSeconds: 4,
      interviewerSeconds: 2,
      candidateShare: 0.667,
    });
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
    const turns = new TurnTracker((d) => out.push(d));
    turns.filledPause({ start: 1200, end: 1600 });
    turns.filledPause({ start: 3000, end: 3400 });
    turns.filledPause({ start: 9000, end: 9400 }); // belongs to a later segment
    turns.segment(segment('so um we could like shard it', 1000, 5000));
    turns.segment(segment('and then we are done', 8800, 10_000));
    turns.segment(segment('no fillers here at all', 20_000, 22_000));
    turns.close();
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
    const turns = new TurnTracker((d) => out.push(d));
    const delivery = await collect(
      new DeliveryAnalyser().analyse(chunks(answer.pcm, t0), testContext('audio')),
    );
    for (const s of delivery) if (s.kind === 'filled-pause') turns.filledPause(s.range);
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
    for (const seg of segments) turns.segment(seg);
    turns.close();
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((seg) => seg.status === 'ok')).toBe(true);
    const heard = countFillers(segments.map((seg) => seg.text).join(' '));
    const rates = out.filter((d) => d.kind === 'speech-rate').map((d) => d.values);
    const sum = (key: string) => rates.reduce((n, v) => n + (v[key] as number), 0);
    // The recognizer's own count is whatever it is (Whisper writes few hesitations; PocketSphinx heard "oh");
    // the merged count finds the four hesitations anyway, and never counts fewer than the transcript has.
    expect(sum('transcriptHesitations')).toBe(heard.hesitations);
    expect(Math.abs(sum('hesitations') - 4)).toBeLessThanOrEqual(1);
    expect(sum('fillers')).toBe(sum('hesitations') + heard.total - heard.hesitations);
  }, 60_000);
});
