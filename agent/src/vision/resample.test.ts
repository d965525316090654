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

  it('matches a per-pixel reference (bilinear with clamped edges, 2×2 box taps) for crops inside, across and outside the frame', () => {
    const w = 37;
    const h = 23;
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const img = { data, width: w, height: h };
    const px = (x: number, y: number, c: number) => data[(y * w + x) * 3 + c] as number;
    /** The plain formula: pixel centres, bilinear clamped at the last row/column, or the 2×2 tap mean. */
    const reference = (left: number, top: number, size: number, side: number, mirror: boolean) => {
      const step = size / side;
      const out = new Float32Array(3 * side * side).fill(Number.NaN);
      for (let v = 0; v < side; v++) {
        for (let o = 0; o < side; o++) {
          const u = mirror ? side - 1 - o : o;
          for (let c = 0; c < 3; c++) {
            let value = -9;
            if (step >= 2) {
              const xs = [0.25, 0.75].map((f) => Math.floor(left + (u + f) * step));
              const ys = [0.25, 0.75].map((f) => Math.floor(top + (v + f) * step));
              const taps = ys.flatMap((y) => xs.map((x) => [x, y] as const));
              const inside = taps.filter(([x, y]) => x >= 0 && x < w && y >= 0 && y < h);
              if (inside.length) value = inside.reduce((s, [x, y]) => s + px(x, y, c), 0) / inside.length;
            } else {
              const sx = left + (u + 0.5) * step - 0.5;
              const sy = top + (v + 0.5) * step - 0.5;
              if (sx >= -0.5 && sx <= w - 0.5 && sy >= -0.5 && sy <= h - 0.5) {
                const cx = Math.min(w - 1, Math.max(0, sx));
                const cy = Math.min(h - 1, Math.max(0, sy));
                const x0 = Math.floor(cx);
                const y0 = Math.floor(cy);
                const x1 = Math.min(w - 1, x0 + 1);
                const y1 = Math.min(h - 1, y0 + 1);
                const fx = cx - x0;
                const fy = cy - y0;
                const t = px(x0, y0, c) + (px(x1, y0, c) - px(x0, y0, c)) * fx;
                const b = px(x0, y1, c) + (px(x1, y1, c) - px(x0, y1, c)) * fx;
                value = t + (b - t) * fy;
              }
            }
            out[c * side * side + v * side + o] = value;
          }
        }
      }
      return out;
    };
    const regions: [number, number, number, number][] = [
      [3.3, 2.7, 15.5, 11], // enlarging inside
      [20.2, 10.1, 30, 24], // leaves right and bottom (last column / row read with weight 1)
      [-6.5, -4.2, 20, 13], // leaves left and top
      [-10, -12, 60, 16], // shrinking 3.75×: 2×2 taps, around the whole frame
      [25.6, 15.4, 11.4, 12], // the bottom-right corner at 0.95×
    ];
    for (const [left, top, size, side] of regions) {
      for (const mirror of [false, true]) {
        const out = new Float32Array(3 * side * side);
        r.resample(img, { left, top, size }, out, side, { range: [0, 255], fill: -9, mirror });
        const want = reference(left, top, size, side, mirror);
        for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(want[i] as number, 3);
      }
    }
    expect(() =>
      r.resample({ data, width: 1, height: 9 }, { left: 0, top: 0, size: 1 }, new Float32Array(3), 1),
    ).toThrow(RangeError);
  });
});
