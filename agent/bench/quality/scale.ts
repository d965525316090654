import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAMERA_PICTURE, type CameraLayer, cameraLayer } from '../../../test/fixtures/camera-layer.js';

/** A frame size, `width`×`height`. */
export interface FrameSize {
  width: number;
  height: number;
  /** With `--vp8`: the layer's bitrate (`'300k'`) instead of the default for its size. */
  bitrate?: string;
}

/** The size every labelled frame is made at (the camera's). */
export const CAMERA: FrameSize = { ...CAMERA_PICTURE };

/** `'640x480'`. */
export const sizeName = (s: FrameSize) => `${s.width}x${s.height}${s.bitrate ? `@${s.bitrate}` : ''}`;

/** Parses `--scale-to 320x240,480x360,320x240@300k` (also `--scale-to=…`) from argv; [] without the option. */
export function scaleToArg(argv: string[]): FrameSize[] {
  const i = argv.findIndex((a) => a === '--scale-to' || a.startsWith('--scale-to='));
  if (i < 0) return [];
  const arg = argv[i] as string;
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1];
  if (!value) throw new Error('--scale-to needs sizes, e.g. --scale-to 320x240,480x360');
  return value.split(',').map((s) => {
    const m = /^(\d+)x(\d+)(?:@(\d+[kM]))?$/.exec(s.trim());
    if (!m) throw new Error(`--scale-to: "${s}" is not WIDTHxHEIGHT or WIDTHxHEIGHT@BITRATE`);
    return { width: Number(m[1]), height: Number(m[2]), ...(m[3] ? { bitrate: m[3] } : {}) };
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

/** A camera layer's VP8 coding: frame rate and bitrate (`'1M'`, `'150k'`, as ffmpeg reads them). */
export type Vp8Layer = Pick<CameraLayer, 'fps' | 'bitrate'>;

/** How each size is coded with `--vp8`: the camera's full layer as the web client sends it, lower layers as its low one. */
export const vp8LayerFor = (s: FrameSize): Vp8Layer =>
  s.width >= CAMERA.width
    ? { fps: 30, bitrate: s.bitrate ?? '1M' }
    : { fps: 15, bitrate: s.bitrate ?? '300k' };

/**
 * A still frame as a camera layer delivers it: `frames` frames of the 640×480 picture with temporal sensor
 * noise, shrunk to `to` by area averaging, VP8-coded in real time at the layer's rate and bitrate (libvpx, as a
 * browser codes a simulcast layer; the CPU bench's camera, see {@link cameraLayer}) and decoded; returns the last
 * decoded frame as RGB24. At 640×480 too its colours go through the area-averaging scaler, as at the smaller
 * sizes it is compared with. Needs ffmpeg.
 */
export function vp8RoundTrip(rgb: Uint8Array, to: FrameSize, layer: Vp8Layer, frames = 30): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'quality-vp8-'));
  try {
    const src = join(dir, 'frame.rgb');
    const ivf = join(dir, 'layer.ivf');
    writeFileSync(src, rgb);
    cameraLayer({ rgb: src, frames }, { width: to.width, height: to.height, ...layer }, ivf, {
      areaAtFullSize: true,
    });
    const decoded = execFileSync(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-i', ivf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const size = to.width * to.height * 3;
    if (decoded.length < size) throw new Error(`VP8 round trip gave ${decoded.length} bytes`);
    return new Uint8Array(decoded.subarray(decoded.length - size));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How a labelled frame reaches the analysers at a size: shrunk only, or shrunk and VP8-coded as a layer. */
export type Coding = 'shrink' | 'vp8';

/** A 640×480 frame as the analysers would receive it at `size` with `coding`. */
export function layerFrame(rgb: Uint8Array, size: FrameSize, coding: Coding = 'shrink'): Uint8Array {
  return coding === 'vp8' ? vp8RoundTrip(rgb, size, vp8LayerFor(size)) : downscale(rgb, CAMERA, size);
}
