/**
 * Writes the signal catalogue (generated from the zod schemas in protocol/src/signals.ts) into README.md
 * between its markers.
 *
 *   npm run docs:signals
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CATALOGUE_END, CATALOGUE_START, signalCatalogueMarkdown } from '../protocol/src/catalogue-doc.js';

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const start = readme.indexOf(CATALOGUE_START);
const end = readme.indexOf(CATALOGUE_END);
if (start < 0 || end < start) {
  console.error(`README.md lacks the markers ${CATALOGUE_START} … ${CATALOGUE_END}`);
  process.exit(1);
}
writeFileSync(
  path,
  readme.slice(0, start) + signalCatalogueMarkdown() + readme.slice(end + CATALOGUE_END.length),
);
console.log('README.md: signal catalogue updated');
