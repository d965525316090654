/** Timers, replaceable by a fake clock in tests. */
export interface SupervisorTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link AgentSupervisor}. */
export interface AgentSupervisorOptions {
  /** Time an agent gets to arrive after a room starts or after a dispatch (default 12 s). */
  arrivalTimeoutMs: number;
  /**
   * How old a dispatch must be before the supervisor judges whether a worker took it (default 7 s; 0: never): one
   * nobody took is made again at once instead of at the end of the wait. Once per wait, so the attempts and the
   * time before "analysis unavailable" stay as they were. Not younger: livekit-server lists a dispatch's job only
   * once its worker discovery has ended (up to 5 s when its cache is stale), even when a worker took the job at
   * once. The room's own dispatch (from the token) is made when the room starts, which may be seconds after the
   * token was issued: it is judged by its own age, and the first wait ends no earlier than `arrivalTimeoutMs`
   * after it was made.
   */
  takenCheckMs: number;
  /** Dispatches tried before the room is declared without analysis (default 4). */
  maxAttempts: number;
  /** Pause before the retry after an unanswered dispatch, doubled each time (default 1 s). */
  backoffMs: number;
  /** Longest pause between retries (default 8 s). */
  maxBackoffMs: number;
  timers: SupervisorTimers;
  log: (level: 'info' | 'warn', message: string) => void;
}

export const defaultAgentSupervisorOptions: AgentSupervisorOptions = {
  arrivalTimeoutMs: 12_000,
  takenCheckMs: 7_000,
  maxAttempts: 4,
  backoffMs: 1_000,
  maxBackoffMs: 8_000,
  timers: {
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      const t = setTimeout(fn, ms);
      t.unref();
      return t;
    },
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  },
  log: (level, message) => console[level](`token server: ${message}`),
};
