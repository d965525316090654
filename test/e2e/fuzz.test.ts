import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AGENT_STATE_ATTRIBUTE,
  encodeClientMessage,
  type InboxStats,
  PROTOCOL_VERSION,
  type StatsMessage,
  TOPICS,
} from '@interview-helper/protocol';
import { openDatabase } from '@interview-helper/storage';
import { rowsOf } from '@interview-helper/storage/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR } from '../fixtures/paths.js';
import { runFuzz } from '../replay/fuzz.js';
import { agentOf, FULL_CONSENT, signalsOf, type TestParticipant, waitFor } from './clients/participant.js';
import { type Interview, SPEECH_WAV, startInterview, waitForSignals } from './harness/interview.js';
import { dispatchHint, type Stack, startStack } from './harness/stack.js';

const stats = (p: TestParticipant) => p.messages.filter((m): m is StatsMessage => m.type === 'stats');

/** The inbox counts of the latest stats message `p` received. */
function inboxStats(p: TestParticipant): InboxStats | undefined {
  return stats(p).at(-1)?.inbox;
}

/**
 * ≥ 10 000 malformed and forged client messages (packets and text streams, from an interviewer and a second
 * candidate) sent by the independent Go client through the real stack, while a real candidate speaks: the
 * agent's job survives, counts every rejected message in its stats, logs them without flooding its log, and
 * the interview goes on (a valid message afterwards takes effect, signals keep coming).
 */
describe('fuzzed client messages', () => {
  let stack: Stack;
  let interview: Interview | undefined;
  beforeAll(async () => {
    // a rate limit high enough that most of the corpus reaches the decoder; the tight burst still exceeds it
    stack = await startStack({ agentEnv: { INBOX_RATE_PER_SECOND: '2000', INBOX_RATE_BURST: '400' } });
  });
  afterAll(async () => {
    await interview?.end().catch(() => {});
    await stack?.stop();
  });

  it('survives them, counts and logs each rejection, and the session keeps working', async () => {
    interview = await startInterview(stack, {
      session: { title: 'fuzz e2e', allowOptOut: true },
      interviewerName: 'Ivy',
      candidateName: 'Cam',
      microphone: { wav: SPEECH_WAV },
    });
    const { created: session, interviewer, candidate } = interview;
    await waitForSignals(interviewer, ['audio-level'], 120_000).catch((err: Error) => {
      // name why no job ran, when the logs say it (a refused dispatch, a job process that never started)
      const started = /runner initialization timed out/.test(stack.agent.output())
        ? '\nthe job process did not start (runner initialization timed out; see agent.log under test-artifacts/)'
        : '';
      throw new Error(`${err.message}${dispatchHint(stack)}${started}`);
    });
    const agent = await waitFor('the agent participant', () => agentOf(interviewer));
    const before = await waitFor('inbox counts in the stats', () => inboxStats(interviewer));

    const grant = (role: 'interviewer' | 'candidate', name: string) =>
      stack.post<{ token: string; url: string; identity: string }>('/api/token', {
        session: session.session.id,
        role,
        name,
        invite: session.invites[role],
        ...(role === 'candidate' ? { consent: FULL_CONSENT } : {}),
      });
    const fuzzInterviewer = await grant('interviewer', 'Fuzz Interviewer');
    const fuzzCandidate = await grant('candidate', 'Fuzz Candidate');
    const db = await openDatabase({ url: stack.databaseUrl });
    const agentKnows = async (identities: string[]) => {
      for (const deadline = Date.now() + 60_000; ; ) {
        const rows = await rowsOf<{ identity: string }>(
          db.db,
          sql`select identity from participants where session_id = ${session.session.id}`,
        );
        if (identities.every((i) => rows.some((r) => r.identity === i))) return;
        if (Date.now() > deadline) throw new Error('the agent did not record both fuzz seats joining');
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const artifacts = join(ARTIFACTS_DIR, 'fuzz');
    const report = await runFuzz(
      {
        url: fuzzInterviewer.url,
        interviewer: { token: fuzzInterviewer.token, identity: fuzzInterviewer.identity },
        candidate: { token: fuzzCandidate.token, identity: fuzzCandidate.identity },
        agent: agent.identity,
        clientTopic: TOPICS.CLIENT_TO_AGENT,
        victim: candidate.identity,
        seed: 13,
        burst: 100,
        pauseMs: 20,
      },
      artifacts,
      // The agent records each participant it sees join: once both seats are recorded, it knows their roles.
      { beforeSend: () => agentKnows([fuzzInterviewer.identity, fuzzCandidate.identity]) },
    );
    expect(report.rejected).toBeGreaterThanOrEqual(10_000);
    expect(report.sendErrors).toBe(0);

    // Every rejection is counted; unfinished streams are given up after the inbox's idle time-out. Wait until every
    // count reached what was sent, then two more stats periods, so a late extra count would show too.
    const reached = await waitFor(
      `the agent to count everything sent (last counts: ${JSON.stringify(inboxStats(interviewer))})`,
      () => {
        const s = inboxStats(interviewer);
        return s &&
          s.rejected - before.rejected >= report.rejected &&
          s.accepted - before.accepted >= report.accepted &&
          s.otherTopics - before.otherTopics >= report.otherTopic &&
          s.openStreams === 0
          ? stats(interviewer).length
          : undefined;
      },
      300_000,
    );
    await waitFor('two more stats messages', () =>
      stats(interviewer).length >= reached + 2 ? true : undefined,
    );
    const after = inboxStats(interviewer) as InboxStats;
    writeFileSync(
      join(artifacts, 'agent-inbox.json'),
      `${JSON.stringify({ before, after, report }, null, 2)}\n`,
    );
    console.log(JSON.stringify({ report, inbox: after }, null, 2));
    expect(after.rejected - before.rejected).toBe(report.rejected);
    expect(after.accepted - before.accepted).toBe(report.accepted);
    expect(after.otherTopics - before.otherTopics).toBe(report.otherTopic);

    // The job is alive and still analysing the real candidate.
    expect(agentOf(interviewer)?.identity).toBe(agent.identity);
    expect(agentOf(interviewer)?.attributes[AGENT_STATE_ATTRIBUTE]).toBe('analysing');
    const output = stack.agent.output();
    expect(output).not.toMatch(/uncaught|unhandled rejection|job process (exited|crashed)/i);
    // Each rejection reached the log, a few lines at a time with summaries; never one line per message.
    const lines = output.match(/dropped invalid client message/g)?.length ?? 0;
    expect(lines).toBeGreaterThan(0);
    expect(lines).toBeLessThan(report.rejected / 20);
    expect(output).toMatch(/more invalid client messages \(not logged one by one\)/);

    // A valid message afterwards has its normal effect, and signals keep coming.
    const sent = Date.now();
    const optOut = encodeClientMessage({ v: PROTOCOL_VERSION, type: 'opt-out', groups: ['camera'] });
    await candidate.room.localParticipant?.publishData(optOut.bytes, {
      reliable: true,
      topic: TOPICS.CLIENT_TO_AGENT,
    });
    const notice = await waitFor('the opt-out notice', () => signalsOf(interviewer, 'opt-out')[0]);
    expect(notice.values).toMatchObject({ groups: 'camera' });
    expect(notice.range.start).toBeGreaterThanOrEqual(sent - 1000);
    await waitFor('audio-level signals after the fuzz', () =>
      signalsOf(interviewer, 'audio-level').find((s) => s.range.start > notice.range.end),
    );
    await waitFor('stats after the fuzz', () => {
      const s = stats(interviewer).at(-1);
      return s && s.at > notice.range.end ? true : undefined;
    });
    await interview.mic?.stop();
    await db.close();
  }, 900_000);
});
