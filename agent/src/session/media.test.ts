import { describe, expect, it } from 'vitest';
import { defaultVideoDimensions, videoDimensionsFromEnv } from './media.js';

describe('videoDimensionsFromEnv', () => {
  it('asks for 640×360 by default, takes VISION_VIDEO_WIDTH / HEIGHT, and refuses nonsense', () => {
    expect(videoDimensionsFromEnv({})).toEqual({ width: 640, height: 360 });
    expect(defaultVideoDimensions.width).toBeGreaterThanOrEqual(320);
    expect(videoDimensionsFromEnv({ VISION_VIDEO_WIDTH: '320', VISION_VIDEO_HEIGHT: '180' })).toEqual({
      width: 320,
      height: 180,
    });
    expect(() => videoDimensionsFromEnv({ VISION_VIDEO_WIDTH: 'wide' })).toThrow(/VISION_VIDEO_WIDTH/);
    expect(() => videoDimensionsFromEnv({ VISION_VIDEO_HEIGHT: '0' })).toThrow(RangeError);
  });
});
