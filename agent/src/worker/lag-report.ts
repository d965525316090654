import { connect, createServer, type Server, type Socket } from 'node:net';
import { z } from 'zod';

/** What a job process reports about its room, about once a second. */
export const lagReportSchema = z.object({
  jobId: z.string().min(1).max(200),
  /** How far behind real time the room's analysis is, ms (see {@link AnalysisLag}). */
  lagMs: z.number().finite().min(0),
});
export type LagReport = z.infer<typeof lagReportSchema>;

/** Options of a {@link LagReportServer}. */
export interface LagReportServerOptions {
  /** A report older than this no longer counts (the process stopped reporting). */
  staleMs: number;
  /**
   * Reports of a process that must all show the lag for it to count: the least of its last `sustained` reports
   * is its lag, so one slow second (a GC pause, a burst of work) does not turn rooms away.
   */
  sustained: number;
  /** Longest line accepted; a connection sending more is closed. */
  maxLineBytes: number;
  now: () => number;
}

export const defaultLagReportServerOptions: LagReportServerOptions = {
  staleMs: 5000,
  sustained: 3,
  maxLineBytes: 1024,
  now: Date.now,
};

/**
 * Collects the analysis lag of the worker's job processes on a loopback TCP port: each job process holds one
 * connection and writes one JSON line per report; its lag counts once its last `sustained` reports all show it. A process that exits closes its connection and stops
 * counting at once; one that stops writing stops counting after `staleMs`. Malformed lines are ignored.
 */
export class LagReportServer {
  #o: LagReportServerOptions;
  #server: Server;
  #latest = new Map<Socket, { jobId: string; lags: number[]; at: number }>();

  constructor(opts: Partial<LagReportServerOptions> = {}) {
    this.#o = { ...defaultLagReportServerOptions, ...opts };
    this.#server = createServer((socket) => this.#accept(socket));
    this.#server.unref();
  }

  /** Listens on 127.0.0.1 (`port` 0: a free one) and resolves the port. */
  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve((this.#server.address() as { port: number }).port);
      });
    });
  }

  #accept(socket: Socket): void {
    socket.unref();
    socket.setEncoding('utf8');
    let buffered = '';
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        this.#line(socket, buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
      }
      if (buffered.length > this.#o.maxLineBytes) socket.destroy();
    });
    const forget = () => this.#latest.delete(socket);
    socket.on('close', forget);
    socket.on('error', forget);
  }

  #line(socket: Socket, line: string): void {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return;
    }
    const parsed = lagReportSchema.safeParse(json);
    if (!parsed.success) return;
    const lags = [...(this.#latest.get(socket)?.lags ?? []), parsed.data.lagMs].slice(-this.#o.sustained);
    this.#latest.set(socket, { jobId: parsed.data.jobId, lags, at: this.#o.now() });
  }

  /** The current lag of each job process, sustained over its last reports (stale ones left out). */
  reports(): LagReport[] {
    const fresh = this.#o.now() - this.#o.staleMs;
    return [...this.#latest.values()]
      .filter((r) => r.at >= fresh)
      .map(({ jobId, lags }) => ({ jobId, lagMs: Math.min(...lags) }));
  }

  /** The worst lag of any job process, ms (0 without reports). */
  lagMs(): number {
    return this.reports().reduce((max, r) => Math.max(max, r.lagMs), 0);
  }

  close(): Promise<void> {
    for (const socket of this.#latest.keys()) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** Options of a {@link LagReporter}. */
export interface LagReporterOptions {
  port: number;
  jobId: string;
  /** Current lag of the job, ms. */
  lagMs: () => number;
  intervalMs: number;
}

/**
 * The job-process side: writes `{ jobId, lagMs }` lines to the worker's {@link LagReportServer} every
 * `intervalMs`. Reporting is best effort: a lost connection is not retried (the worker then sees no lag for
 * this job, as for a job that just started) and never disturbs the job.
 */
export class LagReporter {
  #socket: Socket;
  #timer: NodeJS.Timeout;

  constructor(opts: Pick<LagReporterOptions, 'port' | 'jobId' | 'lagMs'> & Partial<LagReporterOptions>) {
    const o: LagReporterOptions = { intervalMs: 1000, ...opts };
    this.#socket = connect(o.port, '127.0.0.1');
    this.#socket.unref();
    this.#socket.on('error', () => this.close());
    const send = () => {
      if (this.#socket.destroyed) return;
      const lagMs = Math.max(0, Math.round(o.lagMs()));
      this.#socket.write(`${JSON.stringify({ jobId: o.jobId, lagMs })}\n`);
    };
    this.#timer = setInterval(send, o.intervalMs);
    this.#timer.unref();
    this.#socket.once('connect', send);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#socket.destroy();
  }
}
