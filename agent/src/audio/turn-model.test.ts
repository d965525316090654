import { describe, expect, it } from 'vitest';
import { chunks, concat, espeak, silence } from '../../../test/fixtures/audio.js';
import { CandidateActivity } from '../analysers/activity.js';
import type { SignalDraft } from '../analysers/analyser.js';
import { SessionBus, type SessionEvent, type Speaker } from '../bus/session-bus.js';
import { AudioFrontEnd } from './front-end.js';
import { loadSilero } from './speech.js';
import { TurnModel } from './turn-model.js';

const cand: Speaker = { identity: 'cam', role: 'candidate', trackSid: 'TR_c' };
const ivy: Speaker = { identity: 'ivy', role: 'interviewer', trackSid: 'TR_i' };

function model(options: ConstructorParameters<typeof TurnModel>[0]['options'] = {}) {
  const bus = new SessionBus((err) => {
    throw err;
  });
  const signals: SignalDraft[] = [];
  const events: SessionEvent[] = [];
  bus.on('answer-start', (e) => events.push(e));
  bus.on('answer-end', (e) => events.push(e));
  const activity = new CandidateActivity();
  const turns = new TurnModel({ bus, emit: (d) => signals.push(d), activity, options, now: () => 0 });
  /** Voice-activity ticks of `who` every 32 ms from `from` to `to`. */
  const ticks = (who: Speaker, from: number, to: number) => {
    for (let at = from; at <= to; at += 32) bus.emit({ type: 'vad', speaker: who, at, speaking: false });
  };
  return { bus, signals, events, activity, turns, ticks };
}

describe('TurnModel', () => {
  it('one answer across short pauses, ended by a gap; one long pause per silence at each threshold', () => {
    const { bus, signals, events, activity, turns, ticks } = model({
      longPauseSeconds: 5,
      answerGapSeconds: 4,
    });
    const watched = { seconds: 3 };
    turns.watchPause(() => watched.seconds);
    bus.emit({ type: 'track-start', speaker: cand, at: 0 });
    bus.emit({ type: 'speech-start', speaker: cand, at: 1000 });
    expect(activity).toMatchObject({ candidateSpeaking: true, answerStartedAt: 1000 });
    bus.emit({ type: 'speech-end', speaker: cand, start: 1000, end: 3000 });
    ticks(cand, 3000, 5000); // 2 s pause: same answer
    bus.emit({ type: 'speech-start', speaker: cand, at: 5000 });
    bus.emit({ type: 'speech-end', speaker: cand, start: 5000, end: 9000 });
    expect(activity.candidateSpeaking).toBe(false);
    ticks(cand, 9000, 15_000);
    expect(events).toEqual([
      { type: 'answer-start', at: 1000 },
      { type: 'answer-end', start: 1000, end: 9000, speechSeconds: 8, reason: 'gap' },
    ]);
    const answerEnd = signals.filter((s) => s.kind === 'answer-end');
    expect(answerEnd).toHaveLength(1);
    expect(answerEnd[0]?.values).toMatchObject({ speechSeconds: 8, voicedSeconds: 6, reason: 'gap' });
    const pauses = signals.filter((s) => s.kind === 'long-pause');
    expect(pauses.map((p) => [p.values.thresholdSeconds, p.values.phase, p.range.start])).toEqual([
      [3, 'start', 9000],
      [5, 'update', 9000],
    ]);
    expect(pauses[0]?.values.after).toBe('speech');
    expect(pauses[0]?.values.episodeId).toBe(pauses[1]?.values.episodeId);
    expect(pauses[0]?.values.silenceSeconds as number).toBeLessThan(3.1);
    // The 2 s pause inside the answer was not long.
    expect(pauses.every((p) => p.range.start === 9000)).toBe(true);
  });

  it('a silence after the interviewer is a pause after the question; the interviewer ends an answer; overlaps and talk time', () => {
    const { bus, signals, events, turns, ticks } = model({ longPauseSeconds: 4 });
    bus.emit({ type: 'track-start', speaker: cand, at: 0 });
    bus.emit({ type: 'track-start', speaker: ivy, at: 0 });
    bus.emit({ type: 'speech-start', speaker: ivy, at: 500 });
    bus.emit({ type: 'speech-end', speaker: ivy, start: 500, end: 2500 });
    ticks(cand, 2500, 7000);
    const pause = signals.find((s) => s.kind === 'long-pause');
    expect(pause?.values).toMatchObject({ after: 'interviewer', thresholdSeconds: 4 });
    expect(pause?.range.start).toBe(2500);
    bus.emit({ type: 'speech-start', speaker: cand, at: 7000 });
    bus.emit({ type: 'speech-start', speaker: ivy, at: 8000 }); // talks over the candidate: not the end of the answer
    expect(signals.find((s) => s.kind === 'overlap')?.values).toMatchObject({ startedBy: 'interviewer' });
    bus.emit({ type: 'speech-end', speaker: ivy, start: 8000, end: 8500 });
    bus.emit({ type: 'speech-end', speaker: cand, start: 7000, end: 10_000 });
    bus.emit({ type: 'speech-start', speaker: ivy, at: 11_000 }); // the next question ends the answer at once
    expect(events.at(-1)).toMatchObject({
      type: 'answer-end',
      start: 7000,
      end: 10_000,
      reason: 'interviewer',
    });
    bus.emit({ type: 'speech-end', speaker: ivy, start: 11_000, end: 12_000 });
    turns.close();
    expect(signals.find((s) => s.kind === 'talk-time')?.values).toMatchObject({
      candidateSeconds: 3,
      interviewerSeconds: 3.5,
    });
  });

  it('lost audio is neither silence nor speech: no pause, no end of the answer, no talk time from a gap', () => {
    const run = (lose: boolean) => {
      const m = model({ longPauseSeconds: 5, answerGapSeconds: 4 });
      const { bus, ticks } = m;
      /** Both tracks lost the same 6 s (one process behind), give or take the chunking. */
      const lost = (from: number, to: number) => {
        if (!lose) return;
        bus.emit({ type: 'audio-lost', speaker: cand, from, to, reason: 'lost' });
        bus.emit({ type: 'audio-lost', speaker: ivy, from: from + 20, to: to + 20, reason: 'skipped' });
      };
      bus.emit({ type: 'track-start', speaker: cand, at: 0 });
      bus.emit({ type: 'track-start', speaker: ivy, at: 0 });
      bus.emit({ type: 'speech-start', speaker: cand, at: 1000 });
      bus.emit({ type: 'speech-end', speaker: cand, start: 1000, end: 3000 });
      ticks(cand, 3000, 4000);
      lost(4000, 10_000); // 1 s of silence heard, then the gap, then 2 s more
      ticks(cand, 10_000, 12_000);
      bus.emit({ type: 'speech-start', speaker: cand, at: 12_000 });
      lost(13_000, 19_000); // a gap while the candidate speaks
      bus.emit({ type: 'speech-end', speaker: cand, start: 12_000, end: 20_000 });
      ticks(cand, 20_000, 29_000);
      m.turns.close();
      return m;
    };
    const heard = run(true);
    // One answer over both gaps, ended by the silence heard after it; its voiced time leaves the second gap out.
    expect(heard.events).toEqual([
      { type: 'answer-start', at: 1000 },
      { type: 'answer-end', start: 1000, end: 20_000, speechSeconds: 19, reason: 'gap' },
    ]);
    expect(heard.signals.find((s) => s.kind === 'answer-end')?.values).toMatchObject({ voicedSeconds: 4 });
    // The only long pause is the silence after the answer (9 s heard), not the first gap.
    const pauses = heard.signals.filter((s) => s.kind === 'long-pause');
    expect(pauses.map((p) => [p.values.phase, p.range.start])).toEqual([['start', 20_000]]);
    expect(heard.signals.find((s) => s.kind === 'talk-time')?.values).toMatchObject({ candidateSeconds: 4 });
    // Without the losses the same times read as a 7-s silence that ends the first answer and is a long pause.
    const blind = run(false);
    expect(blind.events.filter((e) => e.type === 'answer-end')).toHaveLength(2);
    expect(blind.signals.filter((s) => s.kind === 'long-pause' && s.values.phase === 'start')).toHaveLength(
      2,
    );
  });

  it('no pause while nobody listens to the candidate; a track that ends closes the answer', () => {
    const { bus, signals, events, activity, ticks } = model({ longPauseSeconds: 2 });
    ticks(ivy, 0, 5000);
    expect(signals).toEqual([]);
    bus.emit({ type: 'track-start', speaker: cand, at: 5000 });
    bus.emit({ type: 'speech-start', speaker: cand, at: 5200 });
    bus.emit({ type: 'track-end', speaker: cand });
    expect(activity.candidateSpeaking).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'answer-end', reason: 'end' });
    ticks(ivy, 5200, 9000);
    expect(signals.filter((s) => s.kind === 'long-pause')).toEqual([]);
  });

  it('on real speech through the front end: two answers, one long pause between them', async () => {
    const answer = espeak('I would start with a hash map and then measure it.');
    const pcm = concat(answer, silence(2), answer, silence(4.5), answer, silence(1));
    const { bus, signals, events, activity, turns } = model({ longPauseSeconds: 4 });
    const frontEnd = new AudioFrontEnd({ speaker: cand, bus, vad: await loadSilero() });
    await frontEnd.run(chunks(pcm, 1_000_000));
    turns.close();
    const starts = events.filter((e) => e.type === 'answer-start');
    expect(starts).toHaveLength(2);
    const secondAt = 1_000_000 + ((2 * answer.samples.length) / answer.sampleRate + 6.5) * 1000;
    expect(Math.abs((activity.answerStartedAt as number) - secondAt)).toBeLessThan(600);
    const pauses = signals.filter((s) => s.kind === 'long-pause');
    // one episode: its start at the threshold, its end when the candidate speaks again (the whole silence)
    expect(pauses.map((p) => p.values.phase)).toEqual(['start', 'end']);
    expect(pauses[1]?.values.episodeId).toBe(pauses[0]?.values.episodeId);
    expect(pauses[1]?.values.silenceSeconds as number).toBeGreaterThan(
      pauses[0]?.values.silenceSeconds as number,
    );
    expect(pauses[0]?.values.silenceSeconds as number).toBeGreaterThanOrEqual(4);
    expect(pauses[0]?.values.silenceSeconds as number).toBeLessThan(5);
    expect(pauses[0]?.values.after).toBe('speech');
  });
});
