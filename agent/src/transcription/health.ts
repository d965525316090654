import type {
  RecognizerStatsReport,
  TranscriptionState,
  TranscriptionStatus,
} from '@interview-helper/protocol';
import type { RecognizerStats } from './recognizer-service.js';

/** Options of {@link TranscriptionHealth}. */
export interface TranscriptionHealthOptions {
  /** Engine and model, as reported (`local:whisper-base`). */
  engine: string;
  /** How long after the last "queue full" answer the transcript still counts as delayed. */
  busyHoldMs: number;
  /** Reads of the recognizer's stats failing in a row before it counts as unreachable (one slow read is not). */
  unreachableAfter: number;
}

const defaultOptions: Omit<TranscriptionHealthOptions, 'engine'> = {
  busyHoldMs: 15_000,
  unreachableAfter: 2,
};

/** The fields of the recognizer's `GET /stats` the session reports. */
export function recognizerReport(s: RecognizerStats, at: number): RecognizerStatsReport {
  return {
    at,
    queueDepth: s.queueDepth,
    maxQueue: s.maxQueue,
    maxQueueDepthSeen: s.maxQueueDepthSeen,
    inFlight: s.inFlight,
    rssBytes: s.rssBytes,
    peakRssBytes: s.peakRssBytes,
    requests: {
      ok: s.requests.ok,
      rejected: s.requests.rejected,
      expired: s.requests.expired,
      failed: s.requests.failed,
    },
    ...(s.fallback
      ? { fallback: { model: s.fallback.model, ok: s.fallback.ok, audioSeconds: s.fallback.audioSeconds } }
      : {}),
  };
}

/**
 * Whether a session's transcript keeps up, for its `stats` message. Fed by the transcribers (refused attempts,
 * finished segments) and by reads of the shared recognizer's stats. `delayed` (recognizer busy): an attempt was
 * refused with "queue full" in the last `busyHoldMs`, or the recognizer's queue is full now. `interrupted`
 * (recognizer unreachable): its stats could not be read `unreachableAfter` times in a row, or the latest segment failed for another reason than a
 * full queue. Otherwise `ok`.
 */
export class TranscriptionHealth {
  #o: TranscriptionHealthOptions;
  #ok = 0;
  #failed = 0;
  #refused = 0;
  #lastRefusedAt = Number.NEGATIVE_INFINITY;
  #lastSegmentFailedHard = false;
  #failedReads = 0;
  #recognizer?: RecognizerStatsReport;
  #state: TranscriptionState = 'ok';
  #since: number;

  constructor(opts: Partial<TranscriptionHealthOptions> & { engine: string }, now = Date.now()) {
    this.#o = { ...defaultOptions, ...opts };
    this.#since = now;
  }

  /** An attempt was refused because the recognizer's queue is full (it is retried). */
  refused(at = Date.now()): void {
    this.#refused++;
    this.#lastRefusedAt = at;
  }

  /**
   * A segment was stored. A failed one whose `error` names a full queue (the recognizer's, or the transcriber's
   * own backlog) counts as busy; any other failure as unreachable until a segment is stored `ok` again.
   */
  segment(status: 'ok' | 'failed', error?: string, at = Date.now()): void {
    if (status === 'ok') {
      this.#ok++;
      this.#lastSegmentFailedHard = false;
      return;
    }
    this.#failed++;
    const busy = /queue full/i.test(error ?? '');
    if (busy) this.#lastRefusedAt = at;
    this.#lastSegmentFailedHard = !busy;
  }

  /** The recognizer's stats were read (`stats`), or could not be (`undefined`: no answer in time). */
  recognizer(stats: RecognizerStats | undefined, at = Date.now()): void {
    this.#failedReads = stats ? 0 : this.#failedReads + 1;
    if (stats) this.#recognizer = recognizerReport(stats, at);
  }

  /** The status to report now. */
  status(now = Date.now()): TranscriptionStatus {
    const full = this.#recognizer ? this.#recognizer.queueDepth >= this.#recognizer.maxQueue : false;
    const busy = full || now - this.#lastRefusedAt < this.#o.busyHoldMs;
    const state: TranscriptionState =
      this.#failedReads >= this.#o.unreachableAfter || this.#lastSegmentFailedHard
        ? 'interrupted'
        : busy
          ? 'delayed'
          : 'ok';
    if (state !== this.#state) {
      this.#state = state;
      this.#since = now;
    }
    return {
      engine: this.#o.engine,
      state,
      ...(state === 'delayed' ? { reason: 'recognizer-busy' as const } : {}),
      ...(state === 'interrupted' ? { reason: 'recognizer-unreachable' as const } : {}),
      since: this.#since,
      segments: { ok: this.#ok, failed: this.#failed, refused: this.#refused },
      ...(this.#recognizer ? { recognizer: this.#recognizer } : {}),
    };
  }
}
