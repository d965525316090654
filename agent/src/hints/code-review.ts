/** A pattern in the candidate's code worth probing, phrased as a question for the interviewer. */
export interface CodeIssue {
  id: string;
  /** 1-based line of the pattern. */
  line: number;
  /** What to ask the candidate about (never the answer). */
  probe: string;
  confidence: number;
}

interface Check {
  id: string;
  test: RegExp;
  /** The issue is skipped when the whole code matches this (the candidate already handles it). */
  unless?: RegExp;
  probe: string;
  confidence: number;
}

const CHECKS: Check[] = [
  {
    id: 'off-by-one',
    test: /(<=\s*[\w.]+\.(length|size\(\)|count)\b)|(range\(\s*len\([^)]*\)\s*\+\s*1\s*\))/,
    probe: 'the loop bound reaches the length itself: ask what happens at the last index',
    confidence: 0.7,
  },
  {
    id: 'empty-input',
    test: /\w\[0\]|\.length\s*-\s*1\]|\[-1\]/,
    unless:
      /(\.length\s*(===?|<|<=)\s*0)|(len\([^)]*\)\s*(==|<|<=)\s*0)|(if\s+not\s+\w+)|(if\s*\(\s*!\s*\w+)|(isEmpty\(\))/,
    probe: 'an element is read by index without an empty-input check: ask what an empty input does',
    confidence: 0.6,
  },
  {
    id: 'division',
    test: /\/\s*(len\(|[\w.]*\b(length|len|count|size|n|total)\b)/,
    unless: /(==|===|!=|!==)\s*0\b|\b(length|len|count|size|total)\s*>\s*0/,
    probe: 'a division by a length or count: ask about the zero case',
    confidence: 0.6,
  },
  {
    id: 'infinite-loop',
    test: /while\s*\(\s*true\s*\)|while\s+True\s*:/,
    unless: /\bbreak\b|\breturn\b/,
    probe: 'a loop without a visible exit: ask how it terminates',
    confidence: 0.6,
  },
  {
    id: 'bare-except',
    test: /except\s*:|catch\s*\(\s*\w*\s*\)\s*\{\s*\}/,
    probe: 'errors are caught and ignored: ask which failures they expect there',
    confidence: 0.5,
  },
];

/**
 * Looks for a few well-known patterns worth probing (off-by-one bounds, empty input, division by a count,
 * loops without an exit, swallowed errors). Deterministic; at most one issue per check, first line wins.
 */
export function reviewCode(text: string, _language: string): CodeIssue[] {
  const lines = text.split('\n');
  const issues: CodeIssue[] = [];
  for (const c of CHECKS) {
    if (c.unless?.test(text)) continue;
    const index = lines.findIndex((l) => c.test.test(l));
    if (index >= 0) issues.push({ id: c.id, line: index + 1, probe: c.probe, confidence: c.confidence });
  }
  return issues;
}
