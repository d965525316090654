import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { measure, totalOf } from './replay-wer.js';

const root = mkdtempSync(join(tmpdir(), 'replay-wer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** One `lk.transcription` message as the replay client records it. */
const segment = (id: string, role: string, text: string, final = true, to = 'interviewer', status = 'ok') =>
  JSON.stringify({
    event: 'message',
    topic: 'lk.transcription',
    to,
    text,
    attributes: {
      'lk.segment_id': id,
      'lk.transcription_final': String(final),
      'interview-helper.segment-status': status,
      'interview-helper.speaker-role': role,
    },
  });

function run(scenario: string, name: string, lines: string[]): void {
  const dir = join(root, scenario, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'events.jsonl'), `${lines.join('\n')}\n`);
}

describe('replay transcript word error rate', () => {
  it("scores the interviewer's final ok segments per role against the scenario's lines, without hesitations", () => {
    // silence-after-question: the interviewer asks one line (18 words), the candidate answers in two (44 words)
    run('silence-after-question', 'run-1', [
      segment('s1', 'interviewer', 'Thanks for joining.', false),
      segment('s1', 'interviewer', 'Thanks for joining.', false, 'candidate'),
      segment(
        's1',
        'interviewer',
        'Thanks for joining. Tell me about a time you debugged a production outage. What did you check first?',
      ),
      segment(
        's1',
        'interviewer',
        'Thanks for joining. Tell me about a time you debugged a production outage. What did you check first?',
      ),
      segment(
        's2',
        'candidate',
        'Um, sure. It was a payment service that kept typing out under load. We had added a new cache layer the week before, and the error rate went up every evening when the traffic peaked.',
      ),
      segment('s3', 'candidate', 'So the first thing I checked was the', true, 'interviewer', 'failed'),
    ]);
    // a run with speech-to-text off: no transcript at all, left out
    run('silence-after-question', 'run-2', [JSON.stringify({ event: 't0' })]);
    const runs = measure([root]);
    expect(runs.map((r) => [r.run, r.role, r.errors, r.words, r.segments])).toEqual([
      ['run-1', 'candidate', 1 + 10, 44, 1], // "typing" for "timing"; the failed segment's line (10 words) missing
      ['run-1', 'interviewer', 0, 18, 1],
    ]);
    expect(totalOf(runs)).toEqual({ runs: 2, words: 62, errors: 11, wer: Number((11 / 62).toFixed(4)) });
  });
});
