import type { SignalKind } from '@interview-helper/protocol';
import { logger } from '../log.js';
import type { SessionContext, SessionExtension } from '../session/extension.js';
import { analysisGapDraft, type ResumedSession } from './resume.js';

/** Signal kinds a resumed session's job adds (composed per job in `agent.ts`, not in the composition). */
export const RECOVERY_SIGNAL_KINDS = ['analysis-gap'] as const satisfies readonly SignalKind[];

/**
 * Tells the interviewers once that this job resumed the session after its previous job stopped: one
 * `analysis-gap` signal naming the stretch nothing was analysed (published, stored, on the session's bus).
 */
export class AnalysisGapExtension implements SessionExtension {
  readonly name = 'recovery';
  readonly emits = RECOVERY_SIGNAL_KINDS;
  readonly #resumed: ResumedSession;
  #log = logger('recovery');

  constructor(resumed: ResumedSession) {
    this.#resumed = resumed;
  }

  start(ctx: SessionContext): void {
    const signal = ctx.emitSignal(analysisGapDraft(this.#resumed), { analyser: 'session', media: 'text' });
    this.#log.info(
      {
        sessionId: ctx.sessionId,
        gapMs: this.#resumed.gapTo - this.#resumed.gapFrom,
        signalsBefore: this.#resumed.progress.signals,
        answersBefore: this.#resumed.progress.answers,
        optOut: this.#resumed.optOutGroups,
        codeRevision: this.#resumed.codeRevision,
        signalId: signal.id,
      },
      'session resumed after its previous job stopped',
    );
  }
}
