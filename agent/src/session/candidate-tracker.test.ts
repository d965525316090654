import { TrackKind, TrackSource } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { FakeRoom } from '../messaging/testing.js';
import { CandidateTracker } from './candidate-tracker.js';

const mic = { kind: TrackKind.KIND_AUDIO, source: TrackSource.SOURCE_MICROPHONE };
const camera = { kind: TrackKind.KIND_VIDEO, source: TrackSource.SOURCE_CAMERA };
const screen = { kind: TrackKind.KIND_VIDEO, source: TrackSource.SOURCE_SCREENSHARE };

function tracker() {
  const fake = new FakeRoom();
  const log: string[] = [];
  const t = new CandidateTracker(
    fake.room,
    {
      onTrack: (track, p) => log.push(`track ${p.identity} ${track.sid}`),
      onTrackEnded: (sid) => log.push(`ended ${sid}`),
      onCandidate: (id) => log.push(`candidate ${id ?? '-'}`),
      onPresence: (e) => log.push(`${e.joined ? 'joined' : 'left'} ${e.identity} ${e.role}`),
      onExtraCandidate: (id) => log.push(`extra ${id}`),
    },
    { videoDimensions: { width: 320, height: 180 } },
  );
  return { fake, log, t };
}

describe('CandidateTracker', () => {
  it('subscribes to the candidate’s microphone and camera only, never to screen share or interviewers', () => {
    const { fake, log, t } = tracker();
    const ivy = fake.join('ivy', 'interviewer', [mic]);
    t.start();
    expect(log).toEqual(['joined ivy interviewer', 'candidate -']);
    const cam = fake.join('cam', 'candidate', [mic, camera, screen]);
    expect(t.candidate).toBe('cam');
    const subscribed = [...cam.trackPublications.values()].filter((p) => p.subscribed);
    expect(subscribed.map((p) => p.source)).toEqual([
      TrackSource.SOURCE_MICROPHONE,
      TrackSource.SOURCE_CAMERA,
    ]);
    expect(log.filter((l) => l.startsWith('track'))).toHaveLength(2);
    expect([...ivy.trackPublications.values()].some((p) => p.subscribed)).toBe(false);
    // A track published later is followed too.
    const late = fake.publish(cam, TrackKind.KIND_AUDIO, TrackSource.SOURCE_MICROPHONE);
    expect(log.at(-1)).toBe(`track cam ${late.sid}`);
    // An interviewer's track subscribed by someone else is left alone.
    const ivyMic = [...ivy.trackPublications.values()][0];
    ivyMic?.setSubscribed(true);
    expect(log.at(-1)).toBe(`track cam ${late.sid}`);
  });

  it('reports a second candidate without analysing them, and moves on when the first leaves', () => {
    const { fake, log, t } = tracker();
    t.start();
    const first = fake.join('cam', 'candidate', [mic]);
    const second = fake.join('cam2', 'candidate', [mic]);
    expect(log).toContain('extra cam2');
    expect([...second.trackPublications.values()][0]?.subscribed).toBe(false);
    const firstSid = [...first.trackPublications.keys()][0];
    fake.leave('cam');
    expect(log).toEqual(
      expect.arrayContaining([`ended ${firstSid}`, 'left cam candidate', 'candidate -', 'candidate cam2']),
    );
    expect(log.indexOf(`ended ${firstSid}`)).toBeLessThan(log.indexOf('candidate cam2'));
    expect(t.candidate).toBe('cam2');
    expect([...second.trackPublications.values()][0]?.subscribed).toBe(true);
  });

  it('follows a refresh (same identity, new tracks) and ends every track when stopped', () => {
    const { fake, log, t } = tracker();
    t.start();
    fake.join('cam', 'candidate', [mic]);
    fake.leave('cam');
    const again = fake.join('cam', 'candidate', [mic, camera]);
    const sids = [...again.trackPublications.keys()];
    expect(log.filter((l) => l.startsWith('track cam'))).toHaveLength(3);
    t.stop();
    for (const sid of sids) expect(log).toContain(`ended ${sid}`);
    // Stopped: nothing more is followed.
    const n = log.length;
    fake.join('cam3', 'candidate', [mic]);
    expect(log).toHaveLength(n);
  });
});
