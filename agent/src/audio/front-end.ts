import { AudioFrame } from '@livekit/rtc-node';
import type { AudioSample } from '../analysers/analyser.js';
import type { AnswerBoundary, AudioAnalysis } from '../analysers/audio-analysis.js';
import { SampleQueue } from '../analysers/sample-queue.js';
import { SessionBus, type Speaker } from '../bus/session-bus.js';
import { logger } from '../log.js';
import { ANALYSIS_RATE, MonoResampler } from './pcm.js';
import { type PitchOptions, type PitchPoint, PitchTracker } from './pitch-track.js';
import type { VoiceActivityModel } from './silero.js';
import { type DetectorEvent, SpeechDetector, type SpeechDetectorOptions } from './speech.js';
import { type AudioLoss, TrackClock, type TrackClockOptions } from './track-clock.js';
import { TurnModel } from './turn-model.js';

/** Options of {@link AudioFrontEnd}. */
export interface AudioFrontEndOptions {
  speaker: Speaker;
  bus: SessionBus;
  /** Silero model ({@link loadSilero}); without it no voice activity is computed. */
  vad?: VoiceActivityModel;
  /** YIN settings of the shared pitch track, or `false` for none (nobody reads an interviewer's pitch). */
  pitch: Partial<PitchOptions> | false;
  /** How the track's wall-clock origin is estimated from the read times ({@link TrackClock}). */
  clock: Partial<TrackClockOptions>;
  /**
   * The speech detector's settings: how long audio may wait for Silero before its voice activity is skipped to
   * catch up (`maxBacklogMs`; the stretch goes on the bus as `audio-lost` with reason `skipped`). Default: never
   * (audio from files may wait); live sessions bound it.
   */
  speech: Partial<SpeechDetectorOptions>;
}

/** Raw decoded audio as a track delivers it (any rate, any channel count). */
export interface RawAudio {
  frame: AudioFrame;
  /** Wall-clock ms at which the chunk was read (never before its audio existed; maybe later). */
  receivedAt: number;
}

const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/**
 * The one audio front end of a participant track: its audio is decoded once (by the caller, into
 * `run`), brought to 16 kHz mono once, run through Silero voice activity once and through the YIN
 * pitch tracker once. Every chunk goes out as an {@link AudioSample} carrying that analysis (to
 * `onSample` and as `audio` events), and voice activity goes on the bus as `speech-start`,
 * `speech-end` and `vad` events in wall-clock time. On a candidate track, the answers of the
 * session's turn model are attached to the chunks too, in the track's audio time.
 *
 * Silero runs behind the audio: its events are attached to the next chunk after they are known,
 * and a last empty chunk carries those found after the audio ended.
 *
 * Wall-clock times are `origin + audio ms`, with the track's origin estimated by a
 * {@link TrackClock} from every chunk's read time, not just the first one's: a first read that came
 * late (chunks queued while the process was busy) moves the origin only until the backlog is read,
 * and audio lost outright (the process not scheduled for longer than its receive queues hold) moves
 * it up from the gap on, with a warning in the log. Events about audio before a gap (voice activity
 * running behind, answers) keep the origin of their own stretch: `analysis.dating` dates them.
 * The track's chunks and events are held back until the origin has settled (`track-start` goes out
 * then, with the settled origin; about a quarter of a second after the first chunk when reads keep
 * up from the start), so the bus does not see a late first guess (unless reads are still catching
 * up when the clock gives up waiting: `maxSettleMs`, then later times may move earlier). Every chunk's
 * {@link AudioAnalysis.dating} is the track's clock: its origin moves by the delivery jitter and the
 * drift it follows, a few ms, so consumers date each event through it, never caching an origin.
 */
export class AudioFrontEnd {
  #o: AudioFrontEndOptions;
  #log = logger('audio-front-end');

  constructor(opts: Pick<AudioFrontEndOptions, 'speaker' | 'bus'> & Partial<AudioFrontEndOptions>) {
    this.#o = { pitch: {}, clock: {}, speech: {}, ...opts };
  }

  /** Consumes `input` until it ends, then finishes voice activity and ends the track on the bus. */
  async run(input: AsyncIterable<RawAudio>, onSample?: (s: AudioSample) => void): Promise<void> {
    const { speaker, bus, vad } = this.#o;
    const resampler = new MonoResampler();
    const tracker = this.#o.pitch === false ? undefined : new PitchTracker(this.#o.pitch);
    const toVad = new SampleQueue<AudioFrame>({ capacity: UNBOUNDED });
    const speech: AudioAnalysis['speech'][number][] = [];
    const answers: AnswerBoundary[] = [];
    const clock = new TrackClock(this.#o.clock);
    let origin = Number.NaN;
    let settled = false;
    let ended = false;
    /**
     * Chunks and events waiting for the origin to settle, or for the clock to decide whether reads that all came
     * late mean lost audio (then they are dated after the gap, not before it), in order.
     */
    const held: (() => void)[] = [];
    const holding = () => !ended && (!settled || clock.confirming);
    const drain = () => {
      for (const go of held.splice(0)) go();
    };
    /** Runs `go` now, after what is held, or holds it too. */
    const inTurn = (go: () => void) => {
      if (holding()) held.push(go);
      else {
        drain();
        go();
      }
    };
    let rawMs = 0;
    let firstBound = Number.NaN; // the first chunk's read time minus its audio time
    let samples = 0;
    let lastAt = 0;
    /**
     * Losses not yet on the bus: they go out before the first voice-activity event about audio after them (at once
     * without Silero).
     */
    const losses: AudioLoss[] = [];
    const lossesBefore = (atMs: number) => {
      while (losses.length > 0 && (losses[0] as AudioLoss).atMs <= atMs) {
        const { from, to } = losses.shift() as AudioLoss;
        bus.emit({ type: 'audio-lost', speaker, from: Math.round(from), to: Math.round(to), reason: 'lost' });
      }
    };
    const wall = (ms: number) => Math.round(clock.wallAt(ms));
    const off: (() => void)[] = [];
    if (speaker.role === 'candidate') {
      off.push(
        bus.on('answer-start', (e) => answers.push({ type: 'answer-start', atMs: clock.audioAt(e.at) })),
        bus.on('answer-end', (e) =>
          answers.push({
            type: 'answer-end',
            startMs: clock.audioAt(e.start),
            endMs: clock.audioAt(e.end),
            reason: e.reason,
          }),
        ),
      );
    }
    const emit = (frame: AudioFrame, receivedAt: number, atMs: number, pitch: PitchPoint[]) => {
      const analysis: AudioAnalysis = {
        atMs,
        dating: clock,
        pitch,
        speech: speech.splice(0),
        answers: answers.splice(0),
      };
      const sample: AudioSample = { frame, receivedAt, analysis };
      onSample?.(sample);
      bus.emit({ type: 'audio', speaker, sample });
    };
    let skippedMs = 0;
    const publish = (e: DetectorEvent) =>
      inTurn(() => {
        if (e.type === 'skipped') {
          lossesBefore(e.fromMs);
          skippedMs += e.toMs - e.fromMs;
          this.#log.warn(
            {
              track: speaker.trackSid,
              skippedMs: Math.round(e.toMs - e.fromMs),
              totalSkippedMs: Math.round(skippedMs),
            },
            'voice activity fell too far behind the audio: the waiting audio was skipped to catch up',
          );
          bus.emit({
            type: 'audio-lost',
            speaker,
            from: wall(e.fromMs),
            to: wall(e.toMs),
            reason: 'skipped',
          });
          return;
        }
        lossesBefore(e.type === 'end' ? e.endMs : e.atMs);
        speech.push(e);
        if (e.type === 'start') bus.emit({ type: 'speech-start', speaker, at: wall(e.atMs) });
        else if (e.type === 'end')
          bus.emit({ type: 'speech-end', speaker, start: wall(e.startMs), end: wall(e.endMs) });
        else bus.emit({ type: 'vad', speaker, at: wall(e.atMs), speaking: e.speaking });
      });
    /** The origin has settled: the track starts on the bus, then what was held goes out in order. */
    const release = () => {
      settled = true;
      // How late the first read was: how far a track dated by its first chunk would be off.
      const firstReadLateMs = Math.round(firstBound - origin);
      this.#log.info({ track: speaker.trackSid, firstReadLateMs }, 'audio track origin settled');
      bus.emit({ type: 'track-start', speaker, at: Math.round(origin) });
      if (!holding()) drain();
    };
    const detecting = (async () => {
      if (!vad) return;
      const detector = new SpeechDetector(vad, this.#o.speech);
      for await (const e of detector.run(toVad)) publish(e);
    })().catch((err) => this.#log.error({ err, track: speaker.trackSid }, 'voice activity failed'));
    try {
      for await (const { frame, receivedAt } of input) {
        rawMs += (frame.samplesPerChannel / frame.sampleRate) * 1000;
        origin = clock.observe(receivedAt, rawMs);
        for (const loss of clock.takeLosses()) {
          this.#log.warn(
            {
              track: speaker.trackSid,
              lostMs: Math.round(loss.to - loss.from),
              totalLostMs: Math.round(clock.lostMs),
            },
            'audio of the track was lost (the process fell behind its receive queues); later audio is dated after the gap',
          );
          losses.push(loss);
          if (!vad) lossesBefore(Number.POSITIVE_INFINITY); // no voice activity to keep in order with
        }
        if (Number.isNaN(firstBound)) firstBound = origin;
        lastAt = receivedAt;
        for (const f of resampler.push(frame)) {
          const atMs = (samples / ANALYSIS_RATE) * 1000;
          samples += f.samplesPerChannel;
          if (vad) toVad.push(f);
          const pitch = tracker?.push(f.data) ?? [];
          inTurn(() => emit(f, receivedAt, atMs, pitch));
        }
        if (!settled && clock.settled) release();
        else if (!holding()) drain();
      }
    } finally {
      toVad.close();
      resampler.close();
      const started = !Number.isNaN(origin);
      ended = true;
      if (started && !settled) release();
      drain();
      await detecting;
      lossesBefore(Number.POSITIVE_INFINITY);
      if (started)
        emit(
          new AudioFrame(new Int16Array(0), ANALYSIS_RATE, 1, 0),
          lastAt,
          (samples / ANALYSIS_RATE) * 1000,
          [],
        );
      for (const o of off) o();
      if (started) bus.emit({ type: 'track-end', speaker });
    }
  }
}

/** Options of {@link analysedAudio}. */
export interface AnalysedAudioOptions {
  /** Silero model for voice activity (none without it). */
  vad?: VoiceActivityModel;
  /** Run a candidate-only turn model so chunks carry answers. */
  answers: boolean;
  pitch: Partial<PitchOptions>;
}

/**
 * The samples with the front end's analysis: passed through when they already carry it (inside a
 * session), otherwise analysed here by a private front end on a private bus (an analyser fed raw
 * audio: files, benches, unit tests), with a candidate-only turn model when `answers` is set.
 */
export async function* analysedAudio(
  samples: AsyncIterable<AudioSample>,
  opts: Partial<AnalysedAudioOptions> = {},
): AsyncGenerator<AudioSample> {
  const it = samples[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const rest: AsyncIterable<AudioSample> = {
    [Symbol.asyncIterator]: () => ({
      next: () => it.next(),
      return: async () => (await it.return?.()) ?? { done: true, value: undefined },
    }),
  };
  if (first.value.analysis) {
    yield first.value;
    yield* rest;
    return;
  }
  const bus = new SessionBus();
  const turns = opts.answers ? new TurnModel({ bus, emit: () => {} }) : undefined;
  const out = new SampleQueue<AudioSample>({ capacity: UNBOUNDED });
  const frontEnd = new AudioFrontEnd({
    speaker: { identity: 'candidate', role: 'candidate', trackSid: 'local' },
    bus,
    ...(opts.vad ? { vad: opts.vad } : {}),
    pitch: opts.pitch ?? {},
  });
  async function* all(): AsyncIterable<AudioSample> {
    yield first.value as AudioSample;
    yield* rest;
  }
  const running = frontEnd
    .run(all(), (s) => out.push(s))
    .finally(() => {
      turns?.close();
      out.close();
    });
  try {
    yield* out;
  } finally {
    await running;
  }
}
