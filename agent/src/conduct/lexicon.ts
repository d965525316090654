import type { ProtectedTopic } from '@interview-helper/protocol';

/** What the rule lexicon found in one interviewer utterance (at most one finding: the most serious). */
export type QuestionFinding =
  | { kind: 'protected-topic'; topic: ProtectedTopic; match: string; sentence: string; rephrase: string }
  | { kind: 'leading-question'; match: string; sentence: string; rephrase: string }
  | { kind: 'closed-question'; match: string; sentence: string; rephrase: string };

interface TopicRule {
  topic: ProtectedTopic;
  /** Patterns that ask about the candidate's own characteristic. */
  asks: RegExp[];
  /** A sentence matching this is about something else (e.g. the children of a tree node). */
  unless?: RegExp;
  rephrase: string;
}

/**
 * Questions that sound close to a protected topic but ask what the job needs, as employment guidance recommends
 * (work authorisation, a legal minimum age, performing the essential functions with or without accommodation,
 * meeting the schedule, languages the job uses). A sentence matching one of these is never flagged.
 */
const LAWFUL: RegExp[] = [
  /\b(legally|lawfully)\s+(authori[sz]ed|entitled|eligible|allowed|permitted)\b/,
  /\b(authori[sz]ation|eligib\w*|entitled|permit(ted)?)\s+to\s+work\b/,
  /\bright\s+to\s+work\b/,
  /\b(visa\s+)?sponsor(ship)?\b/,
  /\b(at\s+least|over(\s+the\s+age\s+of)?|older\s+than)\s+(18|eighteen|21|twenty[- ]one)\b/,
  /\bessential\s+functions?\b/,
  /\bwith\s+or\s+without\s+(a\s+)?(reasonable\s+)?accommodations?\b/,
  /\b(adjustments?|accommodations?)\s+(for|during|to)\s+(this|the)\s+(interview|process|assessment)\b/,
  /\bmake\s+(this|the)\s+(interview|process)\s+(more\s+)?accessible\b/,
  /\b(which|what)\s+languages?\s+(do\s+you\s+)?(speak|read|write)\b.*\b(role|job|team|customers?|clients?)\b/,
  /\bother\s+names?\b.*\b(references?|records?|background\s+check|verify|verification)\b/,
];

const YOU = "(you|your|yours|yourself|you're|you've|you'd|you'll)";

const TOPICS: TopicRule[] = [
  {
    topic: 'age',
    asks: [
      /\bhow\s+old\s+(are|were)\s+you\b/,
      /\byour\s+(age|birth\s*(day|date|year)|date\s+of\s+birth|year\s+of\s+birth)\b/,
      /\b(when|what\s+year)\s+(were\s+you\s+born|did\s+you\s+graduate\s+(from\s+)?(high\s+school|secondary|school|college|university))\b/,
      /\bwhat\s+year\s+did\s+you\s+(finish|leave)\s+(high\s+)?school\b/,
      /\b(year|when)\s+did\s+you\s+(finish|leave|graduate\s+from|complete)\s+(high|secondary|grammar)\s+school\b/,
      /\bgraduated\s+in\s+(what|\d{4})\b/,
      /\b(close|near|nearing|thinking\s+about|plans?\s+(to|for))\s+(to\s+)?retire(ment)?\b/,
      /\bretire\s+(soon|in\s+the\s+next)\b/,
      /\bhow\s+(long|many\s+years)\s+(until|before)\s+you\s+retire\b/,
      /\byou('re|\s+are|\s+were)?\s+(too\s+(old|young)|young\s+enough|old\s+enough|still\s+young)\b/,
      /\bwhich\s+generation\b|\bare\s+you\s+a\s+(millennial|boomer|gen\s*[xz])\b/,
      /\bin\s+your\s+(twenties|thirties|forties|fifties|sixties|20s|30s|40s|50s|60s)\b/,
    ],
    rephrase:
      'Leave age out. Only if the role has a legal minimum age, ask: "Are you at least 18 years old?"',
  },
  {
    topic: 'family',
    asks: [
      /\b(have|having|any|your|how\s+many|want|plan(ning)?\s+(on|to\s+have)|more)\s+(\w+\s+)?(children|kids|a\s+child|a\s+baby|babies)\b/,
      /\b(children|kids)\s+(at\s+home|soon|yet|someday|one\s+day|in\s+the\s+(near\s+)?future)\b/,
      /\bwho\s+(looks\s+after|takes\s+care\s+of|watches|picks\s+up)\s+(your|the)\s+(kids|children)\b/,
      /\b(having|have|start(ing)?|raise|raising)\s+a\s+family\b|\bbeing\s+a\s+(mother|father|parent|mom|mum|dad)\b/,
      /\b(pregnan\w*|expecting)\b|\bbaby\s+on\s+the\s+way\b/,
      /\bstart(ing)?\s+a\s+family\b|\bfamily\s+plans?\b|\bplans?\s+for\s+(a\s+)?family\b/,
      /\b(child\s*care|childcare|daycare|day\s+care|nanny|babysitter)\b/,
      /\b(maternity|paternity|parental)\s+leave\b.*\b(plan|take|need|expect|going)\b/,
      /\b(plan|take|need|expect|going)\b.*\b(maternity|paternity|parental)\s+leave\b/,
      /\b(are\s+you\s+a\s+(mother|father|mom|mum|dad|parent))\b/,
      /\bfamily\s+(situation|commitments|obligations|responsibilities)\b/,
      /\bcare\s+for\s+(your\s+)?(elderly\s+)?(parents?|relatives?)\b/,
    ],
    unless:
      /\b(node|nodes|tree|trees|subtree|process(es)?|threads?|elements?|components?|class(es)?|pointers?|dom|heap|widgets?|binary|graph|leaf|leaves|directory|directories|folders?|objects?|array)\b/,
    rephrase:
      'Ask about the job\'s demands instead: "This role has on-call weeks and some travel; can you meet that schedule?"',
  },
  {
    topic: 'marital-status',
    asks: [
      /\b(are|were)\s+you\s+(married|single|divorced|engaged|separated|widowed|seeing\s+someone|in\s+a\s+relationship)\b/,
      /\b(your|you\s+have\s+a|got\s+a)\s+(husband|wife|spouse|partner|boyfriend|girlfriend|fianc[eé]e?)\b/,
      /\bmarital\s+status\b|\bmaiden\s+name\b/,
      /\bis\s+there\s+a\s+(mrs|mr|wife|husband|partner|special\s+someone)\b/,
      /\b(get(ting)?|getting)\s+married\b|\bmarried\s+(soon|yet)\b/,
      /\bwhat\s+does\s+your\s+(husband|wife|spouse|partner)\s+do\b/,
    ],
    rephrase:
      'Ask about the job\'s demands instead: "The role needs travel up to a week a month; are you able to do that?"',
  },
  {
    topic: 'religion',
    asks: [
      /\b(religion|religious|faith|church|mosque|synagogue|temple|worship|pray|prayers?|atheist|christian|muslim|jewish|hindu|buddhist|sikh)\b/,
      /\b(christmas|easter|ramadan|eid|passover|diwali|yom\s+kippur|hanukkah|sabbath|shabbat)\b/,
      /\bwhat\s+(religious\s+)?holidays\s+do\s+you\s+(observe|celebrate|keep)\b/,
      /\bholidays\s+(do\s+)?you\s+(observe|celebrate)\b/,
    ],
    rephrase:
      'Ask about the schedule instead: "The role includes an on-call weekend each month; can you meet that schedule?"',
  },
  {
    topic: 'nationality',
    asks: [
      /\bwhere\s+are\s+you\s+(originally\s+)?from\b(?!\s+(today|right\s+now|at\s+the\s+moment))/,
      /\bwhere\s+(were\s+you|was\s+your\s+\w+)\s+born\b/,
      /\bwhere\s+did\s+you\s+grow\s+up\b|\bwere\s+you\s+born\s+(here|in|abroad|overseas)\b/,
      /\byour\s+english\s+is\s+(very\s+|so\s+|really\s+|quite\s+)?(good|great|excellent|fluent)\b|\bwhere\s+did\s+you\s+learn\s+(your\s+)?english\b/,
      /\b(originally|really)\s+from\b/,
      new RegExp(
        String.raw`\b${YOU}\s+(nationality|citizenship|ethnicity|ethnic\s+background|race|heritage|accent|native\s+(language|tongue|country)|mother\s+tongue|home\s+country|country\s+of\s+origin)\b`,
      ),
      /\b(are\s+you\s+a\s+(\w+\s+)?citizen|what\s+is\s+your\s+citizenship)\b/,
      /\bwhat\s+(country|nationality)\s+(are\s+you|is\s+your\s+family)\b/,
      /\bis\s+(english|german|french|spanish|dutch|italian|\w+ish|\w+ese|\w+ian)\s+your\s+(first|native|main)\s+language\b/,
      /\byour\s+(parents|family)\s+(from|come\s+from)\b|\bwhere\s+(do|did)\s+your\s+(parents|family)\s+come\s+from\b/,
      /\bthat\s+accent\b|\bwhat\s+kind\s+of\s+(name|accent)\b|\bwhere\s+is\s+your\s+(name|surname|last\s+name)\s+from\b/,
    ],
    rephrase:
      'Ask about eligibility only: "Are you legally authorised to work here, and will you need visa sponsorship?"',
  },
  {
    topic: 'disability',
    asks: [
      /\b(disabilit(y|ies)|are\s+you\s+disabled|handicap\w*|wheelchair|(hearing|visual|vision|sight)\s+impair\w*)\b/,
      /\b(health\s+(problems?|issues?|conditions?|history)|medical\s+(conditions?|history|problems?|issues?)|chronic\s+(illness|condition|pain))\b/,
      /\b(medications?|medicated|prescriptions?|therapy|therapist|psychiatri\w*|mental\s+health|depression|rehab)\b/,
      /\bhow\s+(is|was)\s+your\s+health\b|\bare\s+you\s+(healthy|sick\s+often|in\s+good\s+health)\b/,
      /\bhow\s+many\s+(sick\s+days|days\s+(off\s+)?sick)\b|\bsick\s+(days|leave)\s+(did|have)\s+you\b/,
      /\b(ever\s+been|have\s+you\s+been)\s+(injured|hospitali[sz]ed|treated)\b|\bworkers'?\s+comp(ensation)?\b/,
      /\bhave\s+you\s+(ever\s+)?(been\s+diagnosed|had\s+(an?\s+|any\s+)?(\w+\s+)?(illness|illnesses|surgery|operations?|injur(y|ies)|sick\s+leave))\b|\bany\s+(illnesses|injuries|diagnos[ie]s)\b|\byour\s+(illness|diagnosis|condition)\b/,
      /\bdo\s+you\s+(drink|smoke)\b/,
      /\b(physically|medically)\s+(fit|able|capable|healthy)\b/,
      /\bdo\s+you\s+have\s+(any|a)\s+(\w+\s+)?conditions?\b/,
    ],
    rephrase:
      'Ask about the job\'s functions: "Can you perform the essential functions of this job, with or without reasonable accommodation?"',
  },
  {
    topic: 'sexual-orientation',
    asks: [/\b(sexual\s+orientation|are\s+you\s+(gay|straight|lesbian|bisexual|trans))\b/],
    rephrase: 'Leave it out: it has no bearing on the job.',
  },
];

/** Suggests the answer the interviewer expects. */
const LEADING: RegExp[] = [
  /^(?:(?:so|and|but|okay|ok|now|also|then|well)[,\s]+)*(don't|doesn't|didn't|isn't|aren't|wasn't|weren't|haven't|hasn't|can't|couldn't|won't|wouldn't|shouldn't)\s+\w+/,
  /,\s*(would|do|did|can|could|is|are|was|were|will|should|have|has|does)(n't)?\s+(you|it|they|we|that|there|he|she)\s*\?\s*$/,
  /\b(don't|do\s+not|wouldn't|would\s+not|won't|can't|couldn't|shouldn't)\s+you\s+(think|agree|say|feel|prefer|want|admit|say\s+that)\b/,
  /\b(isn't|wasn't|aren't|doesn't|didn't|wouldn't|won't|shouldn't|can't)\s+(it|that|this|there|they)\s+(true|obvious|clear|better|easier|faster|simpler|right|the\s+case|\w+)\b.*\?\s*$/,
  /\byou('d|\s+would)\s+(agree|say)\b/,
  /\b(surely|obviously|of\s+course|clearly)\b.*\?\s*$/,
  /\b(i\s+(assume|suppose|take\s+it|guess|bet)|i'm\s+sure)\b.*\byou\b.*\?\s*$/,
  /\byou\s+(must|probably|definitely)\s+(have|know|use|prefer|agree|think|be|like|want)\b.*\?\s*$/,
  /,\s*(right|correct|isn't\s+it|is\s+it\s+not|don't\s+you|didn't\s+you|wouldn't\s+it|won't\s+it|doesn't\s+it|aren't\s+you|no|yes|yeah)\s*\?\s*$/,
  /\bwouldn't\s+(it|that)\s+be\s+(better|easier|faster|simpler|best)\b/,
  /\bthe\s+(best|right|correct|obvious)\s+(way|approach|answer|choice)\s+(is|would\s+be)\b.*\?\s*$/,
];

const LEADING_REPHRASE =
  'Ask without suggesting the answer: "What options did you consider here, and how do they compare?"';

/** A yes/no question: starts with an auxiliary verb, no open prompt after it. */
const CLOSED =
  /^(?:(?:so|and|but|okay|ok|now|also|then|right|well|alright)[,\s]+)*(do|does|did|are|is|was|were|have|has|had|can|could|will|would|should|shall|may|might|don't|doesn't|didn't|isn't|aren't|wasn't|weren't|haven't|hasn't|can't|couldn't|won't|wouldn't|shouldn't)\s+\w+/;
/** Polite requests and choices that look like yes/no questions but invite a longer answer. */
const OPEN_REQUEST =
  /^(?:(?:so|and|but|okay|ok|now|also|then|right|well|alright)[,\s]+)*(can|could|would|will)\s+you\s+(please\s+)?(walk|explain|describe|tell|talk|show|elaborate|give|share|expand|go\s+through|take\s+me|think\s+of|think\s+about|outline|sketch|summari[sz]e|compare|list|clarify|help\s+me\s+understand|say\s+more|write|code|implement)\b/;
/** Open question words anywhere at the start of a clause. */
const OPEN_START =
  /^(how|what|why|which|where|when|who|whom|whose|tell\s+me|walk\s+me|describe|explain|talk\s+me)\b/;

const CLOSED_REPHRASE =
  'Open it up: "How did you approach …?" or "Walk me through …" invites a fuller answer.';

/** Splits an utterance into sentences (keeping the final punctuation). */
export function sentences(text: string): string[] {
  return (text.match(/[^.?!]+[.?!]*/g) ?? []).map((s) => s.trim()).filter((s) => s.length > 0);
}

const normalise = (s: string) =>
  s.toLowerCase().replace(/[’‘]/g, "'").replace(/[“”]/g, '"').replace(/\s+/g, ' ').trim();

/** The protected topic a sentence asks about, unless it is a lawful, job-related near-miss. */
export function protectedTopicOf(
  sentence: string,
): { topic: ProtectedTopic; match: string; rephrase: string } | undefined {
  const s = normalise(sentence);
  if (LAWFUL.some((r) => r.test(s))) return undefined;
  // about the candidate: a second-person question or request (not a remark about the company's own policy)
  const aboutYou =
    new RegExp(String.raw`\b${YOU}\b`).test(s) ||
    /\b(tell\s+me|describe)\b/.test(s) ||
    (s.endsWith('?') && !/\b(we|our|us|the\s+company|the\s+team)\b/.test(s));
  if (!aboutYou) return undefined;
  for (const rule of TOPICS) {
    if (rule.unless?.test(s)) continue;
    for (const r of rule.asks) {
      const m = r.exec(s);
      if (m) return { topic: rule.topic, match: m[0], rephrase: rule.rephrase };
    }
  }
  return undefined;
}

/** Whether a question sentence suggests its answer; returns the phrase that does. */
export function leadingPhrase(sentence: string): string | undefined {
  const s = normalise(sentence);
  for (const r of LEADING) {
    const m = r.exec(s);
    if (m) return m[0];
  }
  return undefined;
}

/** Whether a question sentence can be answered yes or no; returns its opening. */
export function closedOpening(sentence: string): string | undefined {
  const s = normalise(sentence);
  if (!s.endsWith('?') || OPEN_START.test(s) || OPEN_REQUEST.test(s)) return undefined;
  const m = CLOSED.exec(s);
  return m ? m[0] : undefined;
}

/**
 * Reviews one interviewer utterance sentence by sentence: a protected topic first (any sentence, question or
 * request), then a leading question, then a closed one. Deterministic and fast (microseconds), so a finding can
 * go out as soon as the utterance is transcribed.
 */
export function reviewUtterance(text: string): QuestionFinding | undefined {
  const parts = sentences(text);
  for (const sentence of parts) {
    const p = protectedTopicOf(sentence);
    if (p) return { kind: 'protected-topic', sentence, ...p };
  }
  for (const sentence of parts) {
    const match = leadingPhrase(sentence);
    if (match) return { kind: 'leading-question', sentence, match, rephrase: LEADING_REPHRASE };
  }
  // a closed question is only worth a note when it is the utterance's last question (the one left to answer)
  const last = [...parts].reverse().find((s) => s.endsWith('?'));
  if (last) {
    const match = closedOpening(last);
    if (match) return { kind: 'closed-question', sentence: last, match, rephrase: CLOSED_REPHRASE };
  }
  return undefined;
}
