import type { SignalKind } from '@interview-helper/protocol';
import type { Analyser, SignalDraft, VideoSample } from '../analysers/analyser.js';

/** Options of {@link FrameRateAnalyser}. */
export interface FrameRateOptions {
  /** Length of one measurement window, in milliseconds of wall-clock time. */
  windowMs: number;
}

export const defaultFrameRateOptions: FrameRateOptions = { windowMs: 2000 };

/** Mean of the Rec. 601 luma of packed RGB24 pixels, sampling every `step`-th pixel. */
export function meanLuma(rgb: Uint8Array, step = 7): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i + 2 < rgb.length; i += 3 * step) {
    sum += 0.299 * (rgb[i] as number) + 0.587 * (rgb[i + 1] as number) + 0.114 * (rgb[i + 2] as number);
    n++;
  }
  return n ? sum / n : 0;
}

/**
 * Measures the candidate's video: decoded frames per second, resolution, and the mean brightness
 * of the first frame of each window (proof that real pixels were decoded; read as the frame
 * arrives, the only pixels this analyser converts). Reports a resolution change at once.
 */
export class FrameRateAnalyser implements Analyser<'video'> {
  readonly name = 'video-frames';
  readonly media = 'video' as const;
  readonly emits = ['video-frames'] as const satisfies readonly SignalKind[];
  #opts: FrameRateOptions;

  constructor(opts: Partial<FrameRateOptions> = {}) {
    this.#opts = { ...defaultFrameRateOptions, ...opts };
    if (!(this.#opts.windowMs > 0)) throw new RangeError('windowMs must be positive');
  }

  async *analyse(samples: AsyncIterable<VideoSample>): AsyncIterable<SignalDraft> {
    let windowStart = -1;
    let frames = 0;
    let total = 0;
    let last: VideoSample | undefined;
    let firstAt = 0;
    let luma = 0;

    const flush = (end: number, reason: string): SignalDraft => {
      const seconds = Math.max(0.001, (end - windowStart) / 1000);
      const fps = Number((frames / seconds).toFixed(2));
      const sample = last as VideoSample;
      const draft: SignalDraft = {
        kind: 'video-frames',
        range: { start: windowStart, end },
        values: {
          fps,
          frames,
          totalFrames: total,
          width: sample.width,
          height: sample.height,
          meanLuma: Number(luma.toFixed(1)),
          firstFrameAt: firstAt,
          reason,
        },
        confidence: 1,
        summary: `${sample.width}×${sample.height} video at ${fps} fps`,
      };
      windowStart = end;
      frames = 0;
      return draft;
    };

    for await (const sample of samples) {
      if (last && (sample.width !== last.width || sample.height !== last.height) && frames > 0) {
        yield flush(sample.receivedAt, 'resolution-change');
      }
      if (windowStart < 0) {
        windowStart = sample.receivedAt;
        firstAt = sample.receivedAt;
      }
      if (frames === 0) luma = meanLuma(sample.rgb().data);
      frames++;
      total++;
      last = sample;
      if (sample.receivedAt - windowStart >= this.#opts.windowMs) yield flush(sample.receivedAt, 'window');
    }
    if (last && frames > 0) yield flush(last.receivedAt, 'end');
  }
}
