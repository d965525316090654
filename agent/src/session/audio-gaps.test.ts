import { exampleSignal, type SignalValues } from '@interview-helper/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SignalDraft } from '../analysers/analyser.js';
import { checkDraft } from '../analysers/validate.js';
import { SessionBus, type Speaker } from '../bus/session-bus.js';
import { AudioGapExtension } from './audio-gaps.js';
import type { SessionContext } from './extension.js';

const cand: Speaker = { identity: 'cam', role: 'candidate', trackSid: 'TR_c' };
const ivy: Speaker = { identity: 'ivy', role: 'interviewer', trackSid: 'TR_i' };
const T0 = 1_763_700_000_000;
type Gap = SignalValues<'audio-gap'>;

describe('AudioGapExtension', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const setUp = () => {
    const bus = new SessionBus();
    const drafts: { draft: SignalDraft; analyser: string; media: string; at: number }[] = [];
    const ext = new AudioGapExtension();
    const ctx = {
      sessionId: 'ses_1',
      bus,
      emitSignal: (draft: SignalDraft, source: { analyser: string; media: string }) => {
        expect(checkDraft(draft, ext.emits)).toBeUndefined();
        drafts.push({ draft, ...source, at: Date.now() });
        return exampleSignal('audio-gap');
      },
    } as unknown as SessionContext;
    ext.start(ctx);
    const lose = (speaker: Speaker, from: number, to: number, reason: 'lost' | 'skipped' = 'lost') =>
      bus.emit({ type: 'audio-lost', speaker, from: T0 + from, to: T0 + to, reason });
    return { ext, drafts, lose };
  };

  it('reports a stretch at once, merges the next ones of ten seconds into one signal, per speaker and reason', async () => {
    const { ext, drafts, lose } = setUp();
    lose(cand, -4000, -1600);
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      analyser: 'session',
      media: 'audio',
      at: T0,
      draft: {
        kind: 'audio-gap',
        range: { start: T0 - 4000, end: T0 - 1600 },
        values: { speaker: 'candidate', reason: 'lost', seconds: 2.4, gaps: 1, totalSeconds: 2.4 },
      },
    });
    expect(drafts[0]?.draft.summary).toMatch(
      /^2\.4 s of the candidate's audio not analysed: it never reached/,
    );

    // three more stretches within ten seconds: one signal when the ten seconds are up
    await vi.advanceTimersByTimeAsync(2000);
    lose(cand, 0, 500);
    await vi.advanceTimersByTimeAsync(1000);
    lose(cand, 2000, 2300);
    lose(cand, 2600, 3000);
    // another speaker and another reason are reported on their own, at once
    lose(ivy, 2000, 2300);
    lose(cand, 3000, 8000, 'skipped');
    expect(drafts.map((d) => [(d.draft.values as Gap).speaker, (d.draft.values as Gap).reason])).toEqual([
      ['candidate', 'lost'],
      ['interviewer', 'lost'],
      ['candidate', 'skipped'],
    ]);
    expect(drafts[2]?.draft.summary).toMatch(/skipped it to catch up/);
    await vi.advanceTimersByTimeAsync(9999 - 3000);
    expect(drafts).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(drafts).toHaveLength(4);
    expect(drafts[3]).toMatchObject({
      at: T0 + 10_000,
      draft: {
        range: { start: T0, end: T0 + 3000 },
        values: { speaker: 'candidate', reason: 'lost', seconds: 1.2, gaps: 3, totalSeconds: 3.6 },
      },
    });
    expect(drafts[3]?.draft.summary).toMatch(/^1\.2 s of the candidate's audio in 3 stretches not analysed/);

    // quiet for ten seconds: the next stretch goes out at once again
    await vi.advanceTimersByTimeAsync(10_000);
    lose(cand, 19_000, 19_300);
    expect(drafts).toHaveLength(5);
    expect(drafts[4]?.draft.values).toMatchObject({ seconds: 0.3, gaps: 1, totalSeconds: 3.9 });

    // what is still waiting at the end goes out when the session closes; nothing after
    lose(cand, 20_000, 21_000);
    expect(drafts).toHaveLength(5);
    ext.close();
    expect(drafts).toHaveLength(6);
    expect(drafts[5]?.draft.values).toMatchObject({ seconds: 1, gaps: 1, totalSeconds: 4.9 });
    lose(cand, 30_000, 31_000);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(drafts).toHaveLength(6);
  });

  it('ignores empty stretches', () => {
    const { drafts, lose } = setUp();
    lose(cand, 1000, 1000);
    lose(cand, 1000, 900);
    expect(drafts).toEqual([]);
  });
});
