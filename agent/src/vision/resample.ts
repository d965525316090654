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
 * bounded cost); otherwise a sample is bilinear between `lo` and `hi` with weight `w` on `hi`.
 * Offsets are pre-multiplied by `stride` (3 for columns, `3 × width` for rows); -1 is outside.
 */
class Axis {
  lo = new Int32Array(0);
  hi = new Int32Array(0);
  w = new Float32Array(0);
  taps = 1;

  plan(n: number, start: number, span: number, limit: number, stride: number, mirror: boolean): void {
    const step = span / n;
    this.taps = step >= 2 ? Math.min(MAX_TAPS, Math.floor(step)) : 1;
    const len = n * this.taps;
    if (this.lo.length < len) {
      this.lo = new Int32Array(len);
      this.hi = new Int32Array(len);
      this.w = new Float32Array(len);
    }
    for (let o = 0; o < n; o++) {
      const i = mirror ? n - 1 - o : o;
      if (this.taps > 1) {
        for (let j = 0; j < this.taps; j++) {
          const p = Math.floor(start + (i + (j + 0.5) / this.taps) * step);
          this.lo[o * this.taps + j] = p >= 0 && p < limit ? p * stride : -1;
        }
        continue;
      }
      const c = start + (i + 0.5) * step - 0.5;
      if (c < -0.5 || c > limit - 0.5) {
        this.lo[o] = -1;
        continue;
      }
      const f = Math.max(0, Math.min(limit - 1, Math.floor(c)));
      this.lo[o] = f * stride;
      this.hi[o] = Math.min(limit - 1, f + 1) * stride;
      this.w[o] = Math.max(0, Math.min(1, c - f));
    }
  }
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
    else this.#bilinear(data, out, side, k, lo, o.fill, ps, cs);
  }

  /** 2×2 taps (the common whole-frame letterbox), specialised: all four inside, or the general path. */
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
    const xs = this.#x.lo;
    const ys = this.#y.lo;
    const m = k / 4;
    for (let v = 0; v < side; v++) {
      const r0 = ys[2 * v] as number;
      const r1 = ys[2 * v + 1] as number;
      for (let u = 0; u < side; u++) {
        const c0 = xs[2 * u] as number;
        const c1 = xs[2 * u + 1] as number;
        const i = (v * side + u) * ps;
        if (r0 < 0 || r1 < 0 || c0 < 0 || c1 < 0) {
          if (r0 < 0 && r1 < 0) out[i] = out[i + cs] = out[i + 2 * cs] = fill;
          else this.#tapsAt(d, out, u, v, i, k, lo, fill, cs);
          continue;
        }
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

  #bilinear(
    d: Uint8Array,
    out: Float32Array,
    side: number,
    k: number,
    lo: number,
    fill: number,
    ps: number,
    cs: number,
  ) {
    const xs = this.#x;
    const ys = this.#y;
    for (let v = 0; v < side; v++) {
      const r0 = ys.lo[v] as number;
      const r1 = ys.hi[v] as number;
      const wy = ys.w[v] as number;
      for (let u = 0; u < side; u++) {
        const c0 = xs.lo[u] as number;
        const i = (v * side + u) * ps;
        if (r0 < 0 || c0 < 0) {
          out[i] = out[i + cs] = out[i + 2 * cs] = fill;
          continue;
        }
        const c1 = xs.hi[u] as number;
        const wx = xs.w[u] as number;
        const a = r0 + c0;
        const bq = r0 + c1;
        const c = r1 + c0;
        const e = r1 + c1;
        // the three channels unrolled: this loop is the hot path of every crop
        let top = (d[a] as number) + ((d[bq] as number) - (d[a] as number)) * wx;
        let bottom = (d[c] as number) + ((d[e] as number) - (d[c] as number)) * wx;
        out[i] = (top + (bottom - top) * wy) * k + lo;
        top = (d[a + 1] as number) + ((d[bq + 1] as number) - (d[a + 1] as number)) * wx;
        bottom = (d[c + 1] as number) + ((d[e + 1] as number) - (d[c + 1] as number)) * wx;
        out[i + cs] = (top + (bottom - top) * wy) * k + lo;
        top = (d[a + 2] as number) + ((d[bq + 2] as number) - (d[a + 2] as number)) * wx;
        bottom = (d[c + 2] as number) + ((d[e + 2] as number) - (d[c + 2] as number)) * wx;
        out[i + 2 * cs] = (top + (bottom - top) * wy) * k + lo;
      }
    }
  }
}
