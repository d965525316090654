import { describe, expect, it } from 'vitest';
import { OptOutFilter } from './opt-out.js';

describe('OptOutFilter', () => {
  it('ignores every choice when the session does not allow opt-out', () => {
    const filter = new OptOutFilter();
    expect(filter.apply(['voice', 'camera'])).toEqual({ status: 'not-allowed' });
    expect(filter.suppresses('audio-level', 'audio')).toBe(false);
    expect(filter.suppresses('video-frames', 'video')).toBe(false);
  });

  it('suppresses the voice group by analyser name, leaving camera, transcript and session signals', () => {
    const filter = new OptOutFilter({ allowed: true });
    expect(filter.apply(['voice'])).toEqual({ status: 'changed', groups: ['voice'] });
    for (const name of ['audio-level', 'vad', 'pitch', 'delivery', 'turns']) {
      expect(filter.suppresses(name, 'audio')).toBe(true);
    }
    expect(filter.suppresses('video-frames', 'video')).toBe(false);
    expect(filter.suppresses('code-pad', 'code')).toBe(false);
    expect(filter.suppresses('transcription', 'text')).toBe(false);
    expect(filter.suppresses('session', 'audio')).toBe(false);
  });

  it('suppresses every video source in the camera group, also ones it does not name', () => {
    const filter = new OptOutFilter({ allowed: true });
    filter.apply(['camera']);
    expect(filter.suppresses('video-frames', 'video')).toBe(true);
    expect(filter.suppresses('some-future-gaze-analyser', 'video')).toBe(true);
    expect(filter.suppresses('session', 'video')).toBe(false);
    expect(filter.suppresses('pitch', 'audio')).toBe(false);
  });

  it('treats each choice as the complete set: repeating is unchanged, an empty list switches back on', () => {
    const filter = new OptOutFilter({ allowed: true });
    filter.apply(['camera', 'voice']);
    expect(filter.groups).toEqual(['voice', 'camera']);
    expect(filter.apply(['voice', 'camera']).status).toBe('unchanged');
    expect(filter.apply([])).toEqual({ status: 'changed', groups: [] });
    expect(filter.suppresses('pitch', 'audio')).toBe(false);
  });

  it('drops a signal about media from while its group was off, also once it is back on (an analyser lagging behind)', () => {
    const filter = new OptOutFilter({ allowed: true });
    filter.apply(['voice'], 10_000);
    filter.apply(['voice', 'camera'], 15_000);
    filter.apply(['camera'], 20_000); // voice back on
    const at = (start: number, end = start) => ({ start, end });
    // voice: off from 10 s to 20 s
    expect(filter.suppresses('pitch', 'audio', at(12_000, 13_000))).toBe(true);
    expect(filter.suppresses('vad', 'audio', at(9_000, 10_500))).toBe(true); // begins before, ends inside
    expect(filter.suppresses('vad', 'audio', at(19_500, 21_000))).toBe(true); // begins inside, ends after
    expect(filter.suppresses('vad', 'audio', at(5_000, 25_000))).toBe(true); // spans the whole stretch
    expect(filter.suppresses('audio-level', 'audio', at(10_000))).toBe(true);
    expect(filter.suppresses('pitch', 'audio', at(9_000, 9_999))).toBe(false);
    expect(filter.suppresses('pitch', 'audio', at(20_000, 21_000))).toBe(false);
    expect(filter.suppresses('pitch', 'audio')).toBe(false); // no range: only what is off now
    // camera: off since 15 s, still off
    expect(filter.suppresses('video-frames', 'video', at(1_000))).toBe(true);
    // other groups and the session's own notices are not touched
    expect(filter.suppresses('code-pad', 'code', at(12_000))).toBe(false);
    expect(filter.suppresses('session', 'audio', at(12_000))).toBe(false);
    filter.apply([], 30_000);
    expect(filter.suppresses('video-frames', 'video', at(16_000, 17_000))).toBe(true);
    expect(filter.suppresses('video-frames', 'video', at(30_000, 31_000))).toBe(false);
    expect(filter.suppresses('pitch', 'audio', at(14_000))).toBe(true);
  });

  it('words the notice for interviewers neutrally and names the groups', () => {
    const filter = new OptOutFilter({ allowed: true });
    filter.apply(['voice']);
    const notice = filter.notice(1000);
    expect(notice).toMatchObject({ kind: 'opt-out', values: { groups: 'voice', count: 1 }, confidence: 1 });
    expect(notice.summary).toBe(
      'The candidate switched off voice delivery analysis; no signals or hints from it from now on',
    );
    filter.apply([]);
    expect(filter.notice(2000).summary).toBe('The candidate has every analysis switched on');
  });
});
