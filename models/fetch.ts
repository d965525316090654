/**
 * Fetches and verifies the ONNX models listed in `models/manifest.json` into `models/cache/`
 * (or `MODELS_DIR`). `MODELS_MIRROR` names a local directory tried before the network.
 *
 *   npm run models:fetch
 *   MODELS_MIRROR=../shared/models npm run models:fetch
 */
import { resolve } from 'node:path';
import { fetchModels, loadManifest, modelsDir } from '../agent/src/vision/models.js';

const mirror = process.env.MODELS_MIRROR ? resolve(process.env.MODELS_MIRROR) : undefined;
const dir = modelsDir();
console.log(`models → ${dir}${mirror ? ` (mirror ${mirror})` : ''}`);
const failed = await fetchModels(await loadManifest(), { dir, mirror, log: (l) => console.log(l) });
for (const err of failed) console.error(JSON.stringify({ error: err.toJSON() }));
process.exit(failed.length ? 1 : 0);
