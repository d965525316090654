import { describe, expect, it } from 'vitest';
import { CodeClaimTrigger, checkClaims, loops } from './code-claims.js';
import { RuleHintWriter } from './rules.js';
import { defaultTriggerOptions } from './trigger-options.js';
import { TriggerEngine } from './triggers.js';

const NESTED = `function hasDuplicate(xs) {
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++) {
      if (xs[i] === xs[j]) return true;
    }
  }
  return false;
}
`;
const LINEAR = `function hasDuplicate(xs) {
  const seen = new Set();
  for (const x of xs) {
    if (seen.has(x)) return true;
    seen.add(x);
  }
  return false;
}
`;
const PY_NESTED = `def pairs(xs):
    out = []
    for a in xs:
        for b in xs:
            out.append((a, b))
    return out
`;

describe('code claims', () => {
  it('finds nested loops by indentation in brace and Python code', () => {
    expect(loops(NESTED)).toEqual([
      { line: 2, depth: 1 },
      { line: 3, depth: 2, parent: 2 },
    ]);
    expect(loops(LINEAR)).toEqual([{ line: 3, depth: 1 }]);
    expect(loops(PY_NESTED).map((l) => l.depth)).toEqual([1, 2]);
  });

  it('turns a linear-time claim over nested loops into a question, never the answer', () => {
    for (const said of ['This is O(n).', 'So this runs in O of N time.', 'It is linear, one pass.']) {
      const [m, ...rest] = checkClaims(said, NESTED);
      expect(rest, said).toEqual([]);
      expect(m).toMatchObject({ id: 'complexity', line: 3 });
      expect(m?.observed).toBe('the loop on line 3 runs inside the loop on line 2');
      expect(m?.probe).toMatch(/\?$/);
      expect(m?.probe).not.toMatch(/quadratic|n\^?2|n squared|O\(n/i);
    }
    expect(checkClaims('This is O(n).', LINEAR)).toEqual([]);
    expect(checkClaims('This is O(n squared), I know.', NESTED)).toEqual([]);
    expect(checkClaims('This is O(n log n).', NESTED)[0]?.id).toBe('complexity');
  });

  it('checks claims of handling empty input, sort cost and constant space against the code', () => {
    const first = 'function first(xs) {\n  return xs[0].name;\n}\n';
    expect(checkClaims('It handles an empty array fine.', first)[0]).toMatchObject({
      id: 'empty-input',
      line: 2,
    });
    const guarded = 'function first(xs) {\n  if (xs.length === 0) return null;\n  return xs[0].name;\n}\n';
    expect(checkClaims('It handles an empty array fine.', guarded)).toEqual([]);
    expect(
      checkClaims('Linear time overall.', 'def f(xs):\n    ys = sorted(xs)\n    return ys[0]\n')[0],
    ).toMatchObject({
      id: 'sort-cost',
      line: 2,
    });
    expect(
      checkClaims('I do it in place.', 'function r(xs) {\n  return [...xs].reverse();\n}\n')[0]?.id,
    ).toBe('constant-space');
  });

  it('fires once per revision, whether the claim or the code comes first', () => {
    const t = new CodeClaimTrigger();
    expect(t.onSpeech({ id: 'seg_1', text: 'This is O(n).', end: 1000 }, 120)).toEqual([]);
    const [fired] = t.onCode({ revision: 2, text: NESTED }, 5000, 120, 'sig_code');
    expect(fired).toMatchObject({ kind: 'code-claim', at: 5000, evidence: ['seg_1', 'sig_code'] });
    expect(t.onSpeech({ id: 'seg_2', text: 'Yes, O(n).', end: 6000 }, 120)).toEqual([]);
    expect(t.onCode({ revision: 3, text: `${NESTED}\n` }, 7000, 120)).toHaveLength(1);
    // a claim split over two segments is read as one
    const split = new CodeClaimTrigger();
    split.onCode({ revision: 1, text: NESTED }, 0, 120);
    expect(split.onSpeech({ id: 'a', text: 'It runs in', end: 10_000 }, 120)).toEqual([]);
    expect(split.onSpeech({ id: 'b', text: 'linear time.', end: 11_000 }, 120)).toHaveLength(1);
    // past the window a claim is no longer checked against new code
    expect(t.onCode({ revision: 4, text: NESTED }, 200_000, 120)).toEqual([]);
  });

  it('reaches the rule writer through the trigger engine as a question for the interviewer', () => {
    const engine = new TriggerEngine(() => defaultTriggerOptions);
    expect(engine.onCode({ revision: 1, language: 'javascript', text: NESTED }, 1000, 'sig_code')).toEqual(
      [],
    );
    const [t] = engine.onTranscript({
      id: 'seg_9',
      role: 'candidate',
      text: 'My solution is O of n.',
      end: 4000,
    });
    expect(t?.kind).toBe('code-claim');
    const draft = new RuleHintWriter().write(t as NonNullable<typeof t>);
    expect(draft.text.normal).toBe(
      'The candidate said "My solution is O of n."; in the code pad (revision 1) the loop on line 3 runs inside the loop on line 2. Ask: "How many times does line 3 run for an input of n elements, and what does that make the whole function?"',
    );
  });
});
