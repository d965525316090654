import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hostAllocatorProblem, JEMALLOC_PATHS, preloadEnv, resolveHostAllocator } from './allocator.js';

const only =
  (...present: string[]) =>
  (p: string) =>
    present.includes(p);

describe('host allocator', () => {
  it('takes system, an installed jemalloc or an existing absolute path, and says what is wrong with anything else', () => {
    const exists = only('/opt/lib/libtcmalloc_minimal.so.4', JEMALLOC_PATHS[1] as string);
    expect(hostAllocatorProblem('system', exists)).toBeUndefined();
    expect(hostAllocatorProblem('jemalloc', exists)).toBeUndefined();
    expect(hostAllocatorProblem('jemalloc', () => false)).toMatch(/jemalloc is not installed .*libjemalloc2/);
    expect(hostAllocatorProblem('/opt/lib/libtcmalloc_minimal.so.4', exists)).toBeUndefined();
    expect(hostAllocatorProblem('tcmalloc', exists)).toMatch(/system, jemalloc or the absolute path/);
    expect(hostAllocatorProblem('/opt/lib/libjemalloc.so.2', exists)).toMatch(/no such file/);
    expect(hostAllocatorProblem('/a.so:/b.so', () => true)).toMatch(/one library path/);
  });

  it('jemalloc is the first installed copy, system keeps the C library, a path is taken as given', () => {
    expect(
      resolveHostAllocator('jemalloc', only(JEMALLOC_PATHS[2] as string, JEMALLOC_PATHS[4] as string)),
    ).toBe(JEMALLOC_PATHS[2]);
    expect(resolveHostAllocator('system', () => true)).toBeUndefined();
    expect(resolveHostAllocator('/opt/lib/libmimalloc.so', () => true)).toBe('/opt/lib/libmimalloc.so');
  });

  it('preloads the library ahead of what the environment already preloads, once', () => {
    const env = { PATH: '/bin', LD_PRELOAD: '/x/libfoo.so /lib/je.so' };
    expect(preloadEnv('/lib/je.so', env)).toEqual({ PATH: '/bin', LD_PRELOAD: '/lib/je.so:/x/libfoo.so' });
    expect(preloadEnv('/lib/je.so', { PATH: '/bin' })).toEqual({ PATH: '/bin', LD_PRELOAD: '/lib/je.so' });
    expect(preloadEnv(undefined, env)).toBeUndefined();
  });

  it('a Node process started with that environment runs on the installed jemalloc', () => {
    const library = resolveHostAllocator('jemalloc');
    expect(
      library,
      `no jemalloc library (Debian: apt install libjemalloc2) in ${JEMALLOC_PATHS.join(', ')}`,
    ).toBeDefined();
    const out = spawnSync(
      process.execPath,
      ['-e', "process.stdout.write(require('node:fs').readFileSync('/proc/self/maps', 'utf8'))"],
      { env: preloadEnv(library, { PATH: process.env.PATH }), encoding: 'utf8' },
    );
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain(library);
  });
});
