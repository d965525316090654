import { join } from 'node:path';
import {
  AGENT_CANDIDATE_ATTRIBUTE,
  AGENT_STATE_ATTRIBUTE,
  encodeClientMessage,
  PROTOCOL_VERSION,
  type SignalMessage,
  TOPICS,
} from '@interview-helper/protocol';
import { openDatabase } from '@interview-helper/storage';
import { rowsOf } from '@interview-helper/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIBRIVOX_DIR } from '../fixtures/paths.js';
import { rmsDbfs } from '../fixtures/wav.js';
import { photoFrames, publishCamera, publishMicrophone } from './clients/media.js';
import {
  agentOf,
  createSession,
  join as joinRoom,
  meanDbfs,
  signalNumber,
  signalsOf,
  waitFor,
  waitForLaterFrames,
} from './clients/participant.js';
import { until } from './harness/interview.js';
import { type Stack, startStack } from './harness/stack.js';

const WIDTH = 640;
const HEIGHT = 480;
const SPEECH = join(LIBRIVOX_DIR, 'sense_and_sensibility_01_austen_64kb-0870.wav');
/** Frames and seconds of audio the agent must have decoded before the run counts. */
const MIN_FRAMES = 60;
const MIN_AUDIO_SECONDS = 6;

const latest = (signals: SignalMessage[]) => signals.at(-1);

describe('backbone: a real interview room end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('the agent joins, decodes the candidate camera and microphone, and reports only to the interviewer', async () => {
    const created = await createSession(stack);
    const interviewer = await joinRoom(stack, created, 'interviewer', 'Ivy Interviewer');
    const joinStarted = Date.now();
    const candidate = await joinRoom(stack, created, 'candidate', 'Cam Candidate');
    const frames = await photoFrames(WIDTH, HEIGHT);
    const photo = frames.find((f) => f.name === 'face-frontal-man.jpg') ?? frames[0];
    if (!photo) throw new Error('no photos');
    const camera = await publishCamera(candidate.room, [photo], { fps: 15 });
    const mic = await publishMicrophone(candidate.room, SPEECH);

    // the agent's job starts when the room opens: up to 120 s on a loaded machine, as elsewhere
    const agent = await waitFor('the agent to join', () => agentOf(interviewer), 120_000);
    await waitFor('the agent to pick the candidate', () =>
      agentOf(interviewer)?.attributes[AGENT_CANDIDATE_ATTRIBUTE] === candidate.identity ? true : undefined,
    );
    const video = await waitFor('decoded video frames', () => {
      const s = latest(signalsOf(interviewer, 'video-frames'));
      return signalNumber(s, 'totalFrames') >= MIN_FRAMES ? s : undefined;
    });
    const audio = await waitFor('decoded audio', () => {
      const s = latest(signalsOf(interviewer, 'audio-level'));
      return signalNumber(s, 'totalSeconds') >= MIN_AUDIO_SECONDS ? s : undefined;
    });

    // Video: decoded at the published size, as a live stream, with the photo's pixels. The rate counts the frames
    // the agent took: one that came before the last was read is replaced by it (the samplers want the newest), so it
    // follows the machine's load and is a [measure] figure. A stream that does not flow never gives the 60 frames
    // waited for above; a live one goes on giving frames in the windows after them.
    expect(video.values).toMatchObject({ width: WIDTH, height: HEIGHT });
    const later = await waitForLaterFrames(interviewer, video);
    expect(Math.abs(signalNumber(video, 'meanLuma') - photo.meanLuma)).toBeLessThan(12);
    // Audio: 16 kHz mono with the level of the recording (the clip loops; Opus keeps the level within a few dB).
    const measured = meanDbfs(signalsOf(interviewer, 'audio-level'));
    const expected = rmsDbfs(mic.pcm.samples);
    expect(audio.values).toMatchObject({ sampleRate: 16000, channels: 1 });
    expect(Math.abs(measured - expected)).toBeLessThan(3);

    // Stats reach the interviewer and the agent publishes its state.
    const stats = await waitFor('stats', () => interviewer.messages.find((m) => m.type === 'stats'));
    expect(stats.type === 'stats' && stats.candidate).toBe(candidate.identity);
    // The state attribute travels on the signalling channel, apart from the data packets: wait for it.
    await waitFor('the agent state analysing', () =>
      agent.attributes[AGENT_STATE_ATTRIBUTE] === 'analysing' ? true : undefined,
    );

    // Interviewer-addressed messages reach the interviewer and never the candidate.
    expect(interviewer.invalid).toBe(0);
    await waitFor('more than 5 messages at the interviewer', () =>
      interviewer.messages.length > 5 ? true : undefined,
    );
    expect(candidate.messages).toHaveLength(0);
    expect(candidate.invalid).toBe(0);

    // Signals are stored (written in batches apart from the messages: wait for the rows rather than count them once).
    const db = await openDatabase({ url: stack.databaseUrl });
    try {
      const { sql } = await import('drizzle-orm');
      const stored = await until(
        'stored signals',
        async () => {
          const [row] = await rowsOf<{ n: number }>(
            db.db,
            sql`select count(*)::int as n from signals where session_id = ${created.session.id}`,
          );
          return row && row.n > 0 ? row.n : undefined;
        },
        30_000,
      );
      expect(stored).toBeGreaterThan(0);
    } finally {
      await db.close();
    }

    const firstFrameAt = signalNumber(video, 'firstFrameAt');
    console.log(
      `[measure] frames=${signalNumber(video, 'totalFrames')} (sent ${camera.sent()}) at ${signalNumber(video, 'fps')} then ` +
        `${signalNumber(later, 'fps')} fps, audioSeconds=${signalNumber(audio, 'totalSeconds')} ` +
        `(sent ${mic.sent() / 100} s), rms agent=${measured.toFixed(2)} dBFS file=${expected.toFixed(2)} dBFS, ` +
        `joinToFirstFrameMs=${firstFrameAt - joinStarted}`,
    );
    await camera.stop();
    await mic.stop();
    await candidate.leave();
    await interviewer.leave();
  }, 240_000);

  it('follows a candidate who leaves and rejoins (browser refresh), drops garbage, ignores a second candidate', async () => {
    const created = await createSession(stack);
    const interviewer = await joinRoom(stack, created, 'interviewer', 'Ivy');
    const frames = await photoFrames(320, 240);

    const first = await joinRoom(stack, created, 'candidate', 'First');
    const cam1 = await publishCamera(first.room, frames.slice(0, 1), { fps: 10 });
    await waitFor('frames of the first candidate', () =>
      signalsOf(interviewer, 'video-frames').length > 0 ? true : undefined,
    );

    // Garbage and forbidden messages from the candidate are dropped; the job goes on.
    const local = first.room.localParticipant;
    await local?.publishData(new TextEncoder().encode('not json'), {
      reliable: true,
      topic: TOPICS.CLIENT_TO_AGENT,
    });
    await local?.publishData(new Uint8Array([0xff, 0xfe, 0x00]), {
      reliable: true,
      topic: TOPICS.CLIENT_TO_AGENT,
    });
    const forbidden = encodeClientMessage({ v: PROTOCOL_VERSION, type: 'settings', detail: 'verbose' });
    await local?.publishData(forbidden.bytes, { reliable: true, topic: TOPICS.CLIENT_TO_AGENT });

    // A second candidate is reported and not analysed.
    const second = await joinRoom(stack, created, 'candidate', 'Second');
    const extra = await waitFor('extra-candidate signal', () => signalsOf(interviewer, 'extra-candidate')[0]);
    expect(extra.values.identity).toBe(second.identity);
    expect(agentOf(interviewer)?.attributes[AGENT_CANDIDATE_ATTRIBUTE]).toBe(first.identity);
    await second.leave();

    // The first candidate refreshes: leaves, and comes back as a new identity with new tracks.
    await cam1.stop();
    await first.leave();
    await waitFor('agent to wait for a candidate', () =>
      agentOf(interviewer)?.attributes[AGENT_STATE_ATTRIBUTE] === 'waiting-for-candidate' ? true : undefined,
    );
    const before = signalsOf(interviewer, 'video-frames').length;
    const again = await joinRoom(stack, created, 'candidate', 'First');
    const cam2 = await publishCamera(again.room, frames.slice(1, 2), { fps: 10 });
    await waitFor('agent to pick the returning candidate', () =>
      agentOf(interviewer)?.attributes[AGENT_CANDIDATE_ATTRIBUTE] === again.identity ? true : undefined,
    ).catch((err: Error) => {
      const seen = JSON.stringify(agentOf(interviewer)?.attributes ?? {});
      const log = stack.agent
        .output()
        .split('\n')
        .filter((l) => /"component":"(candidate|session)"|error|warn/i.test(l))
        .slice(-15)
        .join('\n');
      throw new Error(`${err.message}; agent attributes at the interviewer: ${seen}\nagent log:\n${log}`);
    });
    const after = await waitFor('frames after the rejoin', () => {
      const s = signalsOf(interviewer, 'video-frames').slice(before);
      return s.find((x) => x.values.width === 320 && Number(x.values.frames) > 5);
    });
    expect(Math.abs(signalNumber(after, 'meanLuma') - (frames[1]?.meanLuma ?? 0))).toBeLessThan(12);

    const log = stack.agent.output();
    expect(log).toMatch(/dropped invalid client message/);
    expect(log).toMatch(/"code":"not-json"/);
    expect(log).toMatch(/"code":"not-utf8"/);
    expect(log).toMatch(/"code":"forbidden"/);
    expect(log).not.toMatch(/uncaught|unhandled/i);
    await cam2.stop();
    await again.leave();
    await interviewer.leave();
  });
});
