import { defineConfig } from 'vitest/config';

/** Unit and integration tests of every workspace (no WebRTC; see vitest.e2e.config.ts). */
export default defineConfig({
  test: {
    projects: [
      ...['protocol', 'storage', 'agent', 'token-server', 'web'].map((name) => ({
        extends: true as const,
        test: {
          name,
          root: `./${name}`,
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        },
      })),
      // the replay harness's own checks (file validation, matching); its scenarios run in the e2e suite
      { extends: true as const, test: { name: 'replay', root: './test/replay', include: ['*.test.ts'] } },
      // the benchmarks' pure logic (percentiles, verdicts, /proc parsing); the benchmarks themselves run by hand
      { extends: true as const, test: { name: 'bench', root: './bench', include: ['*.test.ts'] } },
    ],
    // time-outs sized for a 2-core machine shared with other work; no test asserts on its own duration
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
