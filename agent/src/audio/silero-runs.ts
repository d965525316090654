import * as ort from 'onnxruntime-node';
import { ANALYSIS_RATE } from './pcm.js';

/** Samples of one model input: the previous window's last 64 samples, then the 512-sample window. */
export const SILERO_INPUT = 64 + 512;
/** Floats of one stream's recurrent state (2 × 128). */
export const SILERO_STATE = 2 * 128;

/** What {@link SileroRuns} needs of a model session (an onnxruntime `InferenceSession`). */
export type SileroSession = Pick<ort.InferenceSession, 'run'>;

/** Options of {@link SileroRuns}. */
export interface SileroRunsOptions {
  /**
   * Longest a window waits for the windows of other streams to run with it, ms. A window runs at once when every
   * open stream has one waiting, or when any waiting stream has more audio queued behind it (it is behind).
   */
  gatherMs: number;
  /** Most windows in one model run. */
  maxBatch: number;
}

/** Defaults of {@link SileroRunsOptions}: one window's duration (32 ms), 32 windows. */
export const defaultSileroRunsOptions: SileroRunsOptions = { gatherMs: 32, maxBatch: 32 };

interface Request {
  input: Float32Array;
  state: Float32Array;
  behind: boolean;
  /** When it was given (`performance.now()`). */
  since: number;
  resolve: (p: number) => void;
  reject: (err: unknown) => void;
}

/**
 * Runs the Silero windows of all open streams of one session together, one row per stream: a run of 8 windows
 * costs about half the CPU per window of 8 runs of one (the model is small; a run's fixed cost dominates), and each
 * row's result is the same, bit for bit, as a run of its window alone. A window waits at most `gatherMs` for the
 * others (each stream gives one every 32 ms); it does not wait when every open stream has given one, or when its
 * stream has more queued (a backlog is scored as fast as before). Runs never overlap.
 */
export class SileroRuns {
  #session: SileroSession;
  #o: SileroRunsOptions;
  #rate = new ort.Tensor('int64', BigInt64Array.from([BigInt(ANALYSIS_RATE)]));
  #open = 0;
  #pending: Request[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #runs = 0;
  #windows = 0;

  constructor(session: SileroSession, opts: Partial<SileroRunsOptions> = {}) {
    this.#session = session;
    this.#o = { ...defaultSileroRunsOptions, ...opts };
  }

  /** Counts a stream as open (one whose windows are waited for) until the returned function is called. */
  open(): () => void {
    this.#open++;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.#open--;
      this.#consider();
    };
  }

  /** Model runs so far and the windows they scored. */
  get stats(): { runs: number; windows: number } {
    return { runs: this.#runs, windows: this.#windows };
  }

  /**
   * Scores one window: `input` is {@link SILERO_INPUT} samples, `state` the stream's {@link SILERO_STATE} floats,
   * updated in place when the result comes. Neither may change until then. `behind`: more of this stream's audio
   * waits, so the window should not wait for others.
   */
  score(input: Float32Array, state: Float32Array, behind: boolean): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#pending.push({ input, state, behind, since: performance.now(), resolve, reject });
      this.#consider();
    });
  }

  /**
   * Runs what waits if it should run now (every open stream gave a window, one is behind, or the oldest has waited
   * `gatherMs`), else makes sure it is looked at again when the oldest has waited `gatherMs`. A run in progress
   * defers everything to its end, which looks again: a window whose time came during a run goes in the next one.
   */
  #consider(): void {
    if (this.#running || this.#pending.length === 0) return;
    const all = this.#pending.length >= Math.min(this.#open, this.#o.maxBatch);
    const waited = performance.now() - (this.#pending[0] as Request).since;
    if (all || waited >= this.#o.gatherMs || this.#pending.some((r) => r.behind)) {
      void this.#run();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#consider();
    }, this.#o.gatherMs - waited);
  }

  async #run(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending.splice(0, this.#o.maxBatch);
    this.#running = true;
    const n = batch.length;
    try {
      const input = new Float32Array(n * SILERO_INPUT);
      const state = new Float32Array(n * SILERO_STATE);
      const half = SILERO_STATE / 2;
      batch.forEach((r, b) => {
        input.set(r.input, b * SILERO_INPUT);
        // state is [2, batch, 128]: each stream's two layers go to rows b and n + b
        state.set(r.state.subarray(0, half), b * half);
        state.set(r.state.subarray(half), (n + b) * half);
      });
      const out = await this.#session.run({
        input: new ort.Tensor('float32', input, [n, SILERO_INPUT]),
        state: new ort.Tensor('float32', state, [2, n, half]),
        sr: this.#rate,
      });
      const next = out.stateN?.data;
      const scores = out.output?.data;
      if (!(next instanceof Float32Array) || !(scores instanceof Float32Array))
        throw new Error('the Silero model answered without its `output` and `stateN` tensors');
      if (scores.length !== n || next.length !== n * SILERO_STATE)
        throw new Error(`the Silero model answered ${scores.length} scores for ${n} windows`);
      this.#runs++;
      this.#windows += n;
      batch.forEach((r, b) => {
        r.state.set(next.subarray(b * half, (b + 1) * half), 0);
        r.state.set(next.subarray((n + b) * half, (n + b + 1) * half), half);
        r.resolve(scores[b] as number);
      });
    } catch (err) {
      for (const r of batch) r.reject(err);
    } finally {
      this.#running = false;
      // after the streams just answered have given their next windows (they do so in microtasks)
      setImmediate(() => this.#consider());
    }
  }
}
