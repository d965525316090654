import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';

/** Where Debian, Ubuntu, Fedora and Alpine-style installs put jemalloc's shared library (`libjemalloc2`). */
export const JEMALLOC_PATHS: readonly string[] = [
  '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
  '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
  '/usr/lib64/libjemalloc.so.2',
  '/usr/lib/libjemalloc.so.2',
  '/usr/local/lib/libjemalloc.so.2',
];

/**
 * The library the room hosts preload for `AGENT_HOST_MALLOC`: `system` → none (the C library's malloc), `jemalloc` →
 * the first of {@link JEMALLOC_PATHS} that exists, an absolute path → that file. `problem` says why a setting
 * cannot be used, for the config's error.
 */
export function resolveHostAllocator(
  setting: string,
  exists: (path: string) => boolean = existsSync,
): { library?: string } | { problem: string } {
  if (setting === 'system') return {};
  if (setting === 'jemalloc') {
    const library = JEMALLOC_PATHS.find((p) => exists(p));
    return library
      ? { library }
      : {
          problem: `jemalloc is not installed (Debian, Ubuntu: apt-get install libjemalloc2); looked for ${JEMALLOC_PATHS.join(', ')}`,
        };
  }
  if (!isAbsolute(setting))
    return { problem: `must be system, jemalloc or the absolute path of a malloc library, got "${setting}"` };
  if (setting.includes(':') || /\s/.test(setting))
    return { problem: `must be one library path, got "${setting}"` };
  if (!exists(setting)) return { problem: `no such file: ${setting}` };
  return { library: setting };
}

/**
 * The environment of a process that preloads `library` (`LD_PRELOAD` ahead of any already set), or `undefined`
 * (inherit the parent's unchanged) without one.
 */
export function preloadEnv(
  library: string | undefined,
  env: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv | undefined {
  if (!library) return undefined;
  const others = (env.LD_PRELOAD ?? '').split(/[:\s]+/).filter((p) => p && p !== library);
  return { ...env, LD_PRELOAD: [library, ...others].join(':') };
}
