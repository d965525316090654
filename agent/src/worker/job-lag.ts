import type { AnalyserFactory } from '../analysers/analyser.js';
import { AnalysisLag } from './analysis-lag.js';
import { LagReporter } from './lag-report.js';
import type { AdmissionSettings } from './settings.js';

/** The analysis lag of one job, reported to its worker. */
export interface JobLag {
  /** The analysers with their samples' ages measured. */
  wrap(factories: readonly AnalyserFactory[]): AnalyserFactory[];
  close(): void;
}

/**
 * Measures the job's analysis lag ({@link AnalysisLag}) and reports it to the worker's lag collector every
 * second. Without a collector (a job run outside a worker) the analysers are returned unchanged.
 */
export function startJobLag(settings: Pick<AdmissionSettings, 'lagReportPort'>, jobId: string): JobLag {
  const port = settings.lagReportPort;
  if (port === undefined) return { wrap: (f) => [...f], close: () => {} };
  const lag = new AnalysisLag();
  const reporter = new LagReporter({ port, jobId, lagMs: () => lag.lagMs() });
  return {
    wrap: (f) => lag.wrapAll(f),
    close: () => {
      reporter.close();
      lag.close();
    },
  };
}
