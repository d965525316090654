/** Admission settings of the worker, from the environment (`AGENT_CPU_*`, `AGENT_LAG_LIMIT_MS`, …). */
export interface AdmissionSettings {
  /** Share of the cores the worker's process tree may use before it declines rooms. */
  cpuLimit: number;
  /** Cores the worker may use (default: the machine's). */
  cores?: number;
  /** Analysis lag (ms behind real time) at which the worker declines rooms. */
  lagLimitMs: number;
  /** Job processes kept started and initialised, ready for the next rooms. */
  idleProcesses: number;
  /** Longest start of a job process before it is killed and started again, ms. */
  initializeTimeoutMs: number;
}

/** V8's flag for the largest semi-space of the young generation (dashes or underscores). */
export const SEMI_SPACE_FLAG = /--max[-_]semi[-_]space[-_]size/;
