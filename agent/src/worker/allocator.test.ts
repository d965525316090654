import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { JEMALLOC_PATHS, preloadEnv, resolveHostAllocator } from './allocator.js';

const only =
  (...present: string[]) =>
  (p: string) =>
    present.includes(p);

/** The installed jemalloc, failing with what to install when there is none. */
function installedJemalloc(): string {
  const r = resolveHostAllocator('jemalloc');
  if ('problem' in r) throw new Error(r.problem);
  return r.library as string;
}

describe('host allocator', () => {
  it('takes system, an installed jemalloc or an existing absolute path, and says what is wrong with anything else', () => {
    const exists = only(
      '/opt/lib/libtcmalloc_minimal.so.4',
      JEMALLOC_PATHS[2] as string,
      JEMALLOC_PATHS[4] as string,
    );
    expect(resolveHostAllocator('system', () => true)).toEqual({});
    // the first installed copy
    expect(resolveHostAllocator('jemalloc', exists)).toEqual({ library: JEMALLOC_PATHS[2] });
    expect(resolveHostAllocator('jemalloc', () => false)).toEqual({
      problem: expect.stringMatching(/jemalloc is not installed .*libjemalloc2/),
    });
    expect(resolveHostAllocator('/opt/lib/libtcmalloc_minimal.so.4', exists)).toEqual({
      library: '/opt/lib/libtcmalloc_minimal.so.4',
    });
    expect(resolveHostAllocator('tcmalloc', exists)).toEqual({
      problem: expect.stringMatching(/system, jemalloc or the absolute path/),
    });
    expect(resolveHostAllocator('/opt/lib/libjemalloc.so.2', exists)).toEqual({
      problem: expect.stringMatching(/no such file/),
    });
    expect(resolveHostAllocator('/a.so:/b.so', () => true)).toEqual({
      problem: expect.stringMatching(/one library path/),
    });
  });

  it('preloads the library ahead of what the environment already preloads, once', () => {
    const env = { PATH: '/bin', LD_PRELOAD: '/x/libfoo.so /lib/je.so' };
    expect(preloadEnv('/lib/je.so', env)).toEqual({ PATH: '/bin', LD_PRELOAD: '/lib/je.so:/x/libfoo.so' });
    expect(preloadEnv('/lib/je.so', { PATH: '/bin' })).toEqual({ PATH: '/bin', LD_PRELOAD: '/lib/je.so' });
    expect(preloadEnv(undefined, env)).toBeUndefined();
  });

  it('a Node process started with that environment runs on the installed jemalloc', () => {
    const library = installedJemalloc();
    const out = spawnSync(
      process.execPath,
      ['-e', "process.stdout.write(require('node:fs').readFileSync('/proc/self/maps', 'utf8'))"],
      { env: preloadEnv(library, { PATH: process.env.PATH }), encoding: 'utf8' },
    );
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain(library);
  });
});
