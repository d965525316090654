/** A frame size, `width`×`height`. */
export interface FrameSize {
  width: number;
  height: number;
}

/** The size every labelled frame is made at (the camera's). */
export const CAMERA: FrameSize = { width: 640, height: 480 };

/** `'640x480'`. */
export const sizeName = (s: FrameSize) => `${s.width}x${s.height}`;

/** Parses `--scale-to 320x240,480x360` (also `--scale-to=…`) from argv; [] without the option. */
export function scaleToArg(argv: string[]): FrameSize[] {
  const i = argv.findIndex((a) => a === '--scale-to' || a.startsWith('--scale-to='));
  if (i < 0) return [];
  const arg = argv[i] as string;
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1];
  if (!value) throw new Error('--scale-to needs sizes, e.g. --scale-to 320x240,480x360');
  return value.split(',').map((s) => {
    const m = /^(\d+)x(\d+)$/.exec(s.trim());
    if (!m) throw new Error(`--scale-to: "${s}" is not WIDTHxHEIGHT`);
    return { width: Number(m[1]), height: Number(m[2]) };
  });
}

/**
 * Shrinks packed RGB24 by area averaging (a box filter over each output pixel's footprint, partial
 * pixels weighted by their overlap), as libyuv's box filter shrinks a camera picture for a lower
 * simulcast layer. Returns the input unchanged when the size is the same.
 */
export function downscale(rgb: Uint8Array, from: FrameSize, to: FrameSize): Uint8Array {
  if (from.width === to.width && from.height === to.height) return rgb;
  if (to.width > from.width || to.height > from.height) throw new Error('downscale only shrinks');
  const spans = (n: number, m: number) => {
    // per output index: the input indices it covers and each one's weight (sums to 1)
    const step = n / m;
    return Array.from({ length: m }, (_, o) => {
      const a = o * step;
      const b = a + step;
      const idx: number[] = [];
      const w: number[] = [];
      for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
        idx.push(i);
        w.push((Math.min(b, i + 1) - Math.max(a, i)) / step);
      }
      return { idx, w };
    });
  };
  const xs = spans(from.width, to.width);
  const ys = spans(from.height, to.height);
  const out = new Uint8Array(to.width * to.height * 3);
  for (let oy = 0; oy < to.height; oy++) {
    const sy = ys[oy] as { idx: number[]; w: number[] };
    for (let ox = 0; ox < to.width; ox++) {
      const sx = xs[ox] as { idx: number[]; w: number[] };
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < sy.idx.length; j++) {
        const row = (sy.idx[j] as number) * from.width;
        const wy = sy.w[j] as number;
        for (let i = 0; i < sx.idx.length; i++) {
          const p = (row + (sx.idx[i] as number)) * 3;
          const wgt = wy * (sx.w[i] as number);
          r += (rgb[p] as number) * wgt;
          g += (rgb[p + 1] as number) * wgt;
          b += (rgb[p + 2] as number) * wgt;
        }
      }
      const q = (oy * to.width + ox) * 3;
      out[q] = Math.round(r);
      out[q + 1] = Math.round(g);
      out[q + 2] = Math.round(b);
    }
  }
  return out;
}
