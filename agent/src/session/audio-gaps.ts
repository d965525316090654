import { AUDIO_GAP_WORDS, type AudioGapReason, type Role, type SignalKind } from '@interview-helper/protocol';
import type { SessionEventOf } from '../bus/session-bus.js';
import { logger } from '../log.js';
import type { SessionContext, SessionExtension } from './extension.js';

/** Options of {@link AudioGapExtension}. */
export interface AudioGapOptions {
  /**
   * At most one `audio-gap` signal per speaker role and reason in this time, ms: the first stretch goes out at
   * once, later ones within the time are merged into one signal at its end.
   */
  reportEveryMs: number;
  /** Wall clock (tests). */
  now: () => number;
}

/** Defaults of {@link AudioGapOptions}. */
export const defaultAudioGapOptions: AudioGapOptions = { reportEveryMs: 10_000, now: () => Date.now() };

/** Stretches not yet reported, merged. */
interface Pending {
  from: number;
  to: number;
  ms: number;
  gaps: number;
}

/** One speaker role and reason. */
interface Stream {
  role: Role;
  reason: AudioGapReason;
  totalMs: number;
  sentAt: number;
  pending?: Pending;
  timer?: NodeJS.Timeout;
}

const { whose: WHOSE, why: WHY } = AUDIO_GAP_WORDS;
const secondsOf = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Tells interviewers which audio was not analysed: every `audio-lost` stretch on the session's bus (audio that
 * never reached the agent, or whose voice activity was skipped to catch up) becomes an `audio-gap` signal, so
 * that missing signals of that stretch read as missing rather than as silence. At most one signal per speaker
 * role and reason every `reportEveryMs`: under sustained overload the stretches of that time go out merged, with
 * the running total.
 */
export class AudioGapExtension implements SessionExtension {
  readonly name = 'audio-gaps';
  readonly emits = ['audio-gap'] as const satisfies readonly SignalKind[];
  #o: AudioGapOptions;
  #log = logger('audio-gaps');
  #ctx?: SessionContext;
  #off?: () => void;
  #streams = new Map<string, Stream>();

  constructor(opts: Partial<AudioGapOptions> = {}) {
    this.#o = { ...defaultAudioGapOptions, ...opts };
  }

  start(ctx: SessionContext): void {
    this.#ctx = ctx;
    this.#off = ctx.bus.on('audio-lost', (e) => this.#lost(e));
  }

  close(): void {
    this.#off?.();
    for (const s of this.#streams.values()) {
      clearTimeout(s.timer);
      this.#send(s);
    }
  }

  #lost({ speaker, from, to, reason }: SessionEventOf<'audio-lost'>): void {
    if (!(to > from)) return;
    const key = `${speaker.role}/${reason}`;
    let s = this.#streams.get(key);
    if (!s) {
      s = { role: speaker.role, reason, totalMs: 0, sentAt: Number.NEGATIVE_INFINITY };
      this.#streams.set(key, s);
    }
    s.totalMs += to - from;
    const p = s.pending;
    s.pending = p
      ? { from: Math.min(p.from, from), to: Math.max(p.to, to), ms: p.ms + (to - from), gaps: p.gaps + 1 }
      : { from, to, ms: to - from, gaps: 1 };
    const wait = s.sentAt + this.#o.reportEveryMs - this.#o.now();
    if (wait <= 0) this.#send(s);
    else if (!s.timer) {
      const stream = s;
      s.timer = setTimeout(() => {
        stream.timer = undefined;
        this.#send(stream);
      }, wait);
      s.timer.unref();
    }
  }

  #send(s: Stream): void {
    const ctx = this.#ctx;
    const p = s.pending;
    if (!ctx || !p) return;
    s.pending = undefined;
    s.sentAt = this.#o.now();
    const seconds = secondsOf(p.ms);
    const stretches = p.gaps === 1 ? '' : ` in ${p.gaps} stretches`;
    try {
      ctx.emitSignal(
        {
          kind: 'audio-gap',
          range: { start: p.from, end: p.to },
          values: {
            speaker: s.role,
            reason: s.reason,
            seconds,
            gaps: p.gaps,
            totalSeconds: secondsOf(s.totalMs),
          },
          confidence: 1,
          summary: `${seconds} s of ${WHOSE[s.role]} audio${stretches} not analysed: ${WHY[s.reason]}; signals of that stretch are missing`,
        },
        { analyser: 'session', media: 'audio' },
      );
    } catch (err) {
      this.#log.warn({ err, role: s.role, reason: s.reason }, 'audio gap could not be reported');
    }
  }
}
