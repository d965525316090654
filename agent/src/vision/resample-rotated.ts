import { defaultTensorLayout, type RgbImage, type TensorLayout } from './resample.js';

/** A square of the source image turned by `angle`: centre and side in source pixels. */
export interface RotatedSquare {
  cx: number;
  cy: number;
  size: number;
  /** Radians, clockwise in the image (y down): the square's x axis points along (cos, sin). */
  angle: number;
}

/** Source pixel of crop coordinate (`px`, `py`) of a `side`² crop of `sq` (crop pixels, any real value). */
export function rotatedToFrame(sq: RotatedSquare, side: number, px: number, py: number): [number, number] {
  const k = sq.size / side;
  const dx = px * k - sq.size / 2;
  const dy = py * k - sq.size / 2;
  const c = Math.cos(sq.angle);
  const s = Math.sin(sq.angle);
  return [sq.cx + dx * c - dy * s, sq.cy + dx * s + dy * c];
}

/**
 * Bilinear resampling of a rotated square of an RGB24 image into a `side`² float tensor (used to
 * give Face Mesh an upright face when the head is strongly rolled or the frame is rotated).
 * Pixels outside the image get `fill`.
 */
export function resampleRotated(
  img: RgbImage,
  sq: RotatedSquare,
  out: Float32Array,
  side: number,
  opts: Partial<TensorLayout> = {},
): void {
  const o = { ...defaultTensorLayout, ...opts };
  const { data: d, width, height } = img;
  if (out.length < 3 * side * side) throw new RangeError('tensor buffer is smaller than 3 × side²');
  if (d.length < width * height * 3) throw new RangeError('image buffer is smaller than width × height × 3');
  const [lo, hi] = o.range;
  const k = (hi - lo) / 255;
  const ps = o.layout === 'chw' ? 1 : 3;
  const cs = o.layout === 'chw' ? side * side : 1;
  const step = sq.size / side;
  const c = Math.cos(sq.angle) * step;
  const s = Math.sin(sq.angle) * step;
  // source position of crop pixel centre (0.5, 0.5), minus half a pixel for bilinear
  const [x0, y0] = rotatedToFrame(sq, side, 0.5, 0.5);
  const row = width * 3;
  for (let v = 0; v < side; v++) {
    let x = x0 - 0.5 - v * s;
    let y = y0 - 0.5 + v * c;
    for (let u = 0; u < side; u++, x += c, y += s) {
      const i = (v * side + u) * ps;
      if (x < -0.5 || y < -0.5 || x > width - 0.5 || y > height - 0.5) {
        out[i] = out[i + cs] = out[i + 2 * cs] = o.fill;
        continue;
      }
      const fx = Math.max(0, Math.min(width - 1, Math.floor(x)));
      const fy = Math.max(0, Math.min(height - 1, Math.floor(y)));
      const wx = Math.max(0, Math.min(1, x - fx));
      const wy = Math.max(0, Math.min(1, y - fy));
      const a = fy * row + fx * 3;
      const b = fy * row + Math.min(width - 1, fx + 1) * 3;
      const e = Math.min(height - 1, fy + 1) * row + fx * 3;
      const f = Math.min(height - 1, fy + 1) * row + Math.min(width - 1, fx + 1) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = (d[a + ch] as number) + ((d[b + ch] as number) - (d[a + ch] as number)) * wx;
        const bottom = (d[e + ch] as number) + ((d[f + ch] as number) - (d[e + ch] as number)) * wx;
        out[i + ch * cs] = (top + (bottom - top) * wy) * k + lo;
      }
    }
  }
}
