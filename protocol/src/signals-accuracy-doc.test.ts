import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SIGNAL_KINDS } from './signals.js';

const DOC = new URL('../../docs/signals-accuracy.md', import.meta.url);

/** `## \`kind\`` sections of the published accuracy page, with their text. */
function sections(): Map<string, string> {
  const text = readFileSync(DOC, 'utf8');
  const found = new Map<string, string>();
  for (const part of text.split(/^## /m).slice(1)) {
    const kind = /^`([a-z-]+)`\s*\n/.exec(part)?.[1];
    if (kind) found.set(kind, part);
  }
  return found;
}

describe('docs/signals-accuracy.md', () => {
  it('has a section for every signal kind of the catalogue, and none for unknown kinds', () => {
    const documented = sections();
    const missing = SIGNAL_KINDS.filter((k) => !documented.has(k));
    expect(missing, 'signal kinds without a section in docs/signals-accuracy.md').toEqual([]);
    const unknown = [...documented.keys()].filter((k) => !(SIGNAL_KINDS as string[]).includes(k));
    expect(unknown, 'sections for kinds that are not in the catalogue').toEqual([]);
  });

  it('says in every section what is measured, how, how accurately, and when it fails', () => {
    for (const [kind, text] of sections()) {
      for (const heading of ['**Measures**', '**How**', '**Accuracy**', '**Known failures**']) {
        expect(text.includes(heading), `${kind}: ${heading}`).toBe(true);
      }
    }
  });
});
