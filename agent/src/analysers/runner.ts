import { logger } from '../log.js';
import { CandidateActivity } from './activity.js';
import type {
  Analyser,
  AnalyserContext,
  AnalyserFactory,
  MediaKind,
  MediaSample,
  SignalDraft,
  TrackInfo,
} from './analyser.js';
import { AUDIO_CHUNK_MS } from './audio-analysis.js';
import { SampleQueue } from './sample-queue.js';
import { checkDraft } from './validate.js';

/** Health and throughput of one analyser over the session (all tracks). */
export interface AnalyserStatus {
  name: string;
  media: MediaKind;
  status: 'waiting' | 'running' | 'failed' | 'stopped';
  error?: string;
  framesIn: number;
  framesDropped: number;
  signalsOut: number;
  /** Signals dropped because they did not match the signal catalogue (never sent). */
  signalsInvalid: number;
}

/** One sample an analyser finished, as an {@link AnalyserProbe} sees it. */
export interface ProcessedSample {
  analyser: string;
  media: MediaKind;
  trackSid: string;
  /** Wall time from handing the sample over until the analyser asked for the next one. */
  ms: number;
  /** Now − the sample's arrival: how far behind real time the analyser is. */
  lagMs: number;
  /** Samples still waiting in its queue, and dropped from it so far on this track. */
  queued: number;
  dropped: number;
}

/** Watches the analysers' work (processing time, queue, lag), e.g. for the worker's metrics. */
export interface AnalyserProbe {
  processed(sample: ProcessedSample): void;
}

/** Options of an {@link AnalyserRunner}. */
export interface AnalyserRunnerOptions {
  sessionId: string;
  factories: AnalyserFactory[];
  /** Called for every signal an analyser yields. Must not throw; errors are logged. */
  onSignal: (draft: SignalDraft, analyser: Analyser, track: TrackInfo) => void;
  /** Queue bound per analyser for audio chunks ({@link AUDIO_CHUNK_MS} each); older chunks are dropped past it. */
  audioQueueCapacity: number;
  /** Queue bound per analyser for video frames; 1 keeps only the latest frame. */
  videoQueueCapacity: number;
  now: () => number;
  /** The session's candidate activity, handed to every analyser (a fresh one when not given). */
  activity?: CandidateActivity;
  /** Told of every sample an analyser finished. */
  probe?: AnalyserProbe;
}

export const defaultAnalyserRunnerOptions = {
  // 5 s of audio
  audioQueueCapacity: Math.ceil(5000 / AUDIO_CHUNK_MS),
  videoQueueCapacity: 1,
  now: Date.now,
} satisfies Partial<AnalyserRunnerOptions>;

/**
 * A dropped audio chunk's voice-activity events and answer boundaries move to the next chunk, so an
 * analyser that fell behind loses audio, never a speech start or end (its pitch estimates go with it).
 */
function carryAnalysis(
  dropped: MediaSample<MediaKind>,
  next: MediaSample<MediaKind>,
): MediaSample<MediaKind> {
  const d = 'frame' in dropped ? dropped.analysis : undefined;
  if (!d || !('frame' in next) || !next.analysis) return next;
  if (d.speech.length === 0 && d.answers.length === 0) return next;
  return {
    ...next,
    analysis: {
      ...next.analysis,
      speech: [...d.speech, ...next.analysis.speech],
      answers: [...d.answers, ...next.analysis.answers],
    },
  };
}

interface Running {
  analyser: Analyser;
  queue: SampleQueue<MediaSample<MediaKind>>;
  done: Promise<void>;
}

/** The analysers running on one track; feed it samples, close it when the track ends. */
export class TrackRun<M extends MediaKind = MediaKind> {
  #running: Running[];
  #abort: AbortController;

  /** @internal */
  constructor(running: Running[], abort: AbortController) {
    this.#running = running;
    this.#abort = abort;
  }

  /** Hands one sample to every analyser still running on this track. */
  push(sample: MediaSample<M>): void {
    for (const r of this.#running) r.queue.push(sample);
  }

  /** Ends the samples of every analyser and waits for them to finish. */
  async close(): Promise<void> {
    for (const r of this.#running) r.queue.close();
    this.#abort.abort();
    await Promise.all(this.#running.map((r) => r.done));
  }
}

/**
 * Runs the registered analysers side by side on the candidate's tracks. Each analyser gets its
 * own bounded queue of samples; an analyser that throws is marked failed and stopped while the
 * others go on.
 */
export class AnalyserRunner {
  #opts: AnalyserRunnerOptions;
  #status = new Map<string, AnalyserStatus>();
  #logger = logger('analysers');
  #activity: CandidateActivity;

  constructor(
    opts: Pick<AnalyserRunnerOptions, 'sessionId' | 'factories' | 'onSignal'> &
      Partial<AnalyserRunnerOptions>,
  ) {
    this.#opts = { ...defaultAnalyserRunnerOptions, ...opts };
    this.#activity = this.#opts.activity ?? new CandidateActivity();
    for (const factory of this.#opts.factories) {
      const probe = factory();
      this.#status.set(probe.name, {
        name: probe.name,
        media: probe.media,
        status: 'waiting',
        framesIn: 0,
        framesDropped: 0,
        signalsOut: 0,
        signalsInvalid: 0,
      });
    }
  }

  #statusOf(analyser: Analyser): AnalyserStatus {
    let status = this.#status.get(analyser.name);
    if (!status) {
      status = {
        name: analyser.name,
        media: analyser.media,
        status: 'waiting',
        framesIn: 0,
        framesDropped: 0,
        signalsOut: 0,
        signalsInvalid: 0,
      };
      this.#status.set(analyser.name, status);
    }
    return status;
  }

  /** Status of every analyser registered or started, in that order. */
  stats(): AnalyserStatus[] {
    return [...this.#status.values()].map((s) => ({ ...s }));
  }

  /**
   * Starts every analyser of `track.media` on a new track: those of `factories` when given (a candidate with
   * accommodations runs fewer or lighter analysers), the registered ones otherwise.
   */
  start<M extends MediaKind>(
    track: TrackInfo & { media: M },
    factories: readonly AnalyserFactory[] = this.#opts.factories,
  ): TrackRun<M> {
    const abort = new AbortController();
    const running: Running[] = [];
    for (const factory of factories) {
      const analyser = factory();
      if (analyser.media !== track.media) continue;
      const status = this.#statusOf(analyser);
      if (status.status === 'failed') continue;
      const queue = new SampleQueue<MediaSample<MediaKind>>(
        track.media === 'audio'
          ? { capacity: this.#opts.audioQueueCapacity, carry: carryAnalysis }
          : { capacity: this.#opts.videoQueueCapacity },
      );
      status.status = 'running';
      const ctx: AnalyserContext = {
        sessionId: this.#opts.sessionId,
        track,
        signal: abort.signal,
        now: this.#opts.now,
        activity: this.#activity,
      };
      running.push({ analyser, queue, done: this.#drive(analyser, queue, ctx, status) });
    }
    return new TrackRun<M>(running, abort);
  }

  async #drive(
    analyser: Analyser,
    queue: SampleQueue<MediaSample<MediaKind>>,
    ctx: AnalyserContext,
    status: AnalyserStatus,
  ): Promise<void> {
    const counted = this.#counting(queue, status, analyser, ctx.track.trackSid);
    try {
      for await (const draft of analyser.analyse(counted, ctx)) {
        const problem = checkDraft(draft, analyser.emits);
        if (problem) {
          status.signalsInvalid++;
          this.#logger.warn({ analyser: analyser.name, ...problem }, 'invalid signal dropped');
          continue;
        }
        status.signalsOut++;
        try {
          this.#opts.onSignal(draft, analyser, ctx.track);
        } catch (err) {
          this.#logger.error({ err, analyser: analyser.name }, 'signal handler failed');
        }
      }
      if (status.status === 'running') status.status = 'stopped';
    } catch (err) {
      status.status = 'failed';
      status.error = err instanceof Error ? err.message : String(err);
      this.#logger.error(
        { err, analyser: analyser.name, track: ctx.track.trackSid },
        'analyser failed; others go on',
      );
    } finally {
      queue.close();
      status.framesDropped += queue.dropped;
    }
  }

  async *#counting(
    queue: SampleQueue<MediaSample<MediaKind>>,
    status: AnalyserStatus,
    analyser: Analyser,
    trackSid: string,
  ): AsyncIterable<MediaSample<MediaKind>> {
    const probe = this.#opts.probe;
    for await (const sample of queue) {
      status.framesIn++;
      const t0 = performance.now();
      yield sample;
      if (probe) {
        const ms = performance.now() - t0;
        probe.processed({
          analyser: analyser.name,
          media: analyser.media,
          trackSid,
          ms,
          lagMs: Math.max(0, this.#opts.now() - sample.receivedAt),
          queued: queue.size,
          dropped: queue.dropped,
        });
      }
    }
  }
}
