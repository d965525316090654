/**
 * The Go replay client (test/replay/client): built once per source version into `.cache/replay/bin`, run once per
 * scenario run.
 *
 *   npx tsx test/replay/client.ts     (builds it and prints its path; needs Go and, the first time, the module proxy)
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../fixtures/paths.js';
import { CACHE_DIR } from './build.js';
import type { ClientLine } from './match.js';

const SOURCE = join(ROOT, 'test/replay/client');

/** What the client does in one run (see test/replay/client/main.go). */
export interface ClientPlan {
  url: string;
  candidate: { token: string; identity: string; camera: string; cameraLayers?: string[]; mic: string };
  interviewer: { token: string; identity: string; mic?: string };
  /** A silent second interviewer, recorded as `interviewer-2`. */
  interviewer2?: { token: string; identity: string };
  code: { atMs: number; revision: number; language: string; text: string }[];
  settings?: Record<string, unknown>;
  durationMs: number;
  readyTimeoutMs: number;
  agentTopic: string;
  clientTopic: string;
  transcriptionTopic: string;
  candidateAttribute: string;
  interviewerMicWaitMs: number;
}

/** Path of the client binary for the current sources (`REPLAY_CLIENT_BIN` overrides); builds it when missing. */
export function clientBinary(): string {
  if (process.env.REPLAY_CLIENT_BIN) return process.env.REPLAY_CLIENT_BIN;
  const hash = createHash('sha256');
  for (const f of readdirSync(SOURCE).sort()) {
    if (/\.go$|^go\.(mod|sum)$/.test(f)) hash.update(f).update(readFileSync(join(SOURCE, f)));
  }
  const bin = join(CACHE_DIR, 'bin', `replay-client-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(bin)) return bin;
  mkdirSync(join(CACHE_DIR, 'bin'), { recursive: true });
  try {
    execFileSync('go', ['build', '-trimpath', '-o', bin, '.'], {
      cwd: SOURCE,
      env: { ...process.env, CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT')
      throw new Error('Go is not installed: the replay client needs Go ≥ 1.26 (see .ci/run)');
    throw new Error(
      `building the replay client failed (run \`npx tsx test/replay/client.ts\` outside the e2e namespace once, it downloads Go modules):\n${e.stderr?.toString().slice(-2000)}`,
    );
  }
  return bin;
}

/** Runs the client with `plan`; resolves with the lines it recorded, rejects with its error output. */
export async function runClient(plan: ClientPlan, workDir: string): Promise<ClientLine[]> {
  const bin = clientBinary();
  mkdirSync(workDir, { recursive: true });
  const config = join(workDir, 'plan.json');
  const out = join(workDir, 'events.jsonl');
  writeFileSync(config, JSON.stringify(plan, null, 2));
  const child = spawn(bin, ['-config', config, '-out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20_000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  writeFileSync(join(workDir, 'client.log'), stderr);
  if (code !== 0) throw new Error(`replay client exited with ${code}:\n${stderr.slice(-3000)}`);
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ClientLine);
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(clientBinary());
