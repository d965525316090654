import type { SignalMessage, StageLatency } from '@interview-helper/protocol';
import type { logger } from '../log.js';
import { readPlanReport } from '../plan/notes.js';
import { buildReport } from '../report/build.js';
import type { ClaudeHintWriter } from './claude.js';
import type { HintLog } from './hint-log.js';

/**
 * Builds and stores the session report: stored signals plus those seen but not yet flushed, hints with
 * feedback, transcript, the latency of each processing stage (`stages`, when measured); the summary from Claude
 * when a writer is configured, deterministic otherwise.
 */
export async function writeSessionReport(
  store: HintLog,
  sessionId: string,
  seen: SignalMessage[],
  llm: ClaudeHintWriter | undefined,
  log: ReturnType<typeof logger>,
  stages?: StageLatency,
): Promise<void> {
  await store.settled();
  const [stored, hints, transcript, participants] = await Promise.all([
    store.signals(),
    store.hints(),
    store.transcript(),
    store.participants(),
  ]);
  const report = buildReport({
    sessionId,
    generatedAt: Date.now(),
    participants,
    signals: [...stored, ...seen],
    hints,
    transcript,
    ...(stages ? { stages } : {}),
  });
  // the plan's coverage, notes per item and the scorecard draft, when the session has a plan
  const plan = await readPlanReport(store.database, sessionId).catch((err: unknown) => {
    log.error({ err }, 'could not build the plan section of the report');
    return undefined;
  });
  if (plan) report.plan = plan;
  if (llm) {
    try {
      report.summary = { source: 'llm', text: await llm.summarise(report) };
    } catch (err) {
      log.warn(
        { code: (err as { code?: string }).code, message: (err as Error).message },
        'LLM summary failed; deterministic summary kept',
      );
    }
  }
  if (await store.saveReport(report as unknown as Record<string, unknown>)) {
    log.info(
      { sessionId, hints: hints.length, signals: report.metrics.signalCounts },
      'session report stored',
    );
  }
}
