import { describe, expect, it } from 'vitest';
import { chunks, concat, espeak, librivoxClips, reformat, silence } from '../../../test/fixtures/audio.js';
import { readWav } from '../../../test/fixtures/wav.js';
import { CandidateActivity } from '../analysers/activity.js';
import { type CheckedDraft, collect, testContext } from '../analysers/testing.js';
import { VadAnalyser } from './vad.js';

const ctx = testContext('audio', 0);

describe('VadAnalyser', () => {
  it('finds the speech of a LibriVox clip and reports it in wall-clock time', async () => {
    const clip = librivoxClips()[0];
    if (!clip) throw new Error('no LibriVox clip');
    const pcm = readWav(clip.path);
    const signals = await collect(new VadAnalyser().analyse(chunks(pcm, 1_000_000), ctx));
    const segments = signals.filter((s) => s.kind === 'speech-segment');
    expect(segments.length).toBeGreaterThanOrEqual(1);
    const speech = segments.reduce((n, s) => n + (s.values.seconds as number), 0);
    const seconds = pcm.samples.length / pcm.sampleRate;
    expect(speech).toBeGreaterThan(seconds * 0.6);
    expect(speech).toBeLessThanOrEqual(seconds);
    expect(segments[0]?.range.start).toBeGreaterThanOrEqual(1_000_000);
    expect(signals.some((s) => s.kind === 'long-pause')).toBe(false);
  });

  it('reports a long pause between two answers and none for a short one', async () => {
    const answer = espeak('I would start with a hash map and then measure it.');
    const pcm = concat(answer, silence(2), answer, silence(4.5), answer);
    const signals = await collect(new VadAnalyser({ longPauseSeconds: 4 }).analyse(chunks(pcm), ctx));
    const segments = signals.filter((s) => s.kind === 'speech-segment');
    // espeak pauses inside a sentence too; the answers are the three groups of segments.
    expect(segments.length).toBeGreaterThanOrEqual(3);
    expect(segments.at(-1)?.values.endMs as number).toBeGreaterThan(pcm.samples.length / 16 - 1000);
    const pauses = signals.filter((s) => s.kind === 'long-pause');
    // one episode: its start within a second of the threshold, its end when the candidate speaks again
    expect(pauses.map((p) => p.values.phase)).toEqual(['start', 'end']);
    expect(pauses[1]?.values.episodeId).toBe(pauses[0]?.values.episodeId);
    expect(pauses[1]?.values.silenceSeconds as number).toBeGreaterThan(4.3);
    const end = pauses[1];
    expect(
      Math.abs((end?.values.durationMs ?? 0) - ((end?.range.end ?? 0) - (end?.range.start ?? 0))),
    ).toBeLessThanOrEqual(1);
    // Emitted within a second of the threshold.
    expect(pauses[0]?.values.silenceSeconds as number).toBeGreaterThanOrEqual(4);
    expect(pauses[0]?.values.silenceSeconds as number).toBeLessThan(5);
    expect(pauses[0]?.values.after).toBe('speech');
  });

  it('updates the session activity: speaking state and the start of the current answer', async () => {
    const answer = espeak('I would start with a hash map and then measure it.');
    const pcm = concat(answer, silence(2), answer, silence(5), answer, silence(1));
    class Recording extends CandidateActivity {
      starts: number[] = [];
      override speechStarted(at: number): void {
        super.speechStarted(at);
        this.starts.push(this.answerStartedAt as number);
      }
    }
    const activity = new Recording({ answerGapMs: 4000 });
    const signals = await collect(new VadAnalyser().analyse(chunks(pcm, 1_000_000), { ...ctx, activity }));
    const segments = signals.filter((s) => s.kind === 'speech-segment');
    expect(activity.candidateSpeaking).toBe(false);
    // two answers: the 2 s pause stays inside the first, the 5 s gap starts the second
    expect(new Set(activity.starts).size).toBe(2);
    expect(activity.starts[0]).toBe(segments[0]?.range.start);
    const secondAt = 1_000_000 + ((2 * answer.samples.length) / answer.sampleRate + 7) * 1000;
    expect(Math.abs((activity.answerStartedAt as number) - secondAt)).toBeLessThan(600);
  });

  it('handles silence only, 8/48 kHz and stereo input', async () => {
    const quiet = await collect(new VadAnalyser({ longPauseSeconds: 2 }).analyse(chunks(silence(3)), ctx));
    expect(quiet.map((s) => s.kind)).toEqual(['long-pause']);
    expect(quiet[0]?.values.after).toBe('track-start');
    const answer = espeak('Hello, I am ready for the interview.');
    const speechOf = (signals: CheckedDraft[]) =>
      signals
        .filter((s) => s.kind === 'speech-segment')
        .reduce((n, s) => n + (s.values.seconds as number), 0);
    const reference = speechOf(await collect(new VadAnalyser().analyse(chunks(answer), ctx)));
    expect(reference).toBeGreaterThan(1);
    for (const [rate, channels] of [
      [8000, 1],
      [48000, 2],
    ] as const) {
      const signals = await collect(new VadAnalyser().analyse(chunks(reformat(answer, rate, channels)), ctx));
      expect(Math.abs(speechOf(signals) - reference)).toBeLessThan(0.3);
    }
  });
});
