import { availableParallelism } from 'node:os';
import { type JobLagSource, WorkerAdmission } from './admission.js';
import { ProcessTreeCpu } from './cpu-meter.js';
import { LoadModel } from './load-model.js';
import type { AdmissionSettings } from './settings.js';

/** The parts of the agents framework's `ServerOptions` that decide admission and process start. */
export interface AdmissionServerOptions {
  loadFunc: WorkerAdmission['loadFunc'];
  requestFunc: WorkerAdmission['requestFunc'];
  loadThreshold: number;
  numIdleProcesses: number;
  initializeProcessTimeout: number;
}

/** A started admission and its options for the worker. */
export interface WorkerLoad {
  admission: WorkerAdmission;
  serverOptions: AdmissionServerOptions;
}

/**
 * Starts the worker's admission: the CPU meter of its process tree (Linux `/proc`; elsewhere CPU is left out and
 * slots and lag decide), the analysis lag its job processes push with their metrics (`lags`: the worker's
 * metrics aggregator) and the load model over both and the job slots.
 */
export function startWorkerLoad(
  settings: AdmissionSettings,
  maxJobs: number,
  lags: JobLagSource,
): WorkerLoad {
  const tree = ProcessTreeCpu.available() ? new ProcessTreeCpu() : undefined;
  const model = new LoadModel({
    maxJobs,
    cores: settings.cores ?? availableParallelism(),
    cpuLimit: settings.cpuLimit,
    lagLimitMs: settings.lagLimitMs,
  });
  tree?.sample();
  const admission = new WorkerAdmission({ model, cpuCores: () => tree?.sample() ?? 0, lags });
  return {
    admission,
    serverOptions: {
      loadFunc: admission.loadFunc,
      requestFunc: admission.requestFunc,
      loadThreshold: model.options.loadThreshold,
      numIdleProcesses: settings.idleProcesses,
      initializeProcessTimeout: settings.initializeTimeoutMs,
    },
  };
}
