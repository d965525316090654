import { readFileSync } from 'node:fs';
import {
  AGENT_STATE_ATTRIBUTE,
  analysisStatusFromRoomMetadata,
  type SignalMessage,
} from '@interview-helper/protocol';
import { openDatabase } from '@interview-helper/storage';
import { rowsOf } from '@interview-helper/storage/testing';
import { RoomEvent } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../token-server/src/config.js';
import { LivekitAgentRoomApi } from '../../token-server/src/supervisor-livekit.js';
import { agentOf, join as joinRoom, signalsOf, waitFor } from './clients/participant.js';
import { SPEECH_WAV, startInterview, until as untilAsync } from './harness/interview.js';
import { dispatchHint, jobPidOf, type Stack, startStack } from './harness/stack.js';

/** The token server's view of LiveKit's room and dispatch APIs, on `stack`'s livekit-server. */
const roomApi = (stack: Stack) =>
  new LivekitAgentRoomApi({
    ...loadConfig({}),
    livekitUrl: stack.livekit.url,
    livekitApiKey: stack.livekit.apiKey,
    livekitApiSecret: stack.livekit.apiSecret,
    agentName: stack.agentName,
  });

/** The parent pid of `pid` (from /proc). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command name may contain spaces: fields start after its closing parenthesis
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The pid that logged `registered worker` (the worker process). */
function workerPid(stack: Stack): number | undefined {
  const line = stack.agent
    .output()
    .split('\n')
    .find((l) => l.includes('"msg":"registered worker"'));
  return line ? Number(/"pid":(\d+)/.exec(line)?.[1]) : undefined;
}

/** Polls an async `check` every 200 ms until it returns a value other than undefined. */
const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000) =>
  untilAsync(what, check, timeoutMs, { intervalMs: 200 });

async function storedSignals(stack: Stack, sessionId: string) {
  const db = await openDatabase({ url: stack.databaseUrl });
  try {
    const { sql } = await import('drizzle-orm');
    return await rowsOf<{ kind: string; created: number }>(
      db.db,
      sql`select kind, (extract(epoch from created_at) * 1000)::float8 as created from signals where session_id = ${sessionId} order by created_at`,
    );
  } finally {
    await db.close();
  }
}

describe('crash recovery: a lost agent is replaced, a room nobody can take is announced', () => {
  let stack: Stack;
  let noWorker: Stack | undefined;
  beforeAll(async () => {
    // Two re-dispatches at most (default 4): the second case waits for the supervisor to give up.
    stack = await startStack({ tokenServerEnv: { AGENT_DISPATCH_ATTEMPTS: '2' } });
  });
  afterAll(async () => {
    await noWorker?.stop();
    await stack?.stop();
  });

  it('re-dispatches the agent, which resumes the same session and names the gap to the interviewer', async () => {
    const startedAt = Date.now();
    const interview = await startInterview(stack, { camera: { fps: 10 }, microphone: { wav: SPEECH_WAV } });
    const { created, interviewer, candidate } = interview;
    const roomName = created.session.roomName;

    // On a loaded machine the first job may need the supervisor's retries: wait through them.
    const first = await waitFor('the agent to join', () => agentOf(interviewer), 120_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}${dispatchHint(stack)}`);
      },
    );
    await waitFor('signals from the first job', () =>
      signalsOf(interviewer, 'video-frames').length > 0 ? true : undefined,
    );
    // livekit-server lists the worker's job under the room's dispatch (once its worker discovery has ended): the
    // supervisor's taken-check sees it
    await until('the room dispatch listed as taken', async () =>
      (await roomApi(stack).dispatchState(roomName)).taken ? true : undefined,
    );
    expect(stack.tokenServer.output()).not.toContain(`no worker took the dispatch for room ${roomName}`);
    // the dispatch's age, which the supervisor judges it by: made when the room started (LiveKit's clock, here
    // the same machine's)
    const { createdAt } = await roomApi(stack).dispatchState(roomName);
    expect(createdAt).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(createdAt).toBeLessThanOrEqual(Date.now() + 1000);
    // Something of the session is stored before the kill, so the new job has a session to resume.
    await until('stored signals', async () =>
      (await storedSignals(stack, created.session.id)).length > 0 ? true : undefined,
    );

    const pid = await waitFor('the job process pid in the agent log', () => jobPidOf(stack, roomName));
    const worker = workerPid(stack);
    expect(worker, 'the worker process logged its registration').toBeDefined();
    expect(parentOf(pid), 'the room job process is a child of the worker process').toBe(worker);

    let agentGoneAt: number | undefined;
    interviewer.room.on(RoomEvent.ParticipantDisconnected, (p) => {
      if (p.identity === first.identity) agentGoneAt ??= Date.now();
    });
    const before = interviewer.messages.length;
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');

    const second = await waitFor(
      'a new agent in the room',
      () => {
        const a = agentOf(interviewer);
        return a && a.identity !== first.identity ? a : undefined;
      },
      120_000,
    ).catch((err: Error) => {
      const log = stack.tokenServer.output().split('\n').slice(-20).join('\n');
      throw new Error(`${err.message}\ntoken server log:\n${log}${dispatchHint(stack)}`);
    });
    const newAgentAt = Date.now();
    const gap = await waitFor('the analysis-gap signal', () => signalsOf(interviewer, 'analysis-gap')[0]);
    const gapAt = Date.now();
    const resumed = await waitFor('signals from the new job', () =>
      interviewer.messages
        .slice(before)
        .find(
          (m): m is SignalMessage =>
            m.type === 'signal' && m.kind === 'video-frames' && m.range.end > killedAt,
        ),
    );
    const resumedAt = Date.now();
    await waitFor('the new agent analysing', () =>
      second.attributes[AGENT_STATE_ATTRIBUTE] === 'analysing' ? true : undefined,
    );

    // One gap signal naming the stretch around the kill, about the same session.
    expect(gap.sessionId).toBe(created.session.id);
    expect(gap.values.from).toBeLessThanOrEqual(killedAt);
    expect(gap.values.to).toBeGreaterThanOrEqual(killedAt);
    expect(gap.values.signalsBefore).toBeGreaterThan(0);
    expect(resumed.sessionId).toBe(created.session.id);
    expect(interviewer.invalid).toBe(0);
    expect(candidate.messages).toHaveLength(0);

    // Stored rows continue under the same session id: the gap and the new job's signals.
    const stored = await until('stored rows of the new job', async () => {
      const rows = await storedSignals(stack, created.session.id);
      const gapStored = rows.some((r) => r.kind === 'analysis-gap');
      return gapStored && rows.some((r) => Number(r.created) > resumedAt) ? rows : undefined;
    });
    expect(stored.filter((r) => r.kind === 'analysis-gap')).toHaveLength(1);
    expect(signalsOf(interviewer, 'analysis-gap')).toHaveLength(1);
    expect(stack.tokenServer.output()).toMatch(
      /dispatched the agent to room .* again \(AD_\w+, attempt 1\/\d+, agent-lost\)/,
    );

    console.log(
      `[measure] crash-recovery killedToAgentGoneMs=${agentGoneAt === undefined ? 'n/a' : agentGoneAt - killedAt} ` +
        `killedToNewAgentMs=${newAgentAt - killedAt} killedToGapSignalMs=${gapAt - killedAt} ` +
        `killedToSignalsMs=${resumedAt - killedAt} gapSeconds=${gap.values.seconds}`,
    );
    await interview.end();
  }, 300_000);

  it('tells the interviewers "analysis unavailable" when no agent can take the room, never silence', async () => {
    // No worker at all: livekit-server cannot dispatch the agent, nor the supervisor's retry. No agent can come,
    // so the supervisor's wait for one (12 s per attempt by default) is shortened: it guards nothing here.
    await stack.stop();
    const alone = await startStack({
      tokenServerEnv: {
        AGENT_DISPATCH_ATTEMPTS: '2',
        AGENT_ARRIVAL_TIMEOUT_SECONDS: '8',
        AGENT_DISPATCH_CHECK_SECONDS: '6',
      },
    });
    noWorker = alone;
    await alone.agent.stop();
    const interview = await startInterview(alone);
    const { created, interviewer, candidate } = interview;
    const status = await waitFor(
      'the analysis-status message',
      () => interviewer.messages.find((m) => m.type === 'analysis-status'),
      120_000,
    );
    expect(status).toMatchObject({
      type: 'analysis-status',
      status: 'unavailable',
      reason: 'no-agent',
      sessionId: created.session.id,
      // the 2 attempts, and each of the 3 waits (the room's start, after each attempt) made its dispatch again
      // when the taken-check (6 s into the 8-s wait) found that no worker had taken it
      attempts: 5,
    });
    expect(status.type === 'analysis-status' && status.text).toMatch(/analysis unavailable/i);
    // no worker took any of the room's dispatches (the token's, the supervisor's); each wait made one again early
    const roomName = created.session.roomName;
    expect((await roomApi(alone).dispatchState(roomName)).taken).toBe(false);
    expect(alone.tokenServer.output()).toContain(`no worker took the dispatch for room ${roomName}`);
    // An interviewer who joins later finds it in the room metadata; the candidate is never told.
    const late = await joinRoom(alone, created, 'interviewer', 'Late Interviewer');
    const kept = await waitFor('the status in the room metadata', () =>
      analysisStatusFromRoomMetadata(late.room.metadata),
    );
    expect(kept).toMatchObject({ status: 'unavailable', sessionId: created.session.id });
    expect(candidate.messages).toHaveLength(0);
    expect(interviewer.invalid).toBe(0);
    await late.leave();
    await interview.end();
  }, 180_000);
});
