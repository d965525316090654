import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { printed, SupervisedProcess, type SupervisedProcessOptions } from './supervised-process.js';

/** The supervisor's log lines (`level message`), in order. */
const logged = vi.hoisted(() => [] as string[]);
vi.mock('../log.js', () => ({
  logger: () => {
    const at = (level: string) => (_fields: unknown, msg: string) => void logged.push(`${level} ${msg}`);
    return { info: at('info'), warn: at('warn'), error: at('error') };
  },
}));

/** A real node process running `script` (its stdout and stderr piped). */
const node = (script: string): ChildProcess =>
  spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });

/** Prints `ready` at once, then stays up until it is killed. */
const SERVER = "console.log('ready'); setInterval(() => {}, 1000);";

type ScriptHooks = { spawn?: () => ChildProcess | Promise<ChildProcess>; cleanup?: () => void };

/** A supervised node script: `spawn` is its command line, ready once it prints `ready`. */
class ScriptService extends SupervisedProcess {
  #spawn: () => ChildProcess | Promise<ChildProcess>;
  #cleanup?: () => void;

  constructor({ spawn, cleanup, ...o }: Partial<SupervisedProcessOptions> & ScriptHooks = {}) {
    super({
      name: 'test service',
      component: 'process-test',
      readyTimeoutMs: 20_000, // generous: a loaded machine must not fail these starts
      restartDelayMs: 10,
      maxRestartDelayMs: 40,
      killAfterMs: 10_000,
      ...o,
    });
    this.#spawn = spawn ?? (() => node(SERVER));
    this.#cleanup = cleanup;
  }

  protected spawnChild(): ChildProcess | Promise<ChildProcess> {
    return this.#spawn();
  }

  protected isReady(child: ChildProcess): Promise<unknown> {
    return printed(child, /^ready$/m);
  }

  protected override cleanup(): void {
    this.#cleanup?.();
  }

  async stats(): Promise<{ pid?: number }> {
    return { pid: this.pid };
  }
}

const supervised: SupervisedProcess[] = [];
function supervise(opts: ConstructorParameters<typeof ScriptService>[0] = {}): SupervisedProcess {
  const p = new ScriptService(opts);
  supervised.push(p);
  return p;
}

/** The process exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `cond` every 10 ms until it holds (the test's time-out bounds the wait). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await sleep(10);
}

/** A child that exits 0 on SIGTERM (as the services do) and prints `armed` once it will. */
const STOPS_ON_SIGTERM = "process.on('SIGTERM', () => process.exit(0)); console.log('armed');";

/** A child running {@link STOPS_ON_SIGTERM} and `script`; `armed` resolves once its SIGTERM handler is set. */
function stopsOnSigterm(script: string): { child: ChildProcess; armed: Promise<void> } {
  const child = node(`${STOPS_ON_SIGTERM} ${script}`);
  return { child, armed: printed(child, /^armed$/m) }; // watched before its first output can arrive
}

afterEach(async () => {
  for (const p of supervised.splice(0)) await p.stop();
  logged.length = 0;
});

describe('SupervisedProcess', () => {
  it('starts the process and resolves once its probe says it is ready', async () => {
    let launches = 0;
    const p = supervise({
      spawn: () => {
        launches++;
        return node(`setTimeout(() => console.log('ready'), 200); setInterval(() => {}, 1000);`);
      },
    });
    expect(p.pid).toBeUndefined();
    expect(p.status).toBe('idle');
    const started = p.start();
    expect(p.start()).toBe(started); // one start however often it is asked
    await started;
    expect(launches).toBe(1);
    expect(p.pid).toBeGreaterThan(0);
    expect(alive(p.pid as number)).toBe(true);
    expect(p.restarts).toBe(0);
    expect(p.status).toBe('ready');
  });

  it('restarts a process that crashes, and goes on restarting after failed attempts', async () => {
    let launches = 0;
    const p = supervise({
      // the 2nd and 3rd launches die before they are ready: restart attempts that fail
      spawn: () => (++launches === 2 || launches === 3 ? node('process.exit(3)') : node(SERVER)),
    });
    await p.start();
    const first = p.pid as number;
    process.kill(first, 'SIGKILL');
    await until(() => p.restarts === 1);
    expect(logged).toContain('warn test service exited; restarting');
    expect(p.status).toBe('ready');
    expect(launches).toBe(4);
    expect(p.pid).not.toBe(first);
    expect(alive(p.pid as number)).toBe(true);
    // a process that exits with an error is restarted too
    const second = p.pid as number;
    process.kill(second, 'SIGTERM'); // node's default: killed by the signal, not a clean exit
    await until(() => p.restarts === 2);
    expect(p.pid).not.toBe(second);
    expect(alive(p.pid as number)).toBe(true);
  });

  it('leaves a process that exits cleanly (code 0) stopped', async () => {
    const children: ChildProcess[] = [];
    const p = supervise({
      spawn: () => {
        const { child } = stopsOnSigterm(SERVER);
        children.push(child);
        return child;
      },
    });
    await p.start();
    expect(p.status).toBe('ready');
    const [child] = children;
    const exited = once(child as ChildProcess, 'exit'); // heard after the supervisor's own listener
    child?.kill('SIGTERM'); // from outside, as a signal to the worker's process group is
    expect(await exited).toEqual([0, null]);
    expect(p.status).toBe('stopped');
    expect(logged).toEqual(['info test service ready', 'info test service stopped']); // no crash logged
    expect(children).toHaveLength(1);
    expect(p.restarts).toBe(0);
  });

  it('leaves a process that exits cleanly while it restarts stopped, and does not launch it again', async () => {
    const children: ChildProcess[] = [];
    let restart: ReturnType<typeof stopsOnSigterm> | undefined;
    const p = supervise({
      // the first serves; its restart loads (never ready here) until it is asked to stop
      spawn: () => {
        if (children.length > 0) restart = stopsOnSigterm('setInterval(() => {}, 1000);');
        const child = restart?.child ?? node(SERVER);
        children.push(child);
        return child;
      },
    });
    await p.start();
    process.kill(p.pid as number, 'SIGKILL'); // a crash: restarted
    await until(() => restart !== undefined);
    const restarting = restart?.child as ChildProcess;
    await restart?.armed;
    expect(p.status).toBe('restarting');
    const exited = once(restarting, 'exit');
    restarting.kill('SIGTERM'); // the worker shutting down while the restart loads
    expect(await exited).toEqual([0, null]);
    await until(() => p.status !== 'restarting');
    expect(p.status).toBe('stopped');
    expect(logged).toContain('info test service stopped while restarting');
    expect(logged.filter((l) => l.startsWith('error'))).toEqual([]);
    expect(children).toHaveLength(2);
    expect(p.restarts).toBe(0);
  });

  it('reports a clean exit before the first start is ready as stopped, not as a failure', async () => {
    let loading: ReturnType<typeof stopsOnSigterm> | undefined;
    const p = supervise({
      spawn: () => {
        loading = stopsOnSigterm('setInterval(() => {}, 1000);');
        return loading.child;
      },
    });
    p.startInBackground('the jobs go without it', 'test');
    await until(() => loading !== undefined);
    await loading?.armed;
    loading?.child.kill('SIGTERM');
    await until(() => logged.length > 0);
    expect(p.status).toBe('stopped');
    expect(logged).toEqual(['info test service stopped before it was ready']);
    await expect(p.start()).rejects.toThrow('test service did not start: exited (code 0, signal null)');
  });

  it('stops the process with SIGTERM, or SIGKILL when it ignores that, and never restarts it', async () => {
    let cleanups = 0;
    const p = supervise({ cleanup: () => cleanups++ });
    await p.start();
    const pid = p.pid as number;
    await p.stop();
    expect(alive(pid)).toBe(false);
    expect(p.pid).toBe(pid);
    expect(p.restarts).toBe(0);
    expect(p.status).toBe('stopped');
    expect(cleanups).toBe(1);

    const stubborn = supervise({
      spawn: () => node(`process.on('SIGTERM', () => {}); ${SERVER}`),
      killAfterMs: 100,
    });
    await stubborn.start();
    const stubbornPid = stubborn.pid as number;
    await stubborn.stop();
    expect(alive(stubbornPid)).toBe(false);
    expect(stubborn.restarts).toBe(0);
  });

  it('leaves no process behind when stopped while the process is being spawned', async () => {
    let child: ChildProcess | undefined;
    const p = supervise({
      spawn: async () => {
        await null; // spawned after `stop` below
        child = node(SERVER);
        return child;
      },
    });
    const started = p.start().catch((e: unknown) => e);
    await p.stop();
    expect(await started).toBeInstanceOf(Error);
    expect(child?.signalCode).toBe('SIGKILL');
    expect(p.status).toBe('stopped');
  });

  it('fails the start with a clear error when the process is not ready in time, and kills it', async () => {
    const p = supervise({
      spawn: () => node(`console.error('loading the model'); setInterval(() => {}, 1000);`),
      readyTimeoutMs: 300,
    });
    const err = await p.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(p.status).toBe('failed');
    // its stderr so far ends the message (none if it has not printed yet on a loaded machine)
    expect((err as Error).message).toMatch(
      /^test service did not start: not ready after 300 ms; (loading the model)?$/,
    );
    await until(() => !alive(p.pid as number));
  });

  it('fails the start with the exit code and the end of stderr when the process dies first', async () => {
    const p = supervise({ spawn: () => node(`console.error('no such model'); process.exit(3);`) });
    await expect(p.start()).rejects.toThrow(
      'test service did not start: exited (code 3, signal null); no such model',
    );
  });

  it('fails the start with the error of a command that cannot be spawned', async () => {
    const p = supervise({
      spawn: () => spawn('/nonexistent/interpreter', [], { stdio: ['ignore', 'pipe', 'pipe'] }),
    });
    await expect(p.start()).rejects.toThrow(
      /test service did not start: spawn \/nonexistent\/interpreter ENOENT/,
    );
    const thrown = supervise({
      spawn: () => {
        throw new Error('the venv is missing');
      },
    });
    await expect(thrown.start()).rejects.toThrow(/^the venv is missing$/);
  });
});
