import { describe, expect, it } from 'vitest';
import { type Caption, InterimCaptions } from './sink-interim.js';

const speaker = { identity: 'cand', role: 'candidate' as const, trackSid: 'TR_c' };

function setup(opts: { slow?: boolean } = {}) {
  let now = 0;
  const sent: Caption[] = [];
  const pending: (() => void)[] = [];
  const captions = new InterimCaptions(
    async (c) => {
      if (opts.slow) await new Promise<void>((r) => pending.push(r));
      sent.push(c);
    },
    { minIntervalMs: 300, now: () => now },
  );
  return {
    captions,
    sent,
    pending,
    at: (ms: number) => {
      now = ms;
    },
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('InterimCaptions', () => {
  it('sends changed partial text at most every 300 ms, as non-final captions of the segment', async () => {
    const { captions, sent, at } = setup();
    expect(captions.update('s1', speaker, '')).toBe(false);
    expect(captions.update('s1', speaker, 'hello')).toBe(true);
    await flush();
    at(100);
    expect(captions.update('s1', speaker, 'hello there')).toBe(false); // too soon
    at(350);
    expect(captions.update('s1', speaker, ' hello ')).toBe(false); // unchanged
    expect(captions.update('s1', speaker, 'hello there')).toBe(true);
    expect(captions.update('s2', speaker, 'another')).toBe(true); // per segment
    await flush();
    expect(sent.map((c) => [c.id, c.text, c.final])).toEqual([
      ['s1', 'hello', false],
      ['s1', 'hello there', false],
      ['s2', 'another', false],
    ]);
    expect(captions.open).toBe(2);
    expect(await captions.settle('s1')).toBe(true);
    expect(await captions.settle('s1')).toBe(false);
    expect(await captions.settle('never')).toBe(false);
    expect(captions.open).toBe(1);
  });

  it('skips updates while one is in flight, and settle waits for it', async () => {
    const { captions, sent, pending, at } = setup({ slow: true });
    captions.update('s1', speaker, 'one');
    at(1000);
    expect(captions.update('s1', speaker, 'one two')).toBe(false);
    let settled = false;
    const settling = captions.settle('s1').then((had) => {
      settled = had;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(settled).toBe(false);
    for (const release of pending) release();
    await settling;
    expect(settled).toBe(true);
    expect(sent.map((c) => c.text)).toEqual(['one']);
  });

  it('ends a segment with its text, an empty final after interim captions, or nothing', async () => {
    const { captions } = setup();
    expect(await captions.final('quiet', speaker, '', 'failed')).toBeUndefined();
    expect(await captions.final('said', speaker, 'hi', 'ok')).toEqual({
      id: 'said',
      speaker,
      text: 'hi',
      final: true,
      status: 'ok',
    });
    captions.update('broken', speaker, 'half a');
    captions.update('noise', speaker, 'uh');
    expect(await captions.final('broken', speaker, '', 'failed')).toMatchObject({
      text: '',
      status: 'failed',
    });
    expect(await captions.final('noise', speaker, '', 'ok')).toMatchObject({ text: '', final: true });
    expect(captions.open).toBe(0);
  });

  it('survives a failing send and forgets the oldest segment past the limit', async () => {
    const captions = new InterimCaptions(() => Promise.reject(new Error('room gone')), { maxSegments: 2 });
    for (const id of ['a', 'b', 'c']) expect(captions.update(id, speaker, 'text')).toBe(true);
    expect(captions.open).toBe(2);
    expect(await captions.settle('a')).toBe(false);
    expect(await captions.settle('c')).toBe(true);
  });
});
