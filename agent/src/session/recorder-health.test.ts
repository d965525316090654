import { exampleSignal, SIGNAL_VALUES, storageStatusSchema } from '@interview-helper/protocol';
import { InterviewStore, type OpenedDatabase, openDatabase, WriteBuffer } from '@interview-helper/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignalDraft } from '../analysers/analyser.js';
import type { SessionContext } from './extension.js';
import { StorageHealthExtension } from './recorder-health.js';

/** Polls until `check` holds (no fixed sleeps as assertions). */
async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('StorageHealthExtension', () => {
  let opened: OpenedDatabase;
  beforeAll(async () => {
    opened = await openDatabase();
  });
  afterAll(() => opened?.close());

  it('reports the write path in stats and a storage-degraded episode while the buffer is full', async () => {
    const session = await new InterviewStore(opened.db).createSession({
      roomName: 'health-room',
      candidateInviteHash: 'c'.repeat(64),
      interviewerInviteHash: 'i'.repeat(64),
    });
    let reachable = false;
    // every statement fails as if the database refused connections, until `reachable`
    const db = new Proxy(opened.db, {
      get(target, key, receiver) {
        if (!reachable && (key === 'insert' || key === 'select' || key === 'update'))
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        return Reflect.get(target, key, receiver);
      },
    });
    const writes = new WriteBuffer(db, { maxRows: 3, retryMinMs: 5, retryMaxMs: 20 });
    const emitted: { draft: SignalDraft; analyser: string }[] = [];
    const ctx = {
      sessionId: 'ses_1',
      recorder: { writes },
      emitSignal: (draft: SignalDraft, source: { analyser: string }) => {
        emitted.push({ draft, analyser: source.analyser });
        return exampleSignal('storage-degraded');
      },
    } as unknown as SessionContext;
    const health = new StorageHealthExtension({ updateMs: 60_000 });
    health.start(ctx);
    expect(storageStatusSchema.parse(health.stats().storage)).toMatchObject({ state: 'ok', pendingRows: 0 });

    const signal = (i: number) =>
      exampleSignal('speech-segment', {}, 1_763_700_000_000 + i, { id: `sig_h${i}`, sessionId: session.id });
    for (let i = 0; i < 2; i++) writes.enqueue({ op: 'insertSignals', signals: [signal(i)] });
    await until('a failed attempt', () => writes.status().failedAttempts > 0);
    expect(health.stats().storage).toMatchObject({ state: 'retrying', pendingRows: 2 });
    expect(emitted).toEqual([]);

    for (let i = 2; i < 6; i++) writes.enqueue({ op: 'insertSignals', signals: [signal(i)] });
    expect(health.stats().storage?.state).toBe('full');
    expect(emitted).toHaveLength(1);
    const start = emitted[0]?.draft as SignalDraft;
    expect(emitted[0]?.analyser).toBe('session');
    expect(start.kind).toBe('storage-degraded');
    expect(SIGNAL_VALUES['storage-degraded'].parse(start.values)).toMatchObject({
      phase: 'start',
      maxRows: 3,
      pendingRows: 3,
      droppedRows: 0,
    });
    expect(health.stats().storage).toMatchObject({ pendingRows: 3, droppedRows: 3 });

    reachable = true;
    await until('the episode to end', () => emitted.length === 2);
    expect(emitted[1]?.draft.values).toMatchObject({
      phase: 'end',
      episodeId: (start.values as { episodeId: string }).episodeId,
    });
    expect(await writes.drain(10_000)).toBe(true);
    const after = storageStatusSchema.parse(health.stats().storage);
    // without a spill directory the rows past the bound were dropped (and counted); the rest are stored
    expect(after).toMatchObject({ state: 'ok', pendingRows: 0, droppedRows: 3, appliedRows: 3 });
    expect(after.lastRecovery?.rows).toBe(3);
    health.close();
    await writes.close(0);
  });
});
