import { frameworkPoolPrototype } from './framework-pool.js';

/** Told of each job the worker launches; `launch` settles when a process has taken the job (or failed to). */
export type JobLaunchListener = (jobId: string, launch: Promise<void>) => void;

type LaunchJob = (this: unknown, info: { job: { id: string } }) => Promise<void>;

/**
 * Calls `listener` with every job the agents framework's worker launches: livekit-server's assignment of a job the
 * worker accepted has come, and a process is being given the job. agents-js 1.9 answers a job offer without waiting
 * for the assignment and has no event for it, but its worker calls its process pool's `launchJob` when the
 * assignment comes; that method is wrapped on the pool's prototype (whichever pool runs the jobs: call after
 * `useRoomHosts`, before the worker starts). Returns false, and wraps nothing, when the pool has no such method.
 */
export async function watchJobLaunches(listener: JobLaunchListener): Promise<boolean> {
  const proto = await frameworkPoolPrototype();
  const launchJob = proto?.launchJob;
  if (!proto || typeof launchJob !== 'function') return false;
  proto.launchJob = function (this: unknown, info: { job: { id: string } }): Promise<void> {
    const launch = (launchJob as LaunchJob).call(this, info);
    listener(info.job.id, launch);
    return launch;
  };
  return true;
}
