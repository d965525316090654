/**
 * Quality bench (JSON to stdout and bench-results/quality.json): precision and recall of the pose
 * episodes (hand-to-face, raised-hand, out-of-frame) on labelled frames and of the filled-pause
 * detector on labelled speech, the previous approach and the current one side by side, on a
 * tuning set and on a held-out set (see docs/quality.md).
 *
 *   npm run bench:quality -w agent
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../test/fixtures/paths.js';
import { ensureModels } from '../src/vision/testing.js';
import { fillerBench } from './quality/fillers.js';
import { poseBench } from './quality/pose.js';

const failed = await ensureModels();
if (failed.length) throw failed[0];
const result = { pose: await poseBench(), filledPauses: fillerBench() };
const json = JSON.stringify(result, null, 2);
console.log(json);
const dir = join(ROOT, 'bench-results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'quality.json'), `${json}\n`);
