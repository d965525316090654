import type { ConductMessage, ProtectedTopic } from '@interview-helper/protocol';
import type { QuestionFinding } from './lexicon.js';
import type { TalkObservation } from './talk-tracker.js';

/** A conduct note before it gets its id, session and times. */
export type NoteDraft = Pick<
  ConductMessage,
  'interviewer' | 'kind' | 'text' | 'severity' | 'source' | 'evidence' | 'at'
> &
  Partial<Pick<ConductMessage, 'topic' | 'quote' | 'rephrase' | 'values'>>;

/** How each protected topic is named in a note. */
export const TOPIC_LABELS: Record<ProtectedTopic, string> = {
  age: 'age',
  family: 'family plans, children or pregnancy',
  'marital-status': 'marital status or a partner',
  religion: 'religion or religious practice',
  nationality: 'national or ethnic origin',
  disability: 'health or disability',
  'sexual-orientation': 'sexual orientation',
};

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** The note for a question the lexicon flagged (observable wording only). */
export function questionNote(
  f: QuestionFinding,
  q: { interviewer: string; segmentId: string; end: number },
  closedCount?: { closed: number; of: number },
): NoteDraft {
  const quote = clip(f.sentence, 300);
  const base = {
    interviewer: q.interviewer,
    source: 'rules' as const,
    evidence: [q.segmentId],
    at: Math.round(q.end),
    quote,
    rephrase: f.rephrase,
  };
  switch (f.kind) {
    case 'protected-topic':
      return {
        ...base,
        kind: 'protected-topic',
        topic: f.topic,
        severity: 'warning',
        text: `Your question asks about ${TOPIC_LABELS[f.topic]} ("${clip(f.match, 60)}"), a protected characteristic unrelated to the job. Consider withdrawing it and telling the candidate they need not answer.`,
        values: { match: clip(f.match, 60) },
      };
    case 'leading-question':
      return {
        ...base,
        kind: 'leading-question',
        severity: 'info',
        text: `Your question suggests its answer ("${clip(f.match, 60)}").`,
        values: { match: clip(f.match, 60) },
      };
    case 'closed-question':
      return {
        ...base,
        kind: 'closed-question',
        severity: 'info',
        text: closedCount
          ? `${closedCount.closed} of your last ${closedCount.of} questions can be answered with yes or no.`
          : 'Your question can be answered with yes or no.',
        ...(closedCount ? { values: { closed: closedCount.closed, of: closedCount.of } } : {}),
      };
  }
}

/** The note for a measured turn-taking observation. */
export function talkNote(o: TalkObservation, evidence: string[] = []): NoteDraft {
  const base = { interviewer: o.interviewer, source: 'rules' as const, severity: 'info' as const, evidence };
  switch (o.kind) {
    case 'talk-share':
      return {
        ...base,
        kind: 'talk-share',
        at: Math.round(o.at),
        text: `You have spoken ${Math.round(o.share * 100)} % of the talk time so far (${o.seconds} s of ${o.totalSeconds} s).`,
        rephrase: 'Ask an open question and let the candidate take the next few minutes.',
        values: { share: o.share, seconds: o.seconds, totalSeconds: o.totalSeconds },
      };
    case 'monologue':
      return {
        ...base,
        kind: 'monologue',
        at: Math.round(o.at),
        text: `You have been speaking for ${o.seconds} s without the candidate speaking.`,
        rephrase: 'Hand over with a question, e.g. "How would you approach that?"',
        values: { seconds: o.seconds },
      };
    case 'interruption':
      return {
        ...base,
        kind: 'interruption',
        at: Math.round(o.at),
        text: `You started speaking while the candidate was speaking (for ${o.candidateSeconds} s) and they stopped ${(o.yieldedAfterMs / 1000).toFixed(1)} s later${o.count > 1 ? ` (${o.count} times so far)` : ''}.`,
        rephrase: 'Let the candidate finish, then ask them to continue: "Please go on."',
        values: { candidateSeconds: o.candidateSeconds, yieldedAfterMs: o.yieldedAfterMs, count: o.count },
      };
  }
}
