import { afterEach, describe, expect, it } from 'vitest';
import { alive, EchoService, procStat, ServiceParent, until } from './testing.js';

const TESTING = new URL('./testing.ts', import.meta.url).pathname;

const parents: ServiceParent[] = [];
function parent(): ServiceParent {
  const p = new ServiceParent(TESTING, 'EchoService', {});
  parents.push(p);
  return p;
}

const services: EchoService[] = [];
afterEach(async () => {
  for (const p of parents.splice(0)) p.kill();
  for (const s of services.splice(0)) await s.stop();
});

describe('a supervised service and the stop of its parent', () => {
  it('runs in a process group of its own: a SIGTERM to the parent’s group leaves it serving until the parent exits', async () => {
    const p = parent();
    const pid = await p.ready();
    expect(procStat(p.pid).pgrp).toBe(p.pid); // the parent leads its group, as a worker under a shell or docker
    expect(procStat(pid).pgrp).toBe(pid); // the service leads its own

    p.signalGroup('SIGTERM'); // `kill -- -PGID`, Ctrl-C in a terminal, docker stop
    await p.line('draining');
    // while the parent drains, the service answers as before, and its supervisor saw no stop
    expect(await p.stats(1)).toEqual({ status: 'ready', stats: { pid } });
    expect(await p.stats(2)).toEqual({ status: 'ready', stats: { pid } });
    expect(alive(pid)).toBe(true);

    p.drained(); // the drain is over: the parent exits (process.exit(143), as the framework's CLI)
    expect(await p.exited).toEqual({ code: 143, signal: null });
    await until(() => !alive(pid));
  });

  it('exits when the parent is killed (SIGKILL: no exit handler runs), as its stdin closes', async () => {
    const p = parent();
    const pid = await p.ready();
    p.child.kill('SIGKILL');
    expect(await p.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await until(() => !alive(pid));
  });

  it('exits when the parent is killed while it drains', async () => {
    const p = parent();
    const pid = await p.ready();
    p.signalGroup('SIGTERM');
    await p.line('draining');
    p.signalGroup('SIGKILL'); // its group: the service is not in it
    await p.exited;
    await until(() => !alive(pid));
  });

  it('is restarted, in a group of its own again, when it crashes', async () => {
    const s = new EchoService();
    services.push(s);
    await s.start();
    const first = s.pid as number;
    process.kill(first, 'SIGKILL');
    await until(() => s.restarts === 1);
    const second = s.pid as number;
    expect(second).not.toBe(first);
    expect(procStat(second).pgrp).toBe(second);
    expect(await s.stats()).toEqual({ pid: second });
  });
});
