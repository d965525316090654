/**
 * Benchmark: time from a candidate joining an interview room to the agent's first decoded video frame
 * and audio chunk, through the real livekit-server, token server and agent worker.
 *
 *   npm run bench:e2e          (runs inside the e2e network namespace; needs root, see scripts/netns-run.sh)
 *
 * Two situations per run: "warm" (the interviewer is already in the room, so the agent is already there)
 * and "cold" (the candidate opens the room: token dispatch, job process start, connect, subscribe).
 * Writes JSON to bench-results/join-latency.json and prints it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dispose } from '@livekit/rtc-node';
import { RoomServiceClient } from 'livekit-server-sdk';
import { photoFrames, publishCamera, publishMicrophone } from '../test/e2e/clients/media.js';
import { createSession, join as joinRoom, signalsOf, waitFor } from '../test/e2e/clients/participant.js';
import { startStack } from '../test/e2e/harness/stack.js';
import { LIBRIVOX_DIR, ROOT } from '../test/fixtures/paths.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SPEECH = join(LIBRIVOX_DIR, 'sense_and_sensibility_01_austen_64kb-0870.wav');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function measure(stack: Awaited<ReturnType<typeof startStack>>, warm: boolean) {
  const created = await createSession(stack);
  const observer = warm ? await joinRoom(stack, created, 'interviewer', 'Bench interviewer') : undefined;
  if (observer)
    await waitFor('agent in room', () => (observer.room.remoteParticipants.size > 0 ? true : undefined));
  const frames = await photoFrames(640, 480);
  const joinStarted = Date.now();
  const candidate = await joinRoom(stack, created, 'candidate', 'Bench candidate');
  const cam = await publishCamera(candidate.room, frames.slice(0, 1), { fps: 15 });
  const mic = await publishMicrophone(candidate.room, SPEECH);
  const interviewer = observer ?? (await joinRoom(stack, created, 'interviewer', 'Bench interviewer'));
  // Every signal carries the receive time of the track's first decoded sample.
  const video = await waitFor('first video signal', () => signalsOf(interviewer, 'video-frames')[0], 90_000);
  const audio = await waitFor('first audio signal', () => signalsOf(interviewer, 'audio-level')[0], 90_000);
  await cam.stop();
  await mic.stop();
  await candidate.leave();
  await interviewer.leave();
  // Close the room now (rather than after livekit's departure timeout) so its job ends and frees its slot.
  await new RoomServiceClient(
    stack.livekit.httpUrl,
    stack.livekit.apiKey,
    stack.livekit.apiSecret,
  ).deleteRoom(created.session.roomName);
  return {
    joinToFirstFrameMs: video.values.firstFrameAt - joinStarted,
    joinToFirstAudioMs: audio.values.firstSampleAt - joinStarted,
  };
}

const stack = await startStack();
try {
  const results: Record<'warm' | 'cold', { joinToFirstFrameMs: number; joinToFirstAudioMs: number }[]> = {
    warm: [],
    cold: [],
  };
  for (let i = 0; i < RUNS; i++) {
    results.warm.push(await measure(stack, true));
    results.cold.push(await measure(stack, false));
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([k, runs]) => [
      k,
      {
        runs: runs.length,
        medianJoinToFirstFrameMs: median(runs.map((r) => r.joinToFirstFrameMs)),
        medianJoinToFirstAudioMs: median(runs.map((r) => r.joinToFirstAudioMs)),
        samples: runs,
      },
    ]),
  );
  const out = { benchmark: 'join-latency', at: new Date().toISOString(), machine: { cpus: 2 }, ...summary };
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench-results/join-latency.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
} finally {
  await stack.stop();
  // rtc-node keeps native handles alive; release them so the process can end.
  await dispose();
}
