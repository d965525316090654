import { describe, expect, it } from 'vitest';
import { resampleRotated, rotatedToFrame } from './resample-rotated.js';

describe('resampleRotated', () => {
  it('turns the crop: at 90° the crop x axis runs down the image, and points map back', () => {
    // 8×8 image: red = x, green = y
    const data = new Uint8Array(8 * 8 * 3);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) data.set([x, y, 0], (y * 8 + x) * 3);
    const out = new Float32Array(3 * 4 * 4);
    const sq = { cx: 4, cy: 4, size: 4, angle: Math.PI / 2 };
    resampleRotated({ data, width: 8, height: 8 }, sq, out, 4, { range: [0, 255] });
    // first crop row: constant x (red), y (green) increasing along it
    const red = [...out.subarray(0, 4)].map((v) => Math.round(v));
    const green = [...out.subarray(16, 20)].map((v) => Math.round(v));
    expect(new Set(red).size).toBe(1);
    expect(green).toEqual([2, 3, 4, 5]);
    expect(rotatedToFrame(sq, 4, 2, 2)).toEqual([4, 4]);
    const [x, y] = rotatedToFrame(sq, 4, 0.5, 0.5);
    expect(x).toBeCloseTo(5.5, 5);
    expect(y).toBeCloseTo(2.5, 5);
    // and a square that leaves the frame gets the fill value
    resampleRotated({ data, width: 8, height: 8 }, { cx: 0, cy: 0, size: 4, angle: 0.5 }, out, 4, {
      fill: -3,
    });
    expect(out[0]).toBe(-3);
    expect(() => resampleRotated({ data, width: 8, height: 8 }, sq, new Float32Array(4), 4)).toThrow(
      RangeError,
    );
  });
});
