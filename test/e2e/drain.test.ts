import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, until } from '../../agent/src/process/testing.js';
import { waitFor } from './clients/participant.js';
import { type Interview, SPEECH_WAV, startInterview, waitForAnalysis } from './harness/interview.js';
import { type Stack, startStackWithLocalStt } from './harness/stack.js';

/**
 * The worker stopped while an interview runs, as `kill -- -PGID`, Ctrl-C or `docker stop` do it: SIGTERM to its
 * whole process group. The framework drains (the running job goes on until its room ends); the machine's shared
 * recognizer and vision inference service, in process groups of their own, go on serving it, and stop only once
 * the worker has drained and exits. A worker killed outright takes them with it all the same.
 */

/** Command lines of `root`'s descendants, by pid. */
function descendants(root: number): Map<number, string> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parent.set(Number(entry), parentOf(Number(entry)));
    } catch {
      // exited while read
    }
  }
  const found = new Map<number, string>();
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p !== root) continue;
      try {
        found.set(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
      } catch {}
      break;
    }
  }
  return found;
}

/** The parent pid of `pid`. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The worker's shared services: their pids and where they serve (from their command lines). */
function sharedServices(worker: number) {
  const procs = [...descendants(worker)];
  const stt = procs.find(([, cmd]) => cmd.includes('stt_server.py'));
  const vision = procs.find(([, cmd]) => cmd.includes('service-main'));
  if (!stt || !vision) return undefined;
  return {
    stt: { pid: stt[0], port: Number(/--port (\d+)/.exec(stt[1])?.[1]) },
    vision: { pid: vision[0], socket: /--socket (\S+)/.exec(vision[1])?.[1] as string },
  };
}

/** Requests answered `ok` by a service so far (`GET /stats` on its port or unix socket). */
function answered(to: { port: number } | { socketPath: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ ...to, host: '127.0.0.1', path: '/stats', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => {
        try {
          resolve((JSON.parse(body) as { requests: { ok: number } }).requests.ok);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('stats: timed out'))).on('error', reject);
    req.end();
  });
}

describe('the agent worker stopped', () => {
  let stack: Stack;
  let interview: Interview | undefined;
  beforeAll(async () => {
    stack = await startStackWithLocalStt();
  });
  afterAll(async () => {
    await interview?.end().catch(() => {});
    await stack?.stop();
  });

  it('the shared recognizer and inference service serve the draining job, and stop after the worker', async () => {
    interview = await startInterview(stack, { camera: {}, microphone: { wav: SPEECH_WAV } });
    await waitForAnalysis(stack, interview);
    const services = await waitFor('the shared services', () => sharedServices(stack.agent.pid), 60_000);
    const stt = { port: services.stt.port };
    const vision = { socketPath: services.vision.socket };
    // both serve this room's job (the recognizer listens once its models are loaded: until then, none answered)
    const served = (to: typeof stt | typeof vision) => answered(to).catch(() => 0);
    let before = { stt: 0, vision: 0 };
    for (;;) {
      before = { stt: await served(stt), vision: await served(vision) };
      if (before.stt > 0 && before.vision > 0) break;
      await sleep(500);
    }

    process.kill(-stack.agent.pid, 'SIGTERM'); // the worker's whole process group
    // The job drains: its speech and frames are still transcribed and analysed, by the same processes.
    for (;;) {
      const now = { stt: await answered(stt), vision: await answered(vision) };
      if (now.stt >= before.stt + 2 && now.vision >= before.vision + 10) break;
      await sleep(500);
    }
    expect(alive(services.stt.pid) && alive(services.vision.pid)).toBe(true);
    expect(sharedServices(stack.agent.pid)).toEqual(services); // not restarted

    // The room ends: the job ends, the drain is over, the worker exits and its services with it.
    const rooms = new RoomServiceClient(stack.livekit.httpUrl, stack.livekit.apiKey, stack.livekit.apiSecret);
    await rooms.deleteRoom(interview.created.session.roomName);
    await stack.agent.exited;
    await until(() => !alive(services.stt.pid) && !alive(services.vision.pid));
  }, 300_000);

  it('the shared services exit when the worker is killed (SIGKILL: no exit handler runs)', async () => {
    const worker = await stack.startWorker({ name: 'agent-killed' });
    const services = await waitFor('the shared services', () => sharedServices(worker.pid), 60_000);
    // both serve (the recognizer once its model is loaded)
    for (;;) {
      const up = await Promise.all([
        answered({ port: services.stt.port }).then(
          () => true,
          () => false,
        ),
        answered({ socketPath: services.vision.socket }).then(
          () => true,
          () => false,
        ),
      ]);
      if (up.every(Boolean)) break;
      await sleep(500);
    }
    const main = parentOf(services.stt.pid); // the worker's main process (under tsx from source)
    expect(parentOf(services.vision.pid)).toBe(main);
    process.kill(main, 'SIGKILL');
    await until(() => !alive(services.stt.pid) && !alive(services.vision.pid));
    await worker.stop();
  }, 300_000);
});
