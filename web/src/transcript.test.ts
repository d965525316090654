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
    expect(toTranscriptLine('   ', attrs('x'), 'agent', 1)).toBeUndefined();
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
  it('refuses a non-positive size', () => {
    expect(() => new TranscriptLog({ maxLines: 0 })).toThrow(RangeError);
  });
});
