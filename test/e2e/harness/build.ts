import { spawnSync } from 'node:child_process';
import { repoRoot } from './processes.js';

/**
 * Global setup of the e2e suite: compiles the workspaces (`npm run build`: protocol, storage, agent, token server →
 * dist/), so that the stacks run the JavaScript `npm start` and the Docker images run. `E2E_SKIP_BUILD=1` reuses
 * the dist/ already built.
 */
export default function setup(): void {
  if (process.env.E2E_SKIP_BUILD === '1') return;
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run build failed (exit ${result.status ?? result.signal})`);
}
