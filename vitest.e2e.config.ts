import { defineConfig } from 'vitest/config';

/**
 * End-to-end tests against a real livekit-server, the token server and the agent worker.
 * Run through `npm run test:e2e`, which places them in a private network namespace.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    // the stacks run the compiled agent and token server, as `npm start` does
    globalSetup: ['test/e2e/harness/build.ts'],
    env: { STACK_RUNTIME: 'compiled' },
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['verbose'],
  },
});
