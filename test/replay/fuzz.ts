/**
 * The fuzz mode of the Go client (test/replay/client/fuzz.go): malformed and forged client messages — invalid
 * JSON, wrong types, unknown kinds, bad versions, broken UTF-8, binary garbage, huge payloads, pathological JSON,
 * messages from the wrong role with forged identities, bursts, unfinished and oversized text streams — sent from
 * an interviewer and a candidate seat to the agent, over a real LiveKit connection.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientBinary } from './client.js';

/** What the fuzz client sends (see FuzzPlan in fuzz.go). */
export interface FuzzPlan {
  url: string;
  interviewer: { token: string; identity: string };
  candidate: { token: string; identity: string };
  /** Identity of the agent participant every message is addressed to. */
  agent: string;
  clientTopic: string;
  /** Identity of the real candidate, named by forged consent messages. */
  victim: string;
  seed: number;
  /** Multiplies the corpus (1: 10 130 messages to reject). */
  scale?: number;
  /** Messages sent back to back, and the pause between such bursts. */
  burst?: number;
  pauseMs?: number;
}

/** Options of {@link runFuzz}. */
export interface RunFuzzOptions {
  /**
   * Called once both seats joined, before anything is sent (the client waits for it): e.g. to wait until the agent
   * knows both participants, as it drops packets of participants it has not seen join as from unknown senders.
   */
  beforeSend?: () => Promise<void>;
}

/** What the fuzz client reports once everything is sent (see FuzzReport in fuzz.go). */
export interface FuzzReport {
  /** Messages the agent's inbox must reject. */
  rejected: number;
  /** Schema-valid oddities it must accept (and then handle without failing). */
  accepted: number;
  /** Packets addressed to the agent on topics it does not read. */
  otherTopic: number;
  /** Packets the SDK drops before the agent's code (orphan stream chunks, byte streams, other text streams). */
  invisible: number;
  byCategory: Record<string, number>;
  bytes: number;
  sendErrors: number;
  durationMs: number;
}

/** One item of the corpus as `-dump` writes it. */
export interface FuzzItem {
  category: string;
  from: 'interviewer' | 'candidate';
  expect: 'rejected' | 'accepted' | 'other-topic' | 'invisible';
  via: 'packet' | 'stream' | 'raw-stream' | 'other';
  topic: string;
  /** base64 */
  payload: string | null;
}

async function run(args: string[], beforeSend?: () => Promise<void>): Promise<void> {
  const child = spawn(clientBinary(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20_000);
  });
  let gated = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (gated || !/^joined$/m.test(stdout)) return;
    gated = true;
    (beforeSend ?? (async () => {}))().then(
      () => child.stdin.end('go\n'),
      (err: unknown) => {
        stderr += `\nbefore sending: ${String(err)}`;
        child.kill();
      },
    );
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0) throw new Error(`fuzz client exited with ${code}:\n${stderr.slice(-3000)}`);
}

/** Sends the corpus of `plan` to the agent; resolves with the client's report once everything is sent. */
export async function runFuzz(
  plan: FuzzPlan,
  workDir: string,
  opts: RunFuzzOptions = {},
): Promise<FuzzReport> {
  mkdirSync(workDir, { recursive: true });
  const config = join(workDir, 'fuzz.json');
  const out = join(workDir, 'fuzz-report.json');
  writeFileSync(config, JSON.stringify({ ...plan, gate: true }, null, 2));
  await run(['-fuzz', config, '-out', out], opts.beforeSend);
  return JSON.parse(readFileSync(out, 'utf8')) as FuzzReport;
}

/** The corpus `plan` would send, without connecting. */
export async function fuzzCorpus(plan: FuzzPlan, workDir: string): Promise<FuzzItem[]> {
  mkdirSync(workDir, { recursive: true });
  const config = join(workDir, 'fuzz.json');
  const out = join(workDir, 'corpus.jsonl');
  writeFileSync(config, JSON.stringify(plan, null, 2));
  await run(['-fuzz', config, '-dump', '-out', out]);
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as FuzzItem);
}
