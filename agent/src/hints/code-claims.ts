import type { HintTrigger } from './trigger.js';

/** What the candidate said about their code that the code pad does not bear out, with a question to probe it. */
export interface ClaimMismatch {
  /** `complexity`, `sort-cost`, `empty-input`, `constant-space`. */
  id: string;
  /** The candidate's words the claim rests on. */
  claim: string;
  /** What the code shows, as facts (lines), never the conclusion. */
  observed: string;
  /** The question for the interviewer to ask (never the answer). */
  probe: string;
  /** 1-based line the probe points at. */
  line: number;
  confidence: number;
}

/** Growth the candidate claimed: 0 constant, 1 linear (or log-linear: 1.5), 2 quadratic… */
type Order = { order: number; phrase: string };

const CLAIMS: { re: RegExp; order: number }[] = [
  { re: /\b(o|oh|big[- ]o)\s*(\(|of\s+)\s*(1|one)\b\s*\)?|\bconstant\s+time\b/i, order: 0 },
  {
    re: /\b(o|oh|big[- ]o)\s*(\(|of\s+)\s*(log\s*(n|en|of\s+n)|log\s+n)\s*\)?|\blogarithmic\b/i,
    order: 0.5,
  },
  {
    re: /\b(o|oh|big[- ]o)\s*(\(|of\s+)\s*(n|en)\s*(log|times\s+log)\s*(n|en)?\s*\)?|\bn\s+log\s+n\b/i,
    order: 1.5,
  },
  {
    re: /\b(o|oh|big[- ]o)\s*(\(|of\s+)\s*(n|en)\b\s*\)?(?!\s*(log|squared|square|\^|\*|times|cubed|2|²))|\blinear(\s+time)?\b|\b(single|one)\s+pass\b/i,
    order: 1,
  },
];

const EMPTY_CLAIM =
  /\b(handles?|handled|handling|works?\s+(for|with|on)|covers?|covered|takes?\s+care\s+of|deals?\s+with|checks?\s+for|accounts?\s+for)\s+(an?\s+|the\s+)?(empty|null|zero[- ]length|no)\b|\b(empty\s+(input|array|list|string|case)s?)\s+(is|are)\s+(handled|fine|covered|ok|okay)\b/i;
const SPACE_CLAIM = /\b(in[- ]place|constant\s+(extra\s+)?(space|memory)|no\s+extra\s+(space|memory))\b/i;

const LOOP =
  /^\s*(for\s*\(|for\s+\w[^:]*\s+in\s+|for\s+\w+\s*:?=|for\s*\{|while\s*[( ]|do\s*\{)|\.(forEach|map|filter|reduce|some|every|flatMap)\s*\(/;
const LINEAR_CALL =
  /\.(includes|indexOf|lastIndexOf|splice|shift|unshift|find|findIndex)\s*\(|\.index\s*\(|\bsorted\s*\(|\.sort\s*\(/;
const SORT =
  /\.sort\s*\(|\bsorted\s*\(|\bArrays\.sort\b|\bsort\.(Slice|Ints|Strings)\b|\bCollections\.sort\b/;
const INDEX_READ = /\w\s*\[\s*(0|-1)\s*\]|\.length\s*-\s*1\s*\]|\bmax\s*\(\s*\w+\s*\)|\bmin\s*\(\s*\w+\s*\)/;
const EMPTY_CHECK =
  /(\.length\s*(===?|<|<=|!==?)\s*0)|(\.length\s*>\s*0)|(len\([^)]*\)\s*(==|<|<=|>|!=)\s*0)|(if\s+not\s+\w+)|(if\s*\(\s*!\s*\w+(\.length)?\s*\))|(isEmpty\(\))|(\.length\s*\)\s*return)/;
const ALLOCATION =
  /new\s+(Array|Map|Set)\b|=\s*\[\s*\]|=\s*\{\s*\}|\[\.\.\.|\.(slice|concat|map|filter)\s*\(|\b(list|dict|set)\s*\(|\.copy\s*\(|\bsorted\s*\(/;

const indent = (l: string) => l.length - l.trimStart().length;

/** Loops of the code with their nesting depth (from indentation; 1 = outermost). */
export function loops(text: string): { line: number; depth: number; parent?: number }[] {
  const lines = text.split('\n');
  const open: { line: number; indent: number }[] = [];
  const out: { line: number; depth: number; parent?: number }[] = [];
  lines.forEach((l, i) => {
    if (!l.trim() || /^\s*(\/\/|#|\*)/.test(l)) return;
    const k = indent(l);
    while (open.length > 0 && (open.at(-1)?.indent ?? 0) >= k && !/^\s*[}\])]/.test(l)) open.pop();
    if (/^\s*[}\])]/.test(l)) {
      while (open.length > 0 && (open.at(-1)?.indent ?? 0) >= k) open.pop();
      return;
    }
    if (LOOP.test(l)) {
      const parent = open.at(-1)?.line;
      out.push({ line: i + 1, depth: open.length + 1, ...(parent ? { parent } : {}) });
      open.push({ line: i + 1, indent: k });
    }
  });
  return out;
}

/** A linear-time call (search, splice, sort) inside a loop: its line and the loop's. */
function linearCallInLoop(text: string): { line: number; loop: number } | undefined {
  const lines = text.split('\n');
  for (const lp of loops(text)) {
    const k = indent(lines[lp.line - 1] ?? '');
    for (let i = lp.line; i < lines.length; i++) {
      const l = lines[i] ?? '';
      if (!l.trim()) continue;
      if (indent(l) <= k) break;
      if (LINEAR_CALL.test(l)) return { line: i + 1, loop: lp.line };
    }
  }
  return undefined;
}

function claimedOrder(said: string): Order | undefined {
  for (const c of CLAIMS) {
    const m = c.re.exec(said);
    if (m) return { order: c.order, phrase: m[0].trim() };
  }
  return undefined;
}

const firstLine = (text: string, re: RegExp) => text.split('\n').findIndex((l) => re.test(l)) + 1;

/**
 * Compares what the candidate said about their code (complexity, empty input, extra space) with the code pad.
 * Deterministic; each mismatch comes with the lines that show it and a question to ask, never the answer.
 */
export function checkClaims(said: string, code: string): ClaimMismatch[] {
  const out: ClaimMismatch[] = [];
  const quote = said.trim().slice(0, 160);
  const claim = claimedOrder(said);
  if (claim) {
    const nested = loops(code).find((l) => l.depth >= 2);
    const hidden = linearCallInLoop(code);
    const sortLine = firstLine(code, SORT);
    if (claim.order < 2 && nested?.parent) {
      out.push({
        id: 'complexity',
        claim: quote,
        observed: `the loop on line ${nested.line} runs inside the loop on line ${nested.parent}`,
        probe: `How many times does line ${nested.line} run for an input of n elements, and what does that make the whole function?`,
        line: nested.line,
        confidence: 0.75,
      });
    } else if (claim.order < 2 && hidden) {
      out.push({
        id: 'complexity',
        claim: quote,
        observed: `line ${hidden.line} searches or shifts a collection inside the loop on line ${hidden.loop}`,
        probe: `What does the call on line ${hidden.line} cost, and how often does it run?`,
        line: hidden.line,
        confidence: 0.65,
      });
    } else if (claim.order < 1.5 && sortLine > 0) {
      out.push({
        id: 'sort-cost',
        claim: quote,
        observed: `line ${sortLine} sorts`,
        probe: `What does the sort on line ${sortLine} cost, and does it change the overall bound you gave?`,
        line: sortLine,
        confidence: 0.7,
      });
    } else if (claim.order === 0 && loops(code).length > 0) {
      const first = loops(code)[0] as { line: number };
      out.push({
        id: 'complexity',
        claim: quote,
        observed: `line ${first.line} loops over the input`,
        probe: `How does the loop on line ${first.line} grow with the input size?`,
        line: first.line,
        confidence: 0.65,
      });
    }
  }
  if (EMPTY_CLAIM.test(said) && !EMPTY_CHECK.test(code)) {
    const line = firstLine(code, INDEX_READ);
    if (line > 0)
      out.push({
        id: 'empty-input',
        claim: quote,
        observed: `line ${line} reads an element before any check for an empty input`,
        probe: `Walk me through what line ${line} does when the input is empty.`,
        line,
        confidence: 0.7,
      });
  }
  if (SPACE_CLAIM.test(said)) {
    const line = firstLine(code, ALLOCATION);
    if (line > 0)
      out.push({
        id: 'constant-space',
        claim: quote,
        observed: `line ${line} builds a new collection`,
        probe: `How much memory does line ${line} use for an input of n elements?`,
        line,
        confidence: 0.6,
      });
  }
  return out;
}

/** Candidate segments ending this close together are read as one statement. */
const JOIN_MS = 8000;

/**
 * The `code-claim` trigger: watches what the candidate says and the code pad, and fires when a claim about the
 * code (checked with {@link checkClaims}) does not match the latest revision. A claim is checked when it is said
 * and again when the code changes within `windowSeconds`; each mismatch fires once per revision.
 */
export class CodeClaimTrigger {
  #code?: { revision: number; text: string; id?: string };
  #said: { id: string; text: string; at: number }[] = [];
  #fired = new Set<string>();

  /** A final candidate transcript segment; returns the triggers it completes. */
  onSpeech(seg: { id: string; text: string; end: number }, windowSeconds: number): HintTrigger[] {
    this.#said.push({ id: seg.id, text: seg.text, at: seg.end });
    this.#said = this.#said.filter((s) => s.at >= seg.end - windowSeconds * 1000);
    // a sentence split over segments (the recognizer cuts at short pauses) is checked as one
    const recent = this.#said.filter((s) => s.at >= seg.end - JOIN_MS);
    return this.#check([{ id: seg.id, text: recent.map((s) => s.text).join(' '), at: seg.end }], seg.end);
  }

  /** A new code-pad revision; claims said within `windowSeconds` are checked against it. */
  onCode(
    code: { revision: number; text: string },
    now: number,
    windowSeconds: number,
    id?: string,
  ): HintTrigger[] {
    this.#code = { ...code, ...(id ? { id } : {}) };
    this.#said = this.#said.filter((s) => s.at >= now - windowSeconds * 1000);
    return this.#check(this.#said, now);
  }

  #check(said: { id: string; text: string; at: number }[], at: number): HintTrigger[] {
    const code = this.#code;
    if (!code?.text.trim()) return [];
    const out: HintTrigger[] = [];
    for (const s of said) {
      for (const m of checkClaims(s.text, code.text)) {
        const key = `${m.id}:${code.revision}`;
        if (this.#fired.has(key)) continue;
        this.#fired.add(key);
        const evidence = [s.id, ...(code.id ? [code.id] : [])];
        out.push({
          kind: 'code-claim',
          at: Math.max(at, s.at),
          signalId: code.id ?? s.id,
          evidence,
          facts: {
            claim: m.claim,
            observed: m.observed,
            probe: m.probe,
            line: m.line,
            revision: code.revision,
            issue: m.id,
          },
          confidence: m.confidence,
          dedupeKey: `code-claim:${key}`,
        });
      }
    }
    return out;
  }
}
