import { describe, expect, it } from 'vitest';
import { TranscriptLog, toTranscriptLine } from './transcript.js';

const attrs = (id: string, role = 'candidate') => ({
  'lk.segment_id': id,
  'lk.transcription_final': 'true',
  'interview-helper.speaker': `${role}-1`,
  'interview-helper.speaker-role': role,
});

describe('toTranscriptLine', () => {
  it('reads the speaker, role and segment id from the stream attributes', () => {
    expect(toTranscriptLine(' hello there ', attrs('seg1', 'interviewer'), 'agent', 5)).toEqual({
      id: 'seg1',
      speaker: 'interviewer-1',
      role: 'interviewer',
      text: 'hello there',
      at: 5,
      final: true,
    });
  });
  it('falls back to the sender for a stock stream without our attributes, and skips empty text', () => {
    expect(toTranscriptLine('hi', {}, 'someone', 7)).toMatchObject({
      id: 'someone@7',
      speaker: 'someone',
      role: 'unknown',
    });
    expect(toTranscriptLine('   ', {}, 'agent', 1)).toBeUndefined();
  });
  it('reads interim streams, and an empty final stream of a segment as its closing line', () => {
    const interim = { ...attrs('seg2'), 'lk.transcription_final': 'false' };
    expect(toTranscriptLine('so I', interim, 'agent', 2)).toMatchObject({
      id: 'seg2',
      final: false,
      text: 'so I',
    });
    expect(toTranscriptLine('', interim, 'agent', 3)).toBeUndefined();
    expect(toTranscriptLine('  ', attrs('seg2'), 'agent', 4)).toMatchObject({
      id: 'seg2',
      final: true,
      text: '',
    });
  });
});

describe('TranscriptLog', () => {
  it('replaces a repeated segment, keeps the newest lines and cuts long text', () => {
    const log = new TranscriptLog({ maxLines: 2, maxChars: 5 });
    const line = (id: string, text: string) => ({
      id,
      speaker: 's',
      role: 'candidate' as const,
      text,
      at: 0,
      final: true,
    });
    log.add(line('a', 'one'));
    log.add(line('a', 'uno'));
    expect(log.lines.map((l) => l.text)).toEqual(['uno']);
    log.add(line('b', 'two'));
    log.add(line('c', 'three and more'));
    expect(log.lines.map((l) => [l.id, l.text])).toEqual([
      ['b', 'two'],
      ['c', 'three…'],
    ]);
    expect(log.last(1)[0]?.id).toBe('c');
  });
  it('replaces an interim line in place by its final text, and removes it on an empty final', () => {
    const log = new TranscriptLog();
    const line = (id: string, text: string, final: boolean) => ({
      id,
      speaker: 's',
      role: 'candidate' as const,
      text,
      at: 0,
      final,
    });
    expect(log.add(line('a', 'so I', false))).toBe(true);
    expect(log.add(line('b', 'and then', false))).toBe(true);
    expect(log.add(line('a', 'so I built', false))).toBe(true);
    expect(log.add(line('a', 'so I built a compiler', true))).toBe(true);
    expect(log.add(line('a', 'so I built', false))).toBe(false); // a late interim never undoes the final
    expect(log.lines.map((l) => [l.id, l.text, l.final])).toEqual([
      ['a', 'so I built a compiler', true],
      ['b', 'and then', false],
    ]);
    expect(log.add(line('b', '', true))).toBe(true); // failed or no words: the interim line goes
    expect(log.add(line('c', '', true))).toBe(false);
    expect(log.lines.map((l) => l.id)).toEqual(['a']);
  });
  it('refuses a non-positive size', () => {
    expect(() => new TranscriptLog({ maxLines: 0 })).toThrow(RangeError);
  });
});
