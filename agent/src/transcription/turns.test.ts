import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { SignalDraft } from '../analysers/analyser.js';
import type { Speaker } from './transcriber.js';
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
});
