/**
 * Benchmark: time from the triggering event in the candidate's media to the hint on the interviewer's
 * client, through the real livekit-server, token server and agent worker.
 *
 *   npm run bench:hints        (runs inside the e2e network namespace; needs root, see scripts/netns-run.sh)
 *
 * The candidate's microphone alternates real speech and digital silence. The event is the moment a
 * silence reaches the long-pause threshold at the source (`silence start + threshold`); the latency is the
 * hint's arrival at the interviewer minus that moment. Two runs: rule hints (no key), and Claude hints via
 * the local stand-in Messages API with a fixed first-token latency, where the figure of interest is the
 * delay added after the LLM's first token (arrival − stored `llm_first_token_at`).
 * Writes JSON to bench-results/hint-latency.json and prints it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HintMessage } from '@interview-helper/protocol';
import { InterviewStore, openDatabase } from '@interview-helper/storage';
import { startAnthropicStandIn } from '../test/anthropic-stand-in/server.js';
import { createSession, join as joinRoom, waitFor } from '../test/e2e/clients/participant.js';
import { publishTalkThenPause } from '../test/e2e/clients/talk-pause.js';
import { startStack } from '../test/e2e/harness/stack.js';
import { ROOT } from '../test/fixtures/paths.js';

const PAUSES = Number(process.env.BENCH_PAUSES ?? 15);
const PAUSE_SECONDS = 2;
const FIRST_TOKEN_MS = Number(process.env.BENCH_FIRST_TOKEN_MS ?? 300);
const TRIGGERS = JSON.stringify({
  'long-pause': { minSeconds: PAUSE_SECONDS },
  'answer-end': { enabled: false },
});

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? Number.NaN;
}
const stats = (xs: number[]) => ({
  n: xs.length,
  p50: Math.round(percentile(xs, 0.5)),
  p95: Math.round(percentile(xs, 0.95)),
  max: Math.round(Math.max(...xs)),
});

async function run(agentEnv: Record<string, string>) {
  const stack = await startStack({
    agentEnv: { HINTS_TRIGGERS: TRIGGERS, HINTS_MIN_INTERVAL_MS: '0', ...agentEnv },
  });
  try {
    const created = await createSession(stack);
    const interviewer = await joinRoom(stack, created, 'interviewer', 'Bench interviewer');
    const arrivals = new Map<string, number>();
    const original = interviewer.messages.push.bind(interviewer.messages);
    interviewer.messages.push = (...items) => {
      for (const m of items) if (m.type === 'hint' && !arrivals.has(m.id)) arrivals.set(m.id, Date.now());
      return original(...items);
    };
    const candidate = await joinRoom(stack, created, 'candidate', 'Bench candidate');
    await waitFor('agent to analyse the candidate', () =>
      [...interviewer.room.remoteParticipants.values()].some(
        (p) => p.attributes['interview-helper.candidate'] === candidate.identity,
      )
        ? true
        : undefined,
    );
    const mic = await publishTalkThenPause(candidate.room, 3000, (PAUSE_SECONDS + 1.5) * 1000);
    const hints = () =>
      interviewer.messages.filter((m): m is HintMessage => m.type === 'hint' && m.kind === 'long-pause');
    await waitFor(
      `${PAUSES} hints`,
      () => (hints().length >= PAUSES ? true : undefined),
      PAUSES * 8000 + 30_000,
    );
    await mic.stop();
    const fromEvent: number[] = [];
    const agentSide: number[] = [];
    for (const h of hints().slice(0, PAUSES)) {
      const arrived = arrivals.get(h.id) ?? Number.NaN;
      const event = mic.silenceStarts
        .map((s) => s + PAUSE_SECONDS * 1000)
        .find((e) => Math.abs(e - (h.triggerAt ?? 0)) < 1000);
      if (event !== undefined) fromEvent.push(arrived - event);
      agentSide.push(arrived - (h.triggerAt ?? arrived));
    }
    const db = await openDatabase({ url: stack.databaseUrl, migrate: false, maxConnections: 1 });
    const rows = await new InterviewStore(db.db).listHints(created.session.id);
    await db.close();
    const afterFirstToken = rows.flatMap((r) =>
      r.llmFirstTokenAt && arrivals.has(r.id)
        ? [(arrivals.get(r.id) as number) - r.llmFirstTokenAt.getTime()]
        : [],
    );
    await candidate.leave();
    await interviewer.leave();
    return {
      sources: [...new Set(hints().map((h) => h.source))],
      eventToHintMs: stats(fromEvent),
      agentTriggerToHintMs: stats(agentSide),
      ...(afterFirstToken.length ? { firstTokenToHintMs: stats(afterFirstToken) } : {}),
    };
  } finally {
    await stack.stop();
  }
}

const rules = await run({});
const standIn = await startAnthropicStandIn({ firstTokenDelayMs: FIRST_TOKEN_MS });
let claude: Awaited<ReturnType<typeof run>>;
try {
  claude = await run({
    ANTHROPIC_API_KEY: 'bench-key',
    ANTHROPIC_BASE_URL: standIn.baseURL,
    HINTS_MODEL: 'claude-stand-in',
  });
} finally {
  await standIn.close();
}
const out = {
  benchmark: 'hint-latency',
  at: new Date().toISOString(),
  machine: { cpus: 2 },
  pauseSeconds: PAUSE_SECONDS,
  rules,
  claude: { standInFirstTokenMs: FIRST_TOKEN_MS, ...claude },
};
mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
writeFileSync(join(ROOT, 'bench-results/hint-latency.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
