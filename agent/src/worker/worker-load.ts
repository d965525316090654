import { availableParallelism } from 'node:os';
import { WorkerAdmission } from './admission.js';
import { ProcessTreeCpu } from './cpu-meter.js';
import { LagReportServer } from './lag-report.js';
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

/** A started admission: its options for the worker and the environment its job processes need. */
export interface WorkerLoad {
  admission: WorkerAdmission;
  serverOptions: AdmissionServerOptions;
  /** Variables for the job processes (the lag collector's port). */
  jobEnv: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts the worker's admission: a lag collector on loopback for its job processes, the CPU meter of its process
 * tree (Linux `/proc`; elsewhere CPU is left out and slots and lag decide) and the load model over both and the
 * job slots.
 */
export async function startWorkerLoad(settings: AdmissionSettings, maxJobs: number): Promise<WorkerLoad> {
  const lag = new LagReportServer();
  const port = await lag.listen();
  const tree = ProcessTreeCpu.available() ? new ProcessTreeCpu() : undefined;
  const model = new LoadModel({
    maxJobs,
    cores: settings.cores ?? availableParallelism(),
    cpuLimit: settings.cpuLimit,
    lagLimitMs: settings.lagLimitMs,
  });
  tree?.sample();
  const admission = new WorkerAdmission({
    model,
    cpuCores: () => tree?.sample() ?? 0,
    lagMs: () => lag.lagMs(),
    context: () => ({ lagReports: lag.reports().length }),
  });
  return {
    admission,
    serverOptions: {
      loadFunc: admission.loadFunc,
      requestFunc: admission.requestFunc,
      loadThreshold: model.options.loadThreshold,
      numIdleProcesses: settings.idleProcesses,
      initializeProcessTimeout: settings.initializeTimeoutMs,
    },
    jobEnv: { AGENT_LAG_REPORT_PORT: String(port) },
    close: () => lag.close(),
  };
}
