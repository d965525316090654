/**
 * Process measurements for the CPU profile benchmark (Linux /proc): the agent's job process among a worker's
 * descendants, CPU time per thread (grouped into stages by thread name) and RSS, and a V8 CPU profile of its
 * JavaScript thread through the inspector (SIGUSR1 opens it on 127.0.0.1:9229), split into stages by source file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { smapsBytes } from './proc-sampler.js';

const TICK_S = 1 / 100; // USER_HZ

/** CPU seconds (user + system) of one /proc stat line. */
function statCpu(stat: string): { comm: string; cpuS: number; ppid: number } {
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const f = stat.slice(close + 2).split(' ');
  return { comm, ppid: Number(f[1]), cpuS: (Number(f[11]) + Number(f[12])) * TICK_S };
}

const read = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** Every live descendant of `root` with its command line. */
export function descendants(root: number): { pid: number; cmdline: string }[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const s = read(`/proc/${e}/stat`);
    if (s) parent.set(Number(e), statCpu(s).ppid);
  }
  const out: { pid: number; cmdline: string }[] = [];
  const walk = (p: number) => {
    for (const [pid, pp] of parent) {
      if (pp !== p) continue;
      out.push({ pid, cmdline: (read(`/proc/${pid}/cmdline`) ?? '').replaceAll('\0', ' ') });
      walk(pid);
    }
  };
  walk(root);
  return out;
}

/** CPU seconds of a whole process (live and exited threads). */
export function processCpu(pid: number): number {
  const s = read(`/proc/${pid}/stat`);
  if (!s) throw new Error(`process ${pid} is gone`);
  return statCpu(s).cpuS;
}

/** Resident set size of `pid`, MB. */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** CPU seconds per thread id, with the thread's name. */
export function threadCpu(pid: number): Map<number, { comm: string; cpuS: number }> {
  const out = new Map<number, { comm: string; cpuS: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const s = read(`/proc/${pid}/task/${tid}/stat`);
    if (s) out.set(Number(tid), statCpu(s));
  }
  return out;
}

/**
 * The stage a thread of the job process works for, from its name: libwebrtc's and the Rust SDK's threads
 * (decoding, network, the FFI runtime), V8's helpers (concurrent GC and compilation), libuv's pool, the JS thread.
 */
export function threadStage(comm: string, main: boolean): string {
  if (main) return 'js-main-thread';
  // Node names neither V8's platform workers (concurrent marking and sweeping, compilers) nor libuv's pool
  if (/^V8 |^v8:|^node$/i.test(comm)) return 'node helper threads (V8 concurrent GC/compiler, libuv pool)';
  if (/^libuv/i.test(comm)) return 'libuv pool';
  if (/vips|sharp/i.test(comm)) return 'image resize (sharp/libvips)';
  if (/Decod|IncomingVideo|video_stream|VideoRecv/i.test(comm)) return 'video decode (libwebrtc)';
  if (/Audio|AudioDevice|audio_/i.test(comm)) return 'audio receive/decode (libwebrtc)';
  if (/tokio|livekit|ffi/i.test(comm)) return 'rtc FFI runtime (Rust)';
  if (/worker_thread|signaling|network|pc_|rtc|Pacer|ModuleProcess|TaskQueue|rtp|Call/i.test(comm))
    return 'webrtc network/transport';
  return `other (${comm})`;
}

/** Stage → core-seconds per second over the window between two thread snapshots. */
export function threadShares(
  before: Map<number, { comm: string; cpuS: number }>,
  after: Map<number, { comm: string; cpuS: number }>,
  seconds: number,
  pid: number,
): { byStage: Record<string, number>; byThreadName: Record<string, number> } {
  const byStage: Record<string, number> = {};
  const byThreadName: Record<string, number> = {};
  for (const [tid, t] of after) {
    const d = t.cpuS - (before.get(tid)?.cpuS ?? 0);
    if (d <= 0) continue;
    const stage = threadStage(t.comm, tid === pid);
    const name = tid === pid ? `${t.comm} (main)` : t.comm;
    byStage[stage] = (byStage[stage] ?? 0) + d / seconds;
    byThreadName[name] = (byThreadName[name] ?? 0) + d / seconds;
  }
  return { byStage, byThreadName };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Stage of an agent source file (under agent/src or agent/dist). */
function fileStage(path: string): string | undefined {
  const m = /agent\/(?:src|dist)\/(.+)\.[tj]s$/.exec(path);
  if (!m) return undefined;
  const f = m[1] as string;
  if (f === 'vision/face-detector') return 'face detector (pre/post)';
  if (f === 'vision/face-landmarks') return 'face mesh (pre/post)';
  if (f === 'vision/iris') return 'iris (pre/post)';
  if (f === 'vision/pose-detector') return 'pose detector (pre/post)';
  if (f === 'vision/pose-landmarks') return 'pose landmarks (pre/post)';
  if (/^vision\/resample/.test(f)) return 'resize/crop';
  if (/^vision\//.test(f)) return 'vision analysers (sampling, measures, episodes)';
  if (f === 'audio/vad' || f === 'audio/speech') return 'vad';
  if (/^audio\/pitch/.test(f)) return 'pitch';
  if (/^audio\/(delivery|filled-pause)/.test(f)) return 'delivery / filled pauses';
  if (/^audio\//.test(f)) return 'audio front end (levels, framing)';
  if (f === 'session/media') return 'media pump (frames in)';
  if (/^(messaging|bus)\//.test(f)) return 'messaging';
  if (/^transcription\//.test(f)) return 'transcription (segments, recognizer client, captions)';
  if (/^(hints|conduct|plan|report)\//.test(f)) return 'hints / conduct / plan';
  if (/^analysers\//.test(f)) return 'analyser runner (queues, validation)';
  return 'session / other agent code';
}

/** Stage of a frame outside the agent's code (a dependency), when no agent frame is above it. */
function packageStage(url: string, fn: string): string | undefined {
  if (/agents-plugin-silero/.test(url)) return 'vad';
  if (/rtc-node/.test(url)) return 'rtc-node (frame/audio events, FFI copies)';
  if (/onnxruntime-node/.test(url)) return 'onnx inference (all models)';
  if (/@livekit\/agents\//.test(url)) return 'agents framework';
  if (/pino|thread-stream/.test(url)) return 'logging';
  if (/zod/.test(url)) return 'messaging';
  if (/\/(tsx|esbuild|get-tsconfig)\//.test(url)) return 'tsx loader';
  if (fn === '(garbage collector)') return 'gc (main thread)';
  if (fn === '(program)') return 'native / unattributed';
  if (fn === '(idle)') return 'idle';
  return undefined;
}

/**
 * Core-seconds per second of the JS thread per stage: each sample goes to the I420→RGB conversion when
 * rtc-node's `convert` is on its stack, else to the nearest agent source file above it, else to the nearest
 * known package, else to its own frame. ONNX Runtime runs the models synchronously on this thread (one
 * intra-op thread), called from a setImmediate: that time is 'onnx inference (all models)'.
 */
export function profileStages(profile: CpuProfile): Record<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOf = new Map<number, string>();
  const classify = (id: number): string => {
    const cached = stageOf.get(id);
    if (cached) return cached;
    const chain: ProfileNode[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      if (node) chain.push(node);
    }
    let stage: string | undefined;
    if (chain.some((n) => n.callFrame.functionName === 'convert' && /rtc-node/.test(n.callFrame.url)))
      stage = 'rgb conversion (I420→RGB24)';
    for (const n of chain) {
      if (stage) break;
      stage = fileStage(n.callFrame.url);
    }
    for (const n of chain) {
      if (stage) break;
      stage = packageStage(n.callFrame.url, n.callFrame.functionName);
    }
    stage ??= 'other JS (node internals, streams, timers)';
    stageOf.set(id, stage);
    return stage;
  };
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  const out: Record<string, number> = {};
  profile.samples.forEach((id, i) => {
    const stage = classify(id);
    out[stage] = (out[stage] ?? 0) + (profile.timeDeltas[i] ?? 0) / 1e6 / seconds;
  });
  delete out.idle;
  return out;
}

/** What a job process's memory is made of, in MB. */
export interface MemoryComposition {
  /** From `/proc/<pid>/smaps_rollup`: resident, proportional (shared pages split), private, shared, anonymous. */
  rss: number;
  pss: number;
  private: number;
  sharedClean: number;
  anonymous: number;
  /** Resident pages of the biggest mapped files (Node itself, libwebrtc, ONNX Runtime, libvips) and of `[heap]`. */
  mappings: Record<string, number>;
  /** V8: heap committed and used, before and after a full garbage collection, per space after it. */
  v8?: {
    before: { heapTotal: number; heapUsed: number; external: number; rss: number };
    after: { heapTotal: number; heapUsed: number; external: number; rss: number };
    spacesAfter: Record<string, { committed: number; used: number }>;
  };
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** Resident memory of `pid` by kind, from smaps (no inspector needed). */
export function memoryComposition(pid: number): MemoryComposition {
  const kb = smapsBytes(read(`/proc/${pid}/smaps_rollup`) ?? '');
  const mappings: Record<string, number> = {};
  let name = '';
  for (const line of (read(`/proc/${pid}/smaps`) ?? '').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) name = head[1]?.trim() || '[anonymous]';
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) mappings[name] = (mappings[name] ?? 0) + Number(rss[1]) * 1024;
  }
  const top = Object.entries(mappings)
    .filter(([, b]) => b >= 4 * 1024 * 1024)
    .sort((a, b) => b[1] - a[1])
    .map(([k, b]) => [k.replace(/^.*node_modules\//, ''), mb(b)] as const);
  return {
    rss: mb(kb('Rss')),
    pss: mb(kb('Pss')),
    private: mb(kb('Private_Clean') + kb('Private_Dirty')),
    sharedClean: mb(kb('Shared_Clean')),
    anonymous: mb(kb('Anonymous')),
    mappings: Object.fromEntries(top),
  };
}

/**
 * The V8 side of `pid`'s memory, through its inspector (already opened by {@link recordProfile}): heap committed
 * and used before and after a full garbage collection, and each space after it. The collection frees what V8 had
 * not yet collected, so `before − after` is garbage the process was holding, not live data.
 */
export async function v8Memory(): Promise<MemoryComposition['v8']> {
  const { send, close } = await inspector();
  try {
    const evaluate = async (expression: string) =>
      JSON.parse(
        (
          (await send('Runtime.evaluate', { expression, returnByValue: true })) as {
            result: { value: string };
          }
        ).result.value,
      );
    const usage = `JSON.stringify(process.memoryUsage())`;
    const pick = (m: Record<string, number>) => ({
      heapTotal: mb(m.heapTotal ?? 0),
      heapUsed: mb(m.heapUsed ?? 0),
      external: mb(m.external ?? 0),
      rss: mb(m.rss ?? 0),
    });
    const before = pick(await evaluate(usage));
    await send('HeapProfiler.collectGarbage');
    const after = pick(await evaluate(usage));
    const spaces = (await evaluate(
      `JSON.stringify(process.getBuiltinModule('v8').getHeapSpaceStatistics())`,
    )) as { space_name: string; physical_space_size: number; space_used_size: number }[];
    const spacesAfter = Object.fromEntries(
      spaces
        .filter((x) => x.physical_space_size > 0)
        .map((x) => [x.space_name, { committed: mb(x.physical_space_size), used: mb(x.space_used_size) }]),
    );
    return { before, after, spacesAfter };
  } finally {
    close();
  }
}

/** A connection to the inspector already open on 127.0.0.1:9229. */
async function inspector() {
  let url: string | undefined;
  for (let i = 0; i < 50 && !url; i++) {
    await sleep(100);
    const list = (await fetch('http://127.0.0.1:9229/json/list')
      .then((r) => r.json())
      .catch(() => [])) as { webSocketDebuggerUrl?: string }[];
    url = list[0]?.webSocketDebuggerUrl;
  }
  if (!url) throw new Error('no inspector open on 127.0.0.1:9229');
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let next = 1;
  const pending = new Map<number, (v: unknown) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/** Records a CPU profile of `pid`'s JS thread for `seconds` through the inspector (opened with SIGUSR1). */
export async function recordProfile(pid: number, seconds: number): Promise<CpuProfile> {
  process.kill(pid, 'SIGUSR1');
  const { send, close } = await inspector().catch(() => {
    throw new Error(`the inspector of process ${pid} did not open on 127.0.0.1:9229`);
  });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 1000 });
  await send('Profiler.start');
  await sleep(seconds * 1000);
  const { profile } = (await send('Profiler.stop')) as { profile: CpuProfile };
  await send('Profiler.disable');
  close();
  return profile;
}
