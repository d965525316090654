import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDeliveryOptions } from '../../agent/src/audio/delivery.js';
import { concat, scriptedFillerAnswer, silence, writeWav } from '../fixtures/audio.js';
import { ARTIFACTS_DIR } from '../fixtures/paths.js';
import { publishMicrophone } from './clients/media.js';
import { signalsOf, waitFor } from './clients/participant.js';
import { startInterview, waitForAnalysis } from './harness/interview.js';
import { type Stack, startStackWithLocalStt } from './harness/stack.js';

/**
 * Silence before the answer in the looped file: the agent subscribes to the microphone while it plays, so the
 * first answer usually reaches it whole (otherwise the test waits for the next loop).
 */
const LEAD_SECONDS = 3;

/**
 * Filled pauses survive the real path: the candidate's microphone through Opus, livekit-server and
 * the agent's decoder. They are found in the sound (the recognizer, PocketSphinx through the
 * production OpenAI-plugin path, hears them as "oh"/"ah" or drops them) and join the transcript's
 * filler words in `speech-rate`.
 */
describe('filled pauses through a real room', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStackWithLocalStt();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('the interviewer gets a filled-pause signal per "um"/"uh" and the answer\'s counts in `delivery` and `speech-rate`', async () => {
    const dir = join(ARTIFACTS_DIR, 'filled-pauses');
    mkdirSync(dir, { recursive: true });
    const answer = scriptedFillerAnswer(1);
    // 5 s of silence after the answer: longer than the delivery analyser's 4 s answer gap, so each loop ends an answer.
    const wav = writeWav(join(dir, 'answer.wav'), concat(silence(LEAD_SECONDS), answer.pcm, silence(5)));
    const seconds = answer.pcm.samples.length / 16000;

    const interview = await startInterview(stack);
    const { interviewer, candidate } = interview;
    // The agent is in the room and has picked the candidate before the microphone starts.
    await waitForAnalysis(stack, interview, 120_000);
    const mic = await publishMicrophone(candidate.room, wav);
    // The first answer may still be cut where the agent started listening: wait for a whole one.
    const whole = await waitFor(
      'a delivery signal of a whole answer',
      () => signalsOf(interviewer, 'delivery').find((s) => Number(s.values.seconds) > seconds - 1.5),
      120_000,
    );
    await mic.stop();
    expect(Math.abs(Number(whole.values.filledPauses) - answer.filledPauses.length)).toBeLessThanOrEqual(1);
    // The answer's filled pauses as the analyser counts them: inside the answer, give or take one envelope frame.
    const { frameMs } = defaultDeliveryOptions;
    const inAnswer = signalsOf(interviewer, 'filled-pause').filter(
      (s) => s.range.start >= whole.range.start - frameMs && s.range.end <= whole.range.end + frameMs,
    );
    expect(inAnswer).toHaveLength(Number(whole.values.filledPauses));
    for (const s of inAnswer) expect(s.analyser).toBe('delivery');
    // Each detection lies on a scripted "um"/"uh" (seconds from the answer's start; the answer starts where the
    // first word's sound does, a little after the file's start). Packets lost on a loaded machine may shorten or
    // split one filler or add one stray detection, so the count may be off by one in total, never more.
    const detected = inAnswer.map((s) => ({
      start: (s.range.start - whole.range.start) / 1000,
      end: (s.range.end - whole.range.start) / 1000,
      seconds: Number(s.values.seconds),
    }));
    const overlaps = (d: { start: number; end: number }, f: { start: number; end: number }) =>
      d.start < f.end + 0.4 && d.end > f.start - 0.4;
    const found = answer.filledPauses.filter((f) => detected.some((d) => overlaps(d, f)));
    const stray = detected.filter((d) => !answer.filledPauses.some((f) => overlaps(d, f)));
    const where = `scripted ${answer.filledPauses.map((f) => `${f.start.toFixed(2)}–${f.end.toFixed(2)}`).join(', ')} s; detected ${detected.map((d) => `${d.start.toFixed(2)}–${d.end.toFixed(2)} (${d.seconds} s)`).join(', ')}`;
    expect(answer.filledPauses.length - found.length + stray.length, where).toBeLessThanOrEqual(1);
    // The transcript's segments of that answer: hesitations = max(transcript "um/uh", acoustic) per segment.
    const inRange = (s: { range: { start: number; end: number } }) =>
      s.range.start >= whole.range.start - 1000 && s.range.end <= whole.range.end + 1000;
    // Segments are transcribed one after another and may lag the answer on a loaded machine: wait for the one that
    // ends the answer (its last words) as well as for the hesitations, rather than count the segments there so far.
    const rates = await waitFor('speech-rate of the whole answer', () => {
      const got = signalsOf(interviewer, 'speech-rate').filter(inRange);
      const sum = got.reduce((n, s) => n + Number(s.values.hesitations), 0);
      const last = got.some((s) => s.range.end >= whole.range.end - 1000);
      return last && sum >= answer.filledPauses.length - 1 ? got : undefined;
    }).catch((err: Error) => {
      const all = signalsOf(interviewer, 'speech-rate').map(
        (s) =>
          `${s.range.start - whole.range.start}–${s.range.end - whole.range.start} ms h=${s.values.hesitations}`,
      );
      const log = stack.agent
        .output()
        .split('\n')
        .filter((l) => /transcri|recogni|segment|speech-to-text/i.test(l))
        .slice(-20);
      throw new Error(
        `${err.message}; the answer ${whole.range.start}–${whole.range.end}; speech-rate (ms from its start) ${all.join(', ')}; the agent's transcription log:\n${log.join('\n')}`,
      );
    });
    const total = (key: 'hesitations' | 'fillers' | 'filledPauses' | 'transcriptHesitations') =>
      rates.reduce((n, s) => n + s.values[key], 0);
    const segments = rates
      .map(
        (s) =>
          `${s.range.start - whole.range.start}–${s.range.end - whole.range.start} ms: transcript ${s.values.transcriptHesitations}, acoustic ${s.values.filledPauses}, hesitations ${s.values.hesitations}, fillers ${s.values.fillers} ${s.values.fillerWords}`,
      )
      .join('; ');
    const n = answer.filledPauses.length;
    console.log(
      `[measure] filled pauses through Opus: ${whole.values.filledPauses} of ${n} at ${whole.values.filledPausesAt} s; pauses ${whole.values.pauses}; speech-rate over ${rates.length} segments: hesitations ${total('hesitations')} (transcript ${total('transcriptHesitations')}, acoustic ${total('filledPauses')}), fillers ${total('fillers')}; ${where}; segments (ms from the answer's start) ${segments}`,
    );
    // Every acoustic detection of the answer joins exactly one of its segments: none lost, none counted twice.
    expect(total('filledPauses'), segments).toBe(inAnswer.length);
    // Each segment merges its two sources without counting an "um" twice: the larger count, not the sum.
    for (const s of rates) {
      expect(s.values.hesitations, segments).toBe(
        Math.max(s.values.transcriptHesitations, s.values.filledPauses),
      );
      expect(s.values.fillers - s.values.hesitations, segments).toBeGreaterThanOrEqual(0);
    }
    // The recognizer writes most scripted "um"/"uh" as hesitation words (it may drop one or hear one more).
    expect(Math.abs(total('transcriptHesitations') - n), segments).toBeLessThanOrEqual(1);
    // So the answer's hesitations: at least what either source found, and over the script by at most the two
    // sources' own errors (one stray each) when those fall in different segments.
    expect(total('hesitations'), segments).toBeGreaterThanOrEqual(
      Math.max(total('transcriptHesitations'), total('filledPauses')),
    );
    expect(total('hesitations') - n, segments).toBeGreaterThanOrEqual(-1);
    expect(total('hesitations') - n, segments).toBeLessThanOrEqual(2);
    // The other filler words come from the transcript alone: the script says "like" and "you know" once each.
    expect(
      Math.abs(total('fillers') - total('hesitations') - answer.fillerWords),
      segments,
    ).toBeLessThanOrEqual(1);
    expect(candidate.messages).toHaveLength(0);
    await interview.end();
  }, 240_000);
});
