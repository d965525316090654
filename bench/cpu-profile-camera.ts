import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CameraLayer, cameraLayer } from '../test/fixtures/camera-layer.js';
import { PHOTOS_DIR, ROOT } from '../test/fixtures/paths.js';

/** The camera's frame rate. */
export const FPS = 30;

/** The 640×480 camera at 30 fps, 1 Mbit/s, as a webcam sends it. */
export const FULL: CameraLayer = { width: 640, height: 480, fps: FPS, bitrate: '1M' };

/** Parses `WxH@fps` (`CPU_PROFILE_SIMULCAST`) into a lower simulcast layer at 300 kbit/s; undefined without it. */
export function parseLayer(spec: string | undefined): CameraLayer | undefined {
  if (!spec) return undefined;
  const m = /^(\d+)x(\d+)@(\d+)$/.exec(spec);
  if (!m) throw new Error(`CPU_PROFILE_SIMULCAST=${spec}: expected WxH@fps, e.g. 480x360@15`);
  return { width: Number(m[1]), height: Number(m[2]), fps: Number(m[3]), bitrate: '300k' };
}

/**
 * VP8 IVF of a frontal face with temporal noise (every frame differs, like a real sensor), key frame every 2 s:
 * the 640×480 camera at 30 fps, or a lower layer shrunk from that picture (noise added at 640×480 first, then
 * area-averaged, as a browser shrinks its capture for a simulcast layer). Made once, then read from `.cache/`.
 */
export function camera(seconds: number, layer: CameraLayer = FULL): string {
  const dir = join(ROOT, '.cache/cpu-profile');
  const { width, height, fps } = layer;
  const out = join(dir, `camera-${width}x${height}-${fps}fps-${layer.bitrate}-${seconds}s.ivf`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  cameraLayer(
    { photo: join(PHOTOS_DIR, 'face-frontal-man.jpg'), seconds, fps: FPS },
    layer,
    `${out}.tmp.ivf`,
  );
  execFileSync('mv', [`${out}.tmp.ivf`, out]);
  return out;
}
