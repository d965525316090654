import { planTimeTemplate } from './plan-trigger.js';
import type { Facts, HintDraft, HintTrigger } from './trigger.js';

type Template = (f: Facts) => { minimal: string; normal: string; follow?: string };

const q = (f: Facts) => (typeof f.question === 'string' ? ` after the question "${f.question}"` : '');

/** One deterministic template per trigger kind; every text describes what was observed, never a feeling. */
const TEMPLATES: Record<HintTrigger['kind'], Template> = {
  'long-pause': (f) => ({
    minimal: `No speech for ${f.seconds} s.`,
    normal: `The candidate has not spoken for ${f.seconds} s${q(f) || (f.afterInterviewer ? ' after the interviewer stopped speaking' : '')}.`,
    follow: 'Consider rephrasing the question or offering a smaller first step.',
  }),
  stuck: (f) => ({
    minimal: 'Candidate asked for help or clarification.',
    normal: `The candidate said "${f.quote}".`,
    follow: 'Consider clarifying the question or giving a scoped hint.',
  }),
  'look-away': (f) => ({
    minimal: `Looked away ${f.count} times in ${f.windowSeconds} s.`,
    normal: `The candidate looked away from the screen ${f.count} times in the last ${f.windowSeconds} s.`,
    follow: 'You may ask them to talk through what they are working on.',
  }),
  'extra-person': (f) => ({
    minimal: 'Another person may be present.',
    normal:
      f.faces !== undefined
        ? `${f.faces} faces are in the candidate's camera view.`
        : f.identity !== undefined
          ? `A second candidate participant (${f.identity}) joined the room.`
          : `Another person was detected (${f.signal}).`,
    follow: 'You may check the setup with the candidate.',
  }),
  'code-idle': (f) => ({
    minimal: `Code unchanged for ${f.minutesUnchanged} min.`,
    normal: `The code pad has not changed for ${f.minutesUnchanged} min and the candidate has been silent for ${f.silentSeconds} s.`,
    follow: 'You may ask them to describe their current approach.',
  }),
  'fast-speech': (f) => ({
    minimal:
      f.wordsPerMinute !== undefined
        ? `Fast speech: ${f.wordsPerMinute} wpm.`
        : `Fast speech: ${f.syllablesPerSecond} syll/s.`,
    normal:
      f.wordsPerMinute !== undefined
        ? `The candidate is speaking at about ${f.wordsPerMinute} words per minute.`
        : `The candidate is speaking at about ${f.syllablesPerSecond} syllables per second.`,
    follow: 'You may ask them to walk through the last point step by step.',
  }),
  monotone: (f) => ({
    minimal: 'Little pitch variation.',
    normal:
      f.pitchSemitones !== undefined
        ? `The candidate's pitch varied by only ${f.pitchSemitones} semitones recently.`
        : "The candidate's pitch varied little recently.",
  }),
  'answer-end': (f) => ({
    minimal: 'Answer finished: ask a follow-up.',
    normal: `The candidate finished an answer of about ${f.speechSeconds} s${q(f)}. Follow-up: ask for a concrete example and the trade-offs of their approach.`,
  }),
  'code-review': (f) => ({
    minimal: `Code line ${f.line}: worth probing.`,
    normal: `Code pad line ${f.line} (revision ${f.revision}): ${f.probe}.`,
  }),
  'code-claim': (f) => ({
    minimal: `Check the claim against line ${f.line}.`,
    normal: `The candidate said "${f.claim}"; in the code pad (revision ${f.revision}) ${f.observed}. Ask: "${f.probe}"`,
  }),
  'plan-time': planTimeTemplate,
};

/** One trigger of a merged hint, with its facts as last observed and whether what it describes has ended. */
export interface MergedPart {
  trigger: HintTrigger;
  facts: Facts;
  ended: boolean;
}

const STUCK_FOLLOW = 'Consider clarifying the question or giving a scoped hint.';

/** Texts of a long pause and a clarification request close together, true at the moment they are shown. */
function pauseAndRequest(pause: MergedPart, request: MergedPart): { minimal: string; normal: string } {
  const s = pause.facts.seconds;
  const quote = request.facts.quote;
  if (!pause.ended) {
    return {
      minimal: `Asked for help; no speech for ${s} s since.`,
      normal: `The candidate said "${quote}" and has not spoken for ${s} s since. ${STUCK_FOLLOW}`,
    };
  }
  return request.trigger.at >= pause.trigger.at
    ? {
        minimal: `Asked for help after ${s} s of silence.`,
        normal: `After ${s} s without speaking, the candidate said "${quote}". ${STUCK_FOLLOW}`,
      }
    : {
        minimal: `Asked for help, then ${s} s of silence.`,
        normal: `The candidate said "${quote}", then did not speak for ${s} s. ${STUCK_FOLLOW}`,
      };
}

/**
 * The embedded hint writer: deterministic templates, one per trigger, at three detail levels. Used when
 * no LLM key is set and whenever the LLM fails or is slow. Every hint cites the trigger's evidence.
 */
export class RuleHintWriter {
  write(t: HintTrigger): HintDraft {
    const tpl = TEMPLATES[t.kind](t.facts);
    const normal = tpl.follow ? `${tpl.normal} ${tpl.follow}` : tpl.normal;
    const cite = t.evidence.length > 0 ? ` Evidence: ${t.evidence.join(', ')}.` : '';
    return {
      kind: t.kind,
      text: { minimal: tpl.minimal, normal, verbose: `${normal}${cite}` },
      evidence: [...t.evidence],
      confidence: t.confidence,
      source: 'rules',
    };
  }

  /**
   * One hint for related triggers merged together (the first part is the hint's own trigger): a long pause
   * with a clarification request reads as one sentence; other pairs are the texts one after the other.
   */
  writeMerged(parts: readonly MergedPart[]): HintDraft {
    const [first] = parts;
    if (!first) throw new RangeError('writeMerged needs at least one part');
    const pause = parts.find((p) => p.trigger.kind === 'long-pause');
    const request = parts.find((p) => p.trigger.kind === 'stuck');
    const evidence = [...new Set(parts.flatMap((p) => p.trigger.evidence))];
    const texts =
      pause && request && parts.length === 2
        ? pauseAndRequest(pause, request)
        : parts
            .map(
              (p): { minimal: string; normal: string } => this.write({ ...p.trigger, facts: p.facts }).text,
            )
            .reduce((a, b) => ({ minimal: `${a.minimal} ${b.minimal}`, normal: `${a.normal} ${b.normal}` }));
    const cite = evidence.length > 0 ? ` Evidence: ${evidence.join(', ')}.` : '';
    return {
      kind: first.trigger.kind,
      text: { minimal: texts.minimal, normal: texts.normal, verbose: `${texts.normal}${cite}` },
      evidence,
      confidence: Math.max(...parts.map((p) => p.trigger.confidence)),
      source: 'rules',
    };
  }
}
