import type { JobRequest } from '@livekit/agents';
import { logger } from '../log.js';
import type { CapacityLimit, LoadModel, LoadState } from './load-model.js';

/** The part of the agents framework's worker the admission reads: the jobs its processes run. */
export interface WorkerJobs {
  activeJobs: readonly { job: { id: string } }[];
}

/** The analysis lag one job process last reported (see `AnalysisLag.sustainedMs`). */
export interface JobLag {
  jobId: string;
  lagMs: number;
}

/**
 * Where the admission reads the analysis lag of the worker's job processes: the worker's metrics aggregator, fed
 * by each job's metrics push. It lists only fresh reports (a job that stopped pushing drops out).
 */
export interface JobLagSource {
  jobLags(): readonly JobLag[];
}

/** The part of a job request the admission answers. */
export type AdmissionRequest = Pick<JobRequest, 'id' | 'room' | 'accept' | 'reject'>;

/** Options of a {@link WorkerAdmission}. */
export interface WorkerAdmissionOptions {
  model: LoadModel;
  /** Cores used by the worker's process tree since the previous call (see `ProcessTreeCpu`). */
  cpuCores: () => number;
  /**
   * The analysis lag its job processes report; the worst of those running a job of this worker counts (a process
   * that exited stops counting at once, even before its last report goes stale).
   */
  lags: JobLagSource;
  /**
   * Longest an accepted job holds its slot while it is not yet running: after the answer comes livekit-server's
   * assignment, then a ready job process (several process starts in a row on a busy host). Past it the slot is
   * freed (the assignment never came).
   */
  reservationMs: number;
  /**
   * Once the admission follows the worker's job launches ({@link WorkerAdmission.followLaunches}): an accepted job
   * whose launch has not begun this long after the answer was never assigned (livekit-server assigns within the
   * framework's 7.5-s assignment timeout or not at all), and its slot is freed.
   */
  assignmentMs: number;
  now: () => number;
}

export const defaultWorkerAdmissionOptions = {
  reservationMs: 180_000,
  assignmentMs: 10_000,
  now: Date.now,
} satisfies Partial<WorkerAdmissionOptions>;

/** A slot held for an accepted job that is not running yet. */
interface Reservation {
  at: number;
  room: string;
  /** Its assignment came: a process is being given the job. */
  launched: boolean;
}

/** How the admission is told of launches: gives the listener to the framework hook, resolves whether it took. */
export type LaunchWatch = (listener: (jobId: string, launch: Promise<void>) => void) => Promise<boolean>;

/** What the worker decided about one job request. */
export interface AdmissionDecision {
  jobId: string;
  room: string;
  accepted: boolean;
  /** The limits that refused it (empty when accepted). */
  refusedBy: CapacityLimit[];
  state: LoadState;
}

/**
 * Admission of a worker: its `loadFunc` measures the worker (CPU of its process tree, analysis lag of its
 * rooms, jobs) and reports the load livekit-server balances on; its `requestFunc` answers each job offer from
 * a fresh count, so a worker at capacity declines and livekit-server offers the room to another worker (it
 * retries every available worker before giving up). Jobs accepted but not yet running count against the slots,
 * so a burst of offers within one load report cannot overfill the worker.
 */
export class WorkerAdmission {
  #o: WorkerAdmissionOptions;
  /** The worker, as the first load measurement handed it: its running jobs are read live. */
  #worker?: WorkerJobs;
  #reserved = new Map<string, Reservation>();
  #followsLaunches = false;
  #cpuCores = 0;
  #log = logger('admission');
  #decisions: ((d: AdmissionDecision) => void)[] = [];

  constructor(
    opts: Pick<WorkerAdmissionOptions, 'model' | 'cpuCores' | 'lags'> & Partial<WorkerAdmissionOptions>,
  ) {
    this.#o = { ...defaultWorkerAdmissionOptions, ...opts };
  }

  /** Calls `listener` with every decision (tests, metrics). */
  onDecision(listener: (d: AdmissionDecision) => void): void {
    this.#decisions.push(listener);
  }

  /** Jobs counted against the slots: running, or accepted and still starting. */
  get jobs(): number {
    const now = this.#o.now();
    const running = new Set(this.#worker?.activeJobs.map((j) => j.job.id));
    for (const [id, r] of this.#reserved) {
      const age = now - r.at;
      if (running.has(id) || age > this.#o.reservationMs) this.#reserved.delete(id);
      else if (this.#followsLaunches && !r.launched && age > this.#o.assignmentMs) {
        this.#reserved.delete(id);
        this.#log.warn(
          { jobId: id, room: r.room, waitedMs: age },
          'accepted job was never assigned by livekit-server: its slot is free again',
        );
      }
    }
    return running.size + this.#reserved.size;
  }

  /**
   * Follows the worker's job launches through `watch` (`watchJobLaunches`), so that the slot of an accepted job
   * whose assignment never comes is freed after `assignmentMs` instead of `reservationMs`. Resolves whether the
   * launches are followed.
   */
  async followLaunches(watch: LaunchWatch): Promise<boolean> {
    this.#followsLaunches = await watch((jobId, launch) => {
      const r = this.#reserved.get(jobId);
      if (!r) return;
      r.launched = true;
      // running by then (counted as such), or its launch failed: either way the reservation has done its work
      const done = () => {
        if (this.#reserved.get(jobId) === r) this.#reserved.delete(jobId);
      };
      launch.then(done, done);
    });
    return this.#followsLaunches;
  }

  /** The worst analysis lag of the running jobs now, ms, and how many of them report it. */
  #lag(): { lagMs: number; reports: number } {
    const running = new Set(this.#worker?.activeJobs.map((j) => j.job.id));
    const lags = this.#o.lags.jobLags().filter((l) => running.has(l.jobId));
    return { lagMs: lags.reduce((max, l) => Math.max(max, l.lagMs), 0), reports: lags.length };
  }

  /** The capacity now, from the last measurement of CPU and the current jobs and lag. */
  state(): LoadState {
    return this.#o.model.state({ jobs: this.jobs, cpuCores: this.#cpuCores, lagMs: this.#lag().lagMs });
  }

  /** The agents framework's `loadFunc`: measures the worker, returns the load to report. */
  readonly loadFunc = async (worker: WorkerJobs): Promise<number> => {
    this.#worker = worker;
    this.#cpuCores = this.#o.cpuCores();
    return this.state().reported;
  };

  /** The agents framework's `requestFunc`: accepts a job that fits, declines one that does not. */
  readonly requestFunc = async (req: AdmissionRequest): Promise<void> => {
    const jobs = this.jobs;
    const lag = this.#lag();
    const sample = { jobs, cpuCores: this.#cpuCores, lagMs: lag.lagMs };
    const refusedBy = this.#o.model.refuses(sample);
    const state = this.#o.model.state(sample);
    const decision: AdmissionDecision = {
      jobId: req.id,
      room: req.room?.name ?? '',
      accepted: refusedBy.length === 0,
      refusedBy,
      state,
    };
    const fields = {
      jobId: decision.jobId,
      room: decision.room,
      jobs,
      cpuCores: Number(sample.cpuCores.toFixed(2)),
      lagMs: Math.round(sample.lagMs),
      lagReports: lag.reports,
    };
    for (const listener of this.#decisions) listener(decision);
    if (!decision.accepted) {
      this.#log.info({ ...fields, refusedBy }, 'job declined: worker at capacity');
      await req.reject();
      return;
    }
    // held before the first await: offers arriving meanwhile see the slot taken. The framework's `accept()` only
    // sends the answer (it does not wait for livekit-server's assignment nor for a process to take the job), so
    // the reservation stays until the job is among the running ones or `reservationMs` has passed, or its launch
    // has not begun after `assignmentMs` (see `jobs`, `followLaunches`).
    this.#reserved.set(req.id, { at: this.#o.now(), room: decision.room, launched: false });
    this.#log.info(fields, 'job accepted');
    try {
      await req.accept();
    } catch (err) {
      this.#reserved.delete(req.id);
      throw err;
    }
  };
}
