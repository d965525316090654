import { describe, expect, it } from 'vitest';
import { safeId, safeText, unsafeTextReason } from './text.js';

describe('safeText', () => {
  const name = safeText({ max: 20 });

  it('accepts ordinary text in any script, emoji included, and trims it', () => {
    for (const ok of ['Ada Lovelace', 'Ēmile Zoë', '李小龙', 'محمد', 'Ana 👩🏽‍💻', 'O’Brien-Smith'])
      expect(name.parse(` ${ok} `)).toBe(ok);
  });

  it('refuses NUL, controls, unpaired surrogates, bidi controls and separators with a reason', () => {
    const cases: [string, RegExp][] = [
      ['Ada\u0000', /NUL/],
      ['Ada\u0007x', /control characters \(U\+0007\)/],
      ['a\nb', /control/],
      ['a\u0085b', /control/],
      ['x\uD800', /unpaired surrogates \(U\+D800\)/],
      ['\uDC00x', /unpaired surrogates/],
      ['evil\u202Etxt.exe', /bidirectional controls \(U\+202E\)/],
      ['a\u2066b', /bidirectional/],
      ['a\u200Fb', /bidirectional/],
      ['a\u2028b', /U\+2028/],
      ['a\uFFFFb', /U\+FFFF/],
    ];
    for (const [value, reason] of cases) {
      const result = name.safeParse(value);
      expect(result.success, JSON.stringify(value)).toBe(false);
      expect(result.error?.issues.map((i) => i.message).join(' '), JSON.stringify(value)).toMatch(reason);
    }
  });

  it('keeps paired surrogates (astral characters) and allows new lines only in multi-line text', () => {
    expect(unsafeTextReason('𝔸\uD83D\uDE00')).toBeUndefined();
    const multi = safeText({ max: 100, multiline: true });
    expect(multi.parse('line 1\n\tline 2\r\n')).toBe('line 1\n\tline 2');
    expect(multi.safeParse('a\u0000b').success).toBe(false);
    expect(multi.safeParse('a\u202Eb').success).toBe(false);
  });

  it('checks the length after trimming', () => {
    expect(name.safeParse('   ').success).toBe(false);
    expect(name.safeParse('x'.repeat(21)).success).toBe(false);
  });
});

describe('safeId', () => {
  it('accepts uuids and base64url, refuses anything else', () => {
    const id = safeId();
    expect(id.safeParse('0b6f2c1e-4a7b-4c4e-9a55-1d3c2b9f8e7a').success).toBe(true);
    expect(id.safeParse('AbC_-09').success).toBe(true);
    for (const bad of ['', 'a b', 'a\u0000', 'a/b', '../x', 'x'.repeat(129), 'é'])
      expect(id.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});
