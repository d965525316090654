import { describe, expect, it } from 'vitest';
import { cropRotated, cropToFrame, roiFromAlignment, wholeFrameRoi } from './pose-roi.js';

describe('pose ROI', () => {
  it('turns the ROI so the body points up, centred on the hips, 2 × 1.25 × their distance', () => {
    const upright = roiFromAlignment([100, 200], [100, 100]);
    expect(upright).toEqual({ cx: 100, cy: 200, size: 250, rotation: 0 });
    // lying with the head to the image's right: a quarter turn
    expect(roiFromAlignment([100, 200], [200, 200]).rotation).toBeCloseTo(Math.PI / 2, 6);
    expect(roiFromAlignment([100, 200], [0, 200]).rotation).toBeCloseTo(-Math.PI / 2, 6);
  });

  it('crops what cropToFrame maps back (a bright pixel lands where the mapping says)', () => {
    const w = 64;
    const h = 48;
    const rgb = new Uint8Array(w * h * 3);
    const px = 40;
    const py = 12;
    rgb.fill(255, (py * w + px) * 3, (py * w + px) * 3 + 3);
    const roi = { cx: 32, cy: 24, size: 64, rotation: Math.PI / 2 };
    const out = new Float32Array(64 * 64 * 3);
    cropRotated(rgb, w, h, roi, 64, out);
    let best = 0;
    for (let i = 0; i < 64 * 64; i++) if ((out[i * 3] as number) > (out[best * 3] as number)) best = i;
    const [x, y] = cropToFrame(roi, 64, (best % 64) + 0.5, Math.floor(best / 64) + 0.5);
    expect(x).toBeCloseTo(px + 0.5, 0);
    expect(y).toBeCloseTo(py + 0.5, 0);
    expect(out[best * 3]).toBeCloseTo(1, 5);
  });

  it('letterboxes the whole frame with zeros outside it', () => {
    const rgb = new Uint8Array(8 * 4 * 3).fill(255);
    const out = new Float32Array(8 * 8 * 3);
    cropRotated(rgb, 8, 4, wholeFrameRoi(8, 4), 8, out);
    expect(out[0]).toBe(0); // top padding
    expect(out[(4 * 8 + 4) * 3]).toBeCloseTo(1, 5); // inside
  });
});
