import { VideoBufferType, VideoFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import type { VideoSample } from '../analysers/analyser.js';
import { collect } from '../analysers/testing.js';
import { FrameRateAnalyser, meanLuma } from './frame-rate.js';

function sample(width: number, height: number, gray: number, receivedAt: number): VideoSample {
  const data = new Uint8Array(width * height * 3).fill(gray);
  return {
    width,
    height,
    receivedAt,
    timestampUs: BigInt(receivedAt * 1000),
    rgb: () => new VideoFrame(data, width, height, VideoBufferType.RGB24),
  };
}

describe('FrameRateAnalyser', () => {
  it('measures fps, resolution and brightness per window', async () => {
    async function* frames(): AsyncIterable<VideoSample> {
      for (let i = 0; i <= 30; i++) yield sample(64, 48, 200, 1000 + i * 100); // 10 fps for 3 s
    }
    const signals = await collect(new FrameRateAnalyser({ windowMs: 1000 }).analyse(frames()));
    expect(signals.length).toBe(3);
    expect(signals[0]?.values).toMatchObject({ width: 64, height: 48, meanLuma: 200, reason: 'window' });
    expect(signals[0]?.values.fps).toBeCloseTo(11, 0);
    expect(signals[1]?.values.fps).toBeCloseTo(10, 0);
    expect(signals.at(-1)?.values.totalFrames).toBe(31);
  });

  it('reports a resolution change at once, with the old size', async () => {
    async function* frames(): AsyncIterable<VideoSample> {
      yield sample(64, 48, 10, 0);
      yield sample(64, 48, 10, 100);
      yield sample(32, 32, 10, 200);
    }
    const signals = await collect(new FrameRateAnalyser({ windowMs: 10_000 }).analyse(frames()));
    expect(signals.map((s) => [s.values.reason, s.values.width])).toEqual([
      ['resolution-change', 64],
      ['end', 32],
    ]);
  });

  it('computes Rec. 601 luma', () => {
    expect(meanLuma(new Uint8Array([255, 0, 0, 255, 0, 0]), 1)).toBeCloseTo(76.2, 1);
    expect(meanLuma(new Uint8Array([]))).toBe(0);
  });
});
