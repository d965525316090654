/**
 * Quality bench (JSON to stdout and bench-results/quality.json): precision and recall of the pose
 * episodes (hand-to-face, raised-hand, out-of-frame) on labelled frames and of the filled-pause
 * detector on labelled speech, the previous approach and the current one side by side, on a
 * tuning set and on a held-out set (see docs/quality.md).
 *
 * With `--scale-to 320x240[,480x360…]` it instead scores the labelled face and pose frames at
 * 640×480 and shrunk to each size, side by side in one run (bench-results/quality-sizes.json):
 * what a lower simulcast layer would cost the vision signals. `--vp8` also codes every size, 640×480 included,
 * as its layer (sensor noise, libvpx at 1 Mbit/s 30 fps full, 150 kbit/s 15 fps below; needs ffmpeg) into
 * bench-results/quality-sizes-vp8.json.
 *
 *   npm run bench:quality -w agent
 *   npm run bench:quality -w agent -- --scale-to 320x240,480x360
 *   npm run bench:quality -w agent -- --scale-to 320x240 --vp8   (each size also VP8-coded as its camera layer)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../test/fixtures/paths.js';
import { ensureModels } from '../src/vision/testing.js';
import { fillerBench } from './quality/fillers.js';
import { poseBench } from './quality/pose.js';
import { scaleToArg } from './quality/scale.js';
import { sizesBench } from './quality/sizes.js';

const failed = await ensureModels();
if (failed.length) throw failed[0];
const sizes = scaleToArg(process.argv.slice(2));
const vp8 = process.argv.includes('--vp8');
const result = sizes.length
  ? { sizes: await sizesBench(sizes, vp8 ? 'vp8' : 'shrink') }
  : { pose: await poseBench(), filledPauses: fillerBench() };
const json = JSON.stringify(result, null, 2);
console.log(json);
const dir = join(ROOT, 'bench-results');
mkdirSync(dir, { recursive: true });
const file = sizes.length ? `quality-sizes${vp8 ? '-vp8' : ''}.json` : 'quality.json';
writeFileSync(join(dir, file), `${json}\n`);
