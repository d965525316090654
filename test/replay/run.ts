/**
 * Replays interview scenarios through the real stack with an independent client and checks what the interviewer
 * receives against each scenario's `expected.json`.
 *
 *   npm run replay -- <scenario dir>... [--runs N] [--json out.json] [--url <token server URL>]
 *
 * Without `--url` it starts livekit-server, the token server and the agent worker (with the local recognizer) the
 * way the e2e tests do, inside the e2e network namespace. Prints a table per run and exits 1 on any miss.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  AGENT_CANDIDATE_ATTRIBUTE,
  DISCLOSURE,
  type Role,
  TOPICS,
  TRANSCRIPTION_TOPIC,
} from '@interview-helper/protocol';
import { startStackWithLocalStt } from '../e2e/harness/stack.js';
import { ARTIFACTS_DIR } from '../fixtures/paths.js';
import { clientBinary, runClient } from './client.js';
import { loadScenario, type Scenario } from './load.js';
import { type ClientLine, classify, evaluate, formatTable, type RunResult } from './match.js';

/** Where sessions come from: a token server. */
export interface TokenServer {
  url: string;
  adminToken?: string;
}

/** One run of one scenario. */
export interface ScenarioRun extends RunResult {
  scenario: string;
  run: number;
  sessionId: string;
  /** t0 in ms since the epoch. */
  t0: number;
  artifacts: string;
}

async function post<T>(server: TokenServer, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(server.adminToken ? { authorization: `Bearer ${server.adminToken}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`POST ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Plays `scenario` once through the stack behind `server` and evaluates what arrived. */
export async function playScenario(server: TokenServer, scenario: Scenario, run = 1): Promise<ScenarioRun> {
  const created = await post<{ session: { id: string }; invites: Record<Role, string> }>(
    server,
    '/api/sessions',
    { title: `replay ${scenario.name}`, ...(scenario.plan ? { plan: scenario.plan } : {}) },
  );
  const token = (role: Role, name: string) =>
    post<{ token: string; url: string; identity: string }>(server, '/api/token', {
      session: created.session.id,
      role,
      name,
      invite: created.invites[role],
      // the replayed candidate consents to the whole disclosure with its token request
      ...(role === 'candidate'
        ? { consent: { disclosureVersion: DISCLOSURE.version, groups: ['voice', 'camera'] } }
        : {}),
    });
  const interviewer = await token('interviewer', 'Replay Interviewer');
  const candidate = await token('candidate', 'Replay Candidate');
  const second = scenario.secondInterviewer ? await token('interviewer', 'Replay Interviewer 2') : undefined;
  const artifacts = join(ARTIFACTS_DIR, 'replay', scenario.name, `run-${run}`);
  const lines = await runClient(
    {
      url: candidate.url,
      candidate: {
        token: candidate.token,
        identity: candidate.identity,
        camera: scenario.video,
        ...(scenario.videoLayers?.length ? { cameraLayers: scenario.videoLayers } : {}),
        mic: scenario.candidateAudio,
      },
      interviewer: {
        token: interviewer.token,
        identity: interviewer.identity,
        ...(scenario.interviewerAudio ? { mic: scenario.interviewerAudio } : {}),
      },
      ...(second ? { interviewer2: { token: second.token, identity: second.identity } } : {}),
      code: scenario.code,
      ...(scenario.settings ? { settings: scenario.settings } : {}),
      durationMs: scenario.mediaMs + scenario.listenAfterMs,
      readyTimeoutMs: 90_000,
      agentTopic: TOPICS.AGENT_TO_INTERVIEWERS,
      clientTopic: TOPICS.CLIENT_TO_AGENT,
      transcriptionTopic: TRANSCRIPTION_TOPIC,
      candidateAttribute: AGENT_CANDIDATE_ATTRIBUTE,
      // the agent subscribes to the interviewer's microphone when it transcribes interviewers; on a loaded machine
      // that can take longer than a few seconds, and a scenario started without it misses the first question
      interviewerMicWaitMs: 30_000,
    },
    artifacts,
  );
  const t0 = lines.find((l) => l.event === 't0')?.at ?? Number.NaN;
  const result = evaluate(scenario.expected, classify(lines), scenario.timeline);
  const out: ScenarioRun = {
    scenario: scenario.name,
    run,
    sessionId: created.session.id,
    t0,
    artifacts,
    ...result,
  };
  writeFileSync(join(artifacts, 'result.json'), `${JSON.stringify(out, null, 2)}\n`);
  return out;
}

/**
 * Evaluates a recorded run again (its `events.jsonl` under test-artifacts) against the scenario's current
 * `expected.json`: for changes to expectations or to the matcher, without replaying.
 */
export function rescore(scenario: Scenario, run: number): ScenarioRun {
  const artifacts = join(ARTIFACTS_DIR, 'replay', scenario.name, `run-${run}`);
  const lines = readFileSync(join(artifacts, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ClientLine);
  const before = JSON.parse(readFileSync(join(artifacts, 'result.json'), 'utf8')) as ScenarioRun;
  const result = evaluate(scenario.expected, classify(lines), scenario.timeline);
  return { scenario: scenario.name, run, sessionId: before.sessionId, t0: before.t0, artifacts, ...result };
}

/** Options of {@link replay}. */
export interface ReplayOptions {
  runs?: number;
  /** A running stack's token server; without it a stack is started (inside the e2e namespace). */
  server?: TokenServer;
  /** Called after each run (e.g. to print its table). */
  onRun?: (r: ScenarioRun) => void;
}

/** Loads every scenario (failing fast on bad files), then plays each `runs` times in one stack. */
export async function replay(dirs: string[], opts: ReplayOptions = {}): Promise<ScenarioRun[]> {
  const scenarios: Scenario[] = [];
  for (const dir of dirs) scenarios.push(await loadScenario(dir));
  clientBinary();
  const stack = opts.server ? undefined : await startStackWithLocalStt();
  const server = opts.server ?? { url: stack?.tokenServerUrl as string };
  const results: ScenarioRun[] = [];
  try {
    for (const scenario of scenarios) {
      for (let run = 1; run <= (opts.runs ?? 1); run++) {
        const r = await playScenario(server, scenario, run);
        results.push(r);
        opts.onRun?.(r);
      }
    }
  } finally {
    await stack?.stop();
  }
  return results;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: 'string', default: '1' },
      json: { type: 'string' },
      url: { type: 'string' },
      'admin-token': { type: 'string' },
    },
  });
  if (positionals.length === 0) {
    console.error(
      'usage: npm run replay -- <scenario dir>... [--runs N] [--json out.json] [--url <token server URL>]',
    );
    return 2;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a positive integer, not ${values.runs}`);
  const adminToken = values['admin-token'] ?? process.env.ADMIN_TOKEN;
  const results = await replay(positionals, {
    runs,
    ...(values.url ? { server: { url: values.url, ...(adminToken ? { adminToken } : {}) } } : {}),
    onRun: (r) => console.log(`\n${formatTable(`${r.scenario} (run ${r.run})`, r)}`),
  });
  const failed = results.filter((r) => !r.pass);
  const report = { at: new Date().toISOString(), runs, pass: failed.length === 0, results };
  if (values.json) {
    mkdirSync(dirname(resolve(values.json)), { recursive: true });
    writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  }
  console.log(`\n${results.length - failed.length}/${results.length} runs passed`);
  return failed.length ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
