import { describe, expect, it } from 'vitest';
import { type RgbImage, SquareResampler } from './resample.js';

/** A `w`×`h` image whose red channel is x, green y, blue a constant 7. */
function gradient(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) data.set([x, y, 7], (y * w + x) * 3);
  }
  return { data, width: w, height: h };
}

describe('SquareResampler', () => {
  const r = new SquareResampler();

  it('copies pixels exactly at 1:1 and interpolates bilinearly when enlarging (NCHW, [0, 255])', () => {
    const img = gradient(8, 8);
    const out = new Float32Array(3 * 4 * 4);
    r.resample(img, { left: 2, top: 3, size: 4 }, out, 4, { range: [0, 255] });
    expect([...out.subarray(0, 4)]).toEqual([2, 3, 4, 5]); // red = x of the first row
    expect(out[16 + 4]).toBe(4); // green plane, second row = y 4
    expect(out[32]).toBe(7);
    const big = new Float32Array(3 * 8 * 8);
    r.resample(img, { left: 0, top: 0, size: 4 }, big, 8, { range: [0, 255] });
    // output pixel 3 samples x = (3 + 0.5) / 2 − 0.5 = 1.25
    expect(big[3]).toBeCloseTo(1.25, 5);
  });

  it('averages taps when shrinking, letterboxes with the fill value, and writes NHWC in the model range', () => {
    const img = gradient(64, 32);
    const out = new Float32Array(3 * 16 * 16);
    // the square around the whole 64×32 frame: 4 output rows of fill above and below
    r.resample(img, { left: 0, top: -16, size: 64 }, out, 16, { layout: 'hwc', range: [-1, 1], fill: -1 });
    const at = (x: number, y: number, c: number) => out[(y * 16 + x) * 3 + c] as number;
    const v = (byte: number) => (byte * 2) / 255 - 1;
    expect([at(0, 3, 0), at(0, 3, 1), at(0, 3, 2), at(5, 12, 0)]).toEqual([-1, -1, -1, -1]);
    // row 4 is image rows 0–3: taps at 1 and 3 each way → mean 2
    expect(at(0, 4, 0)).toBeCloseTo(v(2), 5);
    expect(at(0, 4, 1)).toBeCloseTo(v(2), 5);
    expect(at(15, 11, 0)).toBeCloseTo(v(62), 5);
    expect(at(0, 11, 1)).toBeCloseTo(v(30), 5);
    expect(at(7, 8, 2)).toBeCloseTo(v(7), 5);
  });

  it('mirrors horizontally, fills crops that leave the frame, and refuses short buffers', () => {
    const img = gradient(8, 8);
    const out = new Float32Array(3 * 4 * 4);
    r.resample(img, { left: 0, top: 0, size: 4 }, out, 4, { range: [0, 255], mirror: true });
    expect([...out.subarray(0, 4)]).toEqual([3, 2, 1, 0]);
    r.resample(img, { left: -2, top: 6, size: 4 }, out, 4, { range: [0, 255], fill: -5 });
    expect([...out.subarray(0, 4)]).toEqual([-5, -5, 0, 1]);
    expect(out[8]).toBe(-5); // row 2 is y = 8: outside
    expect(() => r.resample(img, { left: 0, top: 0, size: 4 }, new Float32Array(10), 4)).toThrow(RangeError);
    expect(() =>
      r.resample({ data: new Uint8Array(5), width: 8, height: 8 }, { left: 0, top: 0, size: 4 }, out, 4),
    ).toThrow(RangeError);
  });
});
