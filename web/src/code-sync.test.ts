import type { CodeUpdateMessage } from '@interview-helper/protocol';
import { PROTOCOL_VERSION } from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { CodeSync, type CodeSyncState, tooLargeMessage, utf8Bytes } from './code-sync.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function harness(fail = false) {
  const sent: CodeUpdateMessage[] = [];
  const states: CodeSyncState[] = [];
  const sync = new CodeSync(
    async (m) => {
      if (fail)
        throw Object.assign(new Error('the interview assistant is not in the room'), { code: 'no-agent' });
      sent.push(m);
    },
    (s) => states.push(s),
    { debounceMs: 20, maxBytes: 64 },
  );
  return { sent, states, sync };
}

describe('CodeSync', () => {
  it('sends only the last text of a burst of edits, with increasing revisions', async () => {
    const { sent, states, sync } = harness();
    sync.update('a');
    sync.update('ab');
    sync.update('abc');
    await sleep(60);
    expect(sent).toEqual([
      { v: PROTOCOL_VERSION, type: 'code', revision: 1, language: 'javascript', text: 'abc' },
    ]);
    expect(states.at(-1)).toEqual({ state: 'sent', revision: 1, bytes: 3 });
    sync.update('abcd');
    await sleep(60);
    expect(sent.map((m) => m.revision)).toEqual([1, 2]);
  });

  it('does not resend unchanged text, nor text still being sent', async () => {
    const { sent, sync } = harness();
    sync.update('x');
    await Promise.all([sync.flush(), sync.flush()]);
    sync.update('x');
    await sync.flush();
    expect(sent).toHaveLength(1);
  });

  it('never sends a document over the limit and says so', async () => {
    const { sent, states, sync } = harness();
    sync.update('é'.repeat(40)); // 80 bytes in UTF-8
    await sleep(60);
    await sync.flush();
    expect(sent).toHaveLength(0);
    expect(states.at(-1)).toEqual({ state: 'too-large', bytes: 80, limit: 64 });
  });

  it('reports a failed send with its code and retries on flush', async () => {
    const { states, sync } = harness(true);
    sync.update('x');
    await sync.flush();
    expect(states.at(-1)).toMatchObject({ state: 'failed', code: 'no-agent' });
  });
});

describe('limit helpers', () => {
  it('counts UTF-8 bytes and words the limit message in KiB', () => {
    expect(utf8Bytes('aé€')).toBe(6);
    expect(tooLargeMessage(300 * 1024, 256 * 1024)).toMatch(/at most 256 KiB.*300 KiB/);
  });
});
