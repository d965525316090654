/** A square, rotated region of interest in frame pixels (MediaPipe's normalised rect, in pixels). */
export interface PoseRoi {
  /** Centre, frame pixels. */
  cx: number;
  cy: number;
  /** Side of the square, frame pixels. */
  size: number;
  /** Radians; positive turns the crop's "up" towards the image's right. */
  rotation: number;
}

/** The square covering the whole frame (the frame letterboxed, unrotated). */
export function wholeFrameRoi(width: number, height: number): PoseRoi {
  return { cx: width / 2, cy: height / 2, size: Math.max(width, height), rotation: 0 };
}

/**
 * The ROI MediaPipe derives from a body's two alignment points (hip centre, and the point
 * giving the body's size and direction): centred on the hips, side 2 × their distance, turned
 * so the body points up, then enlarged `scale`× (MediaPipe uses 1.25).
 */
export function roiFromAlignment(hip: [number, number], top: [number, number], scale = 1.25): PoseRoi {
  const dx = top[0] - hip[0];
  const dy = top[1] - hip[1];
  let rotation = Math.PI / 2 - Math.atan2(-dy, dx);
  rotation -= 2 * Math.PI * Math.floor((rotation + Math.PI) / (2 * Math.PI));
  return { cx: hip[0], cy: hip[1], size: 2 * Math.hypot(dx, dy) * scale, rotation };
}

/** Maps a point of the `side`² crop of `roi` to frame pixels. */
export function cropToFrame(roi: PoseRoi, side: number, u: number, v: number): [number, number] {
  const k = roi.size / side;
  const x = (u - side / 2) * k;
  const y = (v - side / 2) * k;
  const c = Math.cos(roi.rotation);
  const s = Math.sin(roi.rotation);
  return [roi.cx + c * x - s * y, roi.cy + s * x + c * y];
}

/**
 * Fills `out` (NHWC float32, `side`² × 3, values `pixel / 255`) with the rotated square `roi` of a
 * packed RGB24 image, bilinear, zero outside the image. Pure typed-array code (no allocation).
 */
export function cropRotated(
  rgb: Uint8Array,
  width: number,
  height: number,
  roi: PoseRoi,
  side: number,
  out: Float32Array,
): void {
  const k = roi.size / side;
  const c = Math.cos(roi.rotation) * k;
  const s = Math.sin(roi.rotation) * k;
  const half = side / 2;
  const inv = 1 / 255;
  // frame position of crop pixel (u, v) centre = origin + u·(c, s) + v·(−s, c)
  const ox = roi.cx - (half - 0.5) * c + (half - 0.5) * s - 0.5;
  const oy = roi.cy - (half - 0.5) * s - (half - 0.5) * c - 0.5;
  let o = 0;
  for (let v = 0; v < side; v++) {
    let fx = ox - v * s;
    let fy = oy + v * c;
    for (let u = 0; u < side; u++, fx += c, fy += s, o += 3) {
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      if (x0 < -1 || y0 < -1 || x0 >= width || y0 >= height) {
        out[o] = out[o + 1] = out[o + 2] = 0;
        continue;
      }
      const ax = fx - x0;
      const ay = fy - y0;
      const w00 = (1 - ax) * (1 - ay);
      const w10 = ax * (1 - ay);
      const w01 = (1 - ax) * ay;
      const w11 = ax * ay;
      const inX0 = x0 >= 0;
      const inX1 = x0 + 1 < width;
      const inY0 = y0 >= 0;
      const inY1 = y0 + 1 < height;
      const p00 = (y0 * width + x0) * 3;
      const p01 = p00 + width * 3;
      for (let ch = 0; ch < 3; ch++) {
        let acc = 0;
        if (inY0) {
          if (inX0) acc += (rgb[p00 + ch] as number) * w00;
          if (inX1) acc += (rgb[p00 + 3 + ch] as number) * w10;
        }
        if (inY1) {
          if (inX0) acc += (rgb[p01 + ch] as number) * w01;
          if (inX1) acc += (rgb[p01 + 3 + ch] as number) * w11;
        }
        out[o + ch] = acc * inv;
      }
    }
  }
}
