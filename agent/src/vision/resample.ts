/** A packed RGB24 image. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A square region of the source image, in source pixels; it may reach outside the image. */
export interface SquareRegion {
  left: number;
  top: number;
  size: number;
}

/** How {@link resampleSquare} writes the tensor. */
export interface TensorLayout {
  /** `hwc`: interleaved RGB rows (NHWC); `chw`: three planes (NCHW). */
  layout: 'hwc' | 'chw';
  /** Value range the model expects for 0…255 input, e.g. [0, 1] or [-1, 1]. */
  range: [number, number];
  /** Value written where the region leaves the image. */
  fill: number;
  /** Mirror horizontally (MediaPipe mirrors the subject's left eye for the iris model). */
  mirror: boolean;
}

export const defaultTensorLayout: TensorLayout = { layout: 'chw', range: [0, 1], fill: 0, mirror: false };

/** Most taps per axis when shrinking (2×2 = 4 reads per output pixel at most). */
const MAX_TAPS = 2;

/**
 * Per-axis sampling plan, reused between calls. Shrinking by 2× or more reads `taps` evenly
 * spaced whole pixels per output sample and averages them (an anti-aliasing box filter with a
 * bounded cost); otherwise a sample is bilinear between `lo` and the next pixel `lo + stride`
 * with weight `w` on the second. The pair is always inside: a sample at or past the last pixel
 * uses the pair ending there with weight 1, which gives the same value as clamping. Offsets are pre-multiplied by `stride` (3 for columns, `3 × width` for rows); -1 is
 * outside. Output samples `first` … `end` − 1 have every tap inside (one contiguous run, since
 * the mapping is monotonic), so the hot loops need no per-pixel bounds test.
 */
class Axis {
  lo = new Int32Array(0);
  w = new Float32Array(0);
  taps = 1;
  first = 0;
  end = 0;

  plan(n: number, start: number, span: number, limit: number, stride: number, mirror: boolean): void {
    const step = span / n;
    this.taps = step >= 2 ? Math.min(MAX_TAPS, Math.floor(step)) : 1;
    const len = n * this.taps;
    if (this.lo.length < len) {
      this.lo = new Int32Array(len);
      this.w = new Float32Array(len);
    }
    this.first = n;
    this.end = 0;
    for (let o = 0; o < n; o++) {
      const i = mirror ? n - 1 - o : o;
      let inside = true;
      if (this.taps > 1) {
        for (let j = 0; j < this.taps; j++) {
          const p = Math.floor(start + (i + (j + 0.5) / this.taps) * step);
          inside = p >= 0 && p < limit && inside;
          this.lo[o * this.taps + j] = p >= 0 && p < limit ? p * stride : -1;
        }
      } else {
        const c = start + (i + 0.5) * step - 0.5;
        inside = c >= -0.5 && c <= limit - 0.5;
        const f = Math.max(0, Math.min(limit - 2, Math.floor(c)));
        this.lo[o] = inside ? f * stride : -1;
        this.w[o] = Math.max(0, Math.min(1, c - f));
      }
      if (inside) {
        this.first = Math.min(this.first, o);
        this.end = o + 1;
      }
    }
    if (this.end < this.first) this.end = this.first;
  }
}

/** Writes `fill` to output pixels `from` … `to` − 1 of row `v` (every channel). */
function fillRun(
  out: Float32Array,
  side: number,
  v: number,
  from: number,
  to: number,
  fill: number,
  ps: number,
  cs: number,
): void {
  if (to <= from) return;
  const i = v * side;
  if (ps === 1) for (let c = 0; c < 3; c++) out.fill(fill, i + from + c * cs, i + to + c * cs);
  else out.fill(fill, (i + from) * 3, (i + to) * 3);
}

/**
 * Resamples a square region of an RGB24 image into a `side`² float tensor in one pass, with no
 * intermediate image: up to 2×2 averaged taps per pixel when shrinking by 2× or more, bilinear
 * otherwise. Replaces a sharp extract + resize + normalise chain (about 1 ms of fixed cost per
 * call) with typed-array code whose cost is proportional to the output size. One instance reuses
 * its sampling plans; it is not safe to share between concurrent calls.
 */
export class SquareResampler {
  #x = new Axis();
  #y = new Axis();

  /** Fills `out` (length ≥ `3 * side * side`) from `region` of `img`. */
  resample(
    img: RgbImage,
    region: SquareRegion,
    out: Float32Array,
    side: number,
    opts: Partial<TensorLayout> = {},
  ): void {
    const o = { ...defaultTensorLayout, ...opts };
    const { data, width, height } = img;
    if (out.length < 3 * side * side) throw new RangeError('tensor buffer is smaller than 3 × side²');
    if (data.length < width * height * 3)
      throw new RangeError('image buffer is smaller than width × height × 3');
    if (width < 2 || height < 2) throw new RangeError('image is smaller than 2 × 2');
    const xs = this.#x;
    const ys = this.#y;
    xs.plan(side, region.left, region.size, width, 3, o.mirror);
    ys.plan(side, region.top, region.size, height, width * 3, false);
    const [lo, hi] = o.range;
    const k = (hi - lo) / 255;
    // channel c of output pixel i goes to out[i * ps + c * cs]
    const ps = o.layout === 'chw' ? 1 : 3;
    const cs = o.layout === 'chw' ? side * side : 1;
    if (xs.taps === 2 && ys.taps === 2) this.#taps2(data, out, side, k, lo, o.fill, ps, cs);
    else if (xs.taps > 1 || ys.taps > 1) this.#taps(data, out, side, k, lo, o.fill, ps, cs);
    else bilinear(xs, ys, width * 3, data, out, side, k, lo, o.fill, ps, cs);
  }

  /** 2×2 taps (the common whole-frame letterbox), specialised: rows and columns with every tap inside run branch-free. */
  #taps2(
    d: Uint8Array,
    out: Float32Array,
    side: number,
    k: number,
    lo: number,
    fill: number,
    ps: number,
    cs: number,
  ) {
    const { lo: xs, first: u0, end: u1 } = this.#x;
    const ys = this.#y.lo;
    const m = k / 4;
    for (let v = 0; v < side; v++) {
      const r0 = ys[2 * v] as number;
      const r1 = ys[2 * v + 1] as number;
      if (r0 < 0 && r1 < 0) {
        fillRun(out, side, v, 0, side, fill, ps, cs);
        continue;
      }
      const inside = r0 >= 0 && r1 >= 0;
      const from = inside ? u0 : side;
      for (let u = 0; u < from; u++) this.#tapsAt(d, out, u, v, (v * side + u) * ps, k, lo, fill, cs);
      for (let u = from, i = (v * side + from) * ps; u < u1; u++, i += ps) {
        const c0 = xs[2 * u] as number;
        const c1 = xs[2 * u + 1] as number;
        const a = r0 + c0;
        const b = r0 + c1;
        const c = r1 + c0;
        const e = r1 + c1;
        out[i] = ((d[a] as number) + (d[b] as number) + (d[c] as number) + (d[e] as number)) * m + lo;
        out[i + cs] =
          ((d[a + 1] as number) + (d[b + 1] as number) + (d[c + 1] as number) + (d[e + 1] as number)) * m +
          lo;
        out[i + 2 * cs] =
          ((d[a + 2] as number) + (d[b + 2] as number) + (d[c + 2] as number) + (d[e + 2] as number)) * m +
          lo;
      }
      for (let u = Math.max(from, u1); u < side; u++)
        this.#tapsAt(d, out, u, v, (v * side + u) * ps, k, lo, fill, cs);
    }
  }

  #taps(
    d: Uint8Array,
    out: Float32Array,
    side: number,
    k: number,
    lo: number,
    fill: number,
    ps: number,
    cs: number,
  ) {
    for (let v = 0; v < side; v++) {
      for (let u = 0; u < side; u++) this.#tapsAt(d, out, u, v, (v * side + u) * ps, k, lo, fill, cs);
    }
  }

  /** Mean of the taps of output pixel (u, v) that fall inside the image, or `fill`. */
  #tapsAt(
    d: Uint8Array,
    out: Float32Array,
    u: number,
    v: number,
    i: number,
    k: number,
    lo: number,
    fill: number,
    cs: number,
  ) {
    const xs = this.#x;
    const ys = this.#y;
    const tx = xs.taps;
    const ty = ys.taps;
    let r = 0;
    let g = 0;
    let b = 0;
    let n = 0;
    for (let jy = 0; jy < ty; jy++) {
      const row = ys.lo[v * ty + jy] as number;
      if (row < 0) continue;
      for (let jx = 0; jx < tx; jx++) {
        const col = xs.lo[u * tx + jx] as number;
        if (col < 0) continue;
        const p = row + col;
        r += d[p] as number;
        g += d[p + 1] as number;
        b += d[p + 2] as number;
        n++;
      }
    }
    if (n === 0) {
      out[i] = out[i + cs] = out[i + 2 * cs] = fill;
    } else {
      const m = k / n;
      out[i] = r * m + lo;
      out[i + cs] = g * m + lo;
      out[i + 2 * cs] = b * m + lo;
    }
  }
}

/**
 * Bilinear, the hot path of every crop: row offsets and weights hoisted, the four taps addressed
 * from one offset (right neighbour + 3, row below + row stride), and only the inside run of
 * each row sampled, so the inner loop has no branch. (Fixed-point integer weights measured
 * slower in V8 on some crop sizes, so the lerps stay in floating point.)
 */
function bilinear(
  xs: Axis,
  ys: Axis,
  rs: number,
  d: Uint8Array,
  out: Float32Array,
  side: number,
  k: number,
  lo: number,
  fill: number,
  ps: number,
  cs: number,
): void {
  const { lo: xl, w: xw, first: u0, end: u1 } = xs;
  for (let v = 0; v < side; v++) {
    const r0 = ys.lo[v] as number;
    if (r0 < 0) {
      fillRun(out, side, v, 0, side, fill, ps, cs);
      continue;
    }
    const wy = ys.w[v] as number;
    fillRun(out, side, v, 0, u0, fill, ps, cs);
    for (let u = u0, i = (v * side + u0) * ps; u < u1; u++, i += ps) {
      const wx = xw[u] as number;
      const a = r0 + (xl[u] as number); // its right neighbour is a + 3, the row below c = a + rs
      const c = a + rs;
      // the three channels unrolled
      let p = d[a] as number;
      let top = p + ((d[a + 3] as number) - p) * wx;
      p = d[c] as number;
      let bottom = p + ((d[c + 3] as number) - p) * wx;
      out[i] = (top + (bottom - top) * wy) * k + lo;
      p = d[a + 1] as number;
      top = p + ((d[a + 4] as number) - p) * wx;
      p = d[c + 1] as number;
      bottom = p + ((d[c + 4] as number) - p) * wx;
      out[i + cs] = (top + (bottom - top) * wy) * k + lo;
      p = d[a + 2] as number;
      top = p + ((d[a + 5] as number) - p) * wx;
      p = d[c + 2] as number;
      bottom = p + ((d[c + 5] as number) - p) * wx;
      out[i + 2 * cs] = (top + (bottom - top) * wy) * k + lo;
    }
    fillRun(out, side, v, Math.max(u0, u1), side, fill, ps, cs);
  }
}
