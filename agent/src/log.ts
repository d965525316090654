import { initializeLogger, log } from '@livekit/agents';

type Logger = ReturnType<typeof log>;

/**
 * The agents framework's logger, child-scoped to `component`. Outside a worker (tests, scripts)
 * the framework has not set it up yet, so it is initialised here with JSON output.
 */
export function logger(component: string): Logger {
  let root: Logger;
  try {
    root = log();
  } catch {
    initializeLogger({ pretty: false, level: process.env.LOG_LEVEL ?? 'info' });
    root = log();
  }
  return root.child({ component });
}
