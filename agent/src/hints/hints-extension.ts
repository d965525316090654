import {
  type HintDetail,
  MAX_CODE_BYTES,
  type SettingsMessage,
  type SignalKind,
  type SignalMessage,
  type StageLatency,
  triggerSettingsSchema,
} from '@interview-helper/protocol';
import { RecoveryStore } from '@interview-helper/storage';
import { DisconnectReason, RoomEvent } from '@livekit/rtc-node';
import type { TranscriptEvent } from '../bus/session-bus.js';
import { logger } from '../log.js';
import type { InboxMessage } from '../messaging/inbox.js';
import { roleOf } from '../messaging/roles.js';
import type { SessionContext, SessionExtension } from '../session/extension.js';
import { type CadenceOptions, HintCadence } from './cadence.js';
import type { ClaudeHintWriter } from './claude.js';
import { HintLog } from './hint-log.js';
import { HintPipeline, inputOf } from './hint-pipeline.js';
import type { LiveHint } from './live-hint.js';
import { defaultHintTiming, type HintTimingTable, splitTimingOverrides } from './priorities.js';
import type { HintContext } from './prompt.js';
import { writeSessionReport } from './report-writer.js';
import type { HintTrigger } from './trigger.js';
import { applyTriggerOverrides, defaultTriggerOptions, type TriggerOptions } from './trigger-options.js';
import { TriggerEngine } from './triggers.js';

/** Options of {@link HintsExtension}. */
export interface HintsOptions {
  triggers: TriggerOptions;
  /** Trigger overrides applied at start (validated like an interviewer's `settings` message). */
  triggerOverrides?: SettingsMessage['triggers'];
  /** Priority and validity window of each trigger kind (see `priorities.ts`). */
  timing: HintTimingTable;
  cadence: Partial<CadenceOptions>;
  /** Set to write hints with an LLM; the rule templates otherwise (and on any LLM failure). */
  llm?: ClaudeHintWriter;
  /** Postgres URL hints are stored in; unset → kept in memory for this job. */
  databaseUrl?: string;
  /** Period of the cadence and time-based trigger checks. */
  tickMs: number;
}

export const defaultHintsOptions: HintsOptions = {
  triggers: defaultTriggerOptions,
  timing: defaultHintTiming,
  cadence: {},
  tickMs: 250,
};

/**
 * The hint engine of one session, fed by the session's bus: turns signals (pauses and answer ends
 * from the turn model among them), the candidate's voice activity, final transcript segments and
 * code-pad updates into triggers,
 * writes a hint for each (Claude when configured, the rule templates otherwise or on any LLM failure),
 * keeps them few (cadence per interviewer, near-duplicates merged), delivers them to interviewers only at
 * each one's detail level, stores each with its timeline in the session's one store, records feedback
 * and writes the session report. Works the same with or without `DATABASE_URL`.
 */
export class HintsExtension implements SessionExtension {
  readonly name = 'hints';
  readonly emits = ['code-update', 'answer-end', 'long-pause'] as const satisfies readonly SignalKind[];
  #o: HintsOptions;
  #log = logger('hints');
  #ctx?: SessionContext;
  #store?: HintLog;
  #triggers: TriggerOptions;
  #timing: HintTimingTable;
  #engine: TriggerEngine;
  #pipeline?: HintPipeline;
  #llm?: ClaudeHintWriter;
  #cadence!: HintCadence<LiveHint>;
  #detail = new Map<string, HintDetail>();
  #recent: SignalMessage[] = [];
  #transcript: HintContext['transcript'] = [];
  #code?: { language: string; revision: number; text: string };
  #timer?: NodeJS.Timeout;
  #pending = new Set<Promise<unknown>>();
  #reportTimer?: NodeJS.Timeout;
  #off: (() => void)[] = [];
  #stages?: StageLatency;
  /** LiveKit removed this job's agent from the room: another job has the session (see `#onDisconnect`). */
  #removed = false;

  constructor(opts: Partial<HintsOptions> = {}) {
    this.#o = { ...defaultHintsOptions, ...opts };
    this.#triggers = structuredClone(this.#o.triggers);
    this.#timing = structuredClone(this.#o.timing);
    this.#engine = new TriggerEngine(() => this.#triggers);
  }

  async start(ctx: SessionContext): Promise<void> {
    this.#ctx = ctx;
    if (this.#o.triggerOverrides) this.#override(this.#o.triggerOverrides, 'HINTS_TRIGGERS');
    this.#cadence = new HintCadence(this.#o.cadence);
    if (ctx.recorder.database)
      await this.#restoreCadence(new RecoveryStore(ctx.recorder.database), ctx.sessionId);
    this.#llm = this.#o.llm;
    this.#log.info({ llm: this.#llm ? 'on' : 'off (rule hints)' }, 'hints started');
    // The session's one store; a recorder without a database (tests) gets a private in-memory one.
    const db = ctx.recorder.database;
    this.#store = db
      ? HintLog.over(db, ctx.sessionId, this.#log, ctx.recorder.writes)
      : await HintLog.open(undefined, ctx.sessionId, this.#log);
    this.#pipeline = new HintPipeline({
      ctx,
      store: this.#store,
      cadence: this.#cadence,
      ...(this.#llm ? { llm: this.#llm } : {}),
      context: () => ({
        signals: this.#recent.filter((s) => s.kind !== 'audio-level' && s.kind !== 'video-frames').slice(-20),
        transcript: this.#transcript,
        ...(this.#code ? { code: this.#code } : {}),
      }),
      detailOf: (who) => this.#detail.get(who) ?? 'normal',
      log: this.#log,
      timing: (kind) => this.#timing[kind],
      thresholds: (kind) => ({ ...this.#triggers[kind] }),
      lastSpeechAt: () => this.#engine.lastSpeechAt,
      input: (id) => {
        const s = this.#recent.findLast((x) => x.id === id);
        return s ? inputOf(s) : undefined;
      },
    });
    this.#timer = setInterval(() => this.#tick(), this.#o.tickMs);
    this.#timer.unref();
    const candidateSpeech = (at: number) => this.#engine.noteSpeech(at);
    this.#off = [
      ctx.bus.on('signal', (e) => this.onSignal(e.signal)),
      ctx.bus.on('client-message', (e) => this.onClientMessage(e.message)),
      ctx.bus.on('transcript', (e) => this.onTranscript(e.segment)),
      ctx.bus.on('processing', (e) => {
        this.#stages = e.stages;
      }),
      ctx.bus.on('speech-start', (e) => e.speaker.role === 'candidate' && candidateSpeech(e.at)),
      ctx.bus.on('speech-end', (e) => e.speaker.role === 'candidate' && candidateSpeech(e.end)),
      ctx.bus.on('vad', (e) => e.speaker.role === 'candidate' && e.speaking && candidateSpeech(e.at)),
      // Pauses are the turn model's; it also reports them at the long-pause trigger's threshold.
      ctx.turns.watchPause(() =>
        this.#triggers['long-pause'].enabled
          ? this.#triggers['long-pause'].minSeconds
          : Number.POSITIVE_INFINITY,
      ),
    ];
    ctx.room.on(RoomEvent.ParticipantDisconnected, this.#onLeave);
    ctx.room.on(RoomEvent.Disconnected, this.#onDisconnect);
  }

  onSignal(signal: SignalMessage): void {
    this.#recent.push(signal);
    if (this.#recent.length > 20_000) this.#recent.splice(0, 10_000);
    for (const t of this.#engine.onSignal(signal, Date.now())) this.#handle(t);
  }

  onClientMessage({ message, sender }: InboxMessage): void {
    const ctx = this.#ctx;
    if (!ctx) return;
    switch (message.type) {
      case 'code': {
        const bytes = Buffer.byteLength(message.text);
        if (sender.role !== 'candidate' || bytes > MAX_CODE_BYTES) {
          this.#log.warn(
            { sender: sender.identity, bytes, code: 'code-rejected' },
            'code-pad update rejected',
          );
          return;
        }
        this.#code = { language: message.language, revision: message.revision, text: message.text };
        const signal = ctx.emitSignal(
          {
            kind: 'code-update',
            range: { start: Date.now(), end: Date.now() },
            values: {
              revision: message.revision,
              language: message.language,
              bytes,
              lines: message.text.split('\n').length,
            },
            confidence: 1,
            summary: `Code pad revision ${message.revision} (${message.language}, ${bytes} bytes)`,
          },
          { analyser: 'code-pad', media: 'code' },
        );
        for (const t of this.#engine.onCode(this.#code, Date.now(), signal.id)) this.#handle(t);
        return;
      }
      case 'hint-feedback':
        this.#track(
          this.#store?.feedback(message.hintId, message.useful, Date.now()).then((known) => {
            if (!known)
              this.#log.warn(
                { sender: sender.identity, hintId: message.hintId },
                'feedback for unknown hint dropped',
              );
          }),
        );
        return;
      case 'settings': {
        this.#detail.set(sender.identity, message.detail);
        if (message.triggers) this.#override(message.triggers, sender.identity);
        this.#log.info({ sender: sender.identity, detail: message.detail }, 'hint settings changed');
        return;
      }
    }
  }

  /** A final transcript segment: context for the LLM, and the stuck / question triggers. */
  onTranscript(seg: TranscriptEvent): void {
    if (seg.status !== 'ok') return;
    this.#transcript.push({ role: seg.speaker.role, text: seg.text, at: seg.end });
    if (this.#transcript.length > 100) this.#transcript.shift();
    const found = this.#engine.onTranscript({
      id: seg.id,
      role: seg.speaker.role,
      text: seg.text,
      end: seg.end,
    });
    for (const t of found) this.#handle(t);
  }

  /** A resumed session: the cadence goes on from the hints the previous job delivered (none for a new one). */
  async #restoreCadence(store: RecoveryStore, sessionId: string): Promise<void> {
    try {
      const hints = await store.recentHints(sessionId);
      for (const h of hints.slice().reverse()) {
        const priority =
          (this.#timing as Record<string, { priority: number } | undefined>)[h.kind]?.priority ?? 1;
        for (const who of h.recipients) this.#cadence.restoreSent(who, h.at, priority);
      }
    } catch (err) {
      this.#log.warn({ err }, 'could not read earlier hints; the cadence starts afresh');
    }
  }
  async close(): Promise<void> {
    clearInterval(this.#timer);
    clearTimeout(this.#reportTimer);
    this.#ctx?.room.off(RoomEvent.ParticipantDisconnected, this.#onLeave);
    this.#ctx?.room.off(RoomEvent.Disconnected, this.#onDisconnect);
    for (const off of this.#off) off();
    this.#off = [];
    await Promise.allSettled([...this.#pending]);
    await this.#report();
    await this.#store?.close();
  }

  #track(p: Promise<unknown> | undefined): void {
    if (!p) return;
    const guarded = p.catch((err) => this.#log.error({ err }, 'hint task failed'));
    this.#pending.add(guarded);
    void guarded.finally(() => this.#pending.delete(guarded));
  }

  #override(raw: unknown, from: string): void {
    const parsed = triggerSettingsSchema.safeParse(raw);
    if (!parsed.success) {
      this.#log.warn({ from, code: 'invalid-triggers' }, 'trigger settings ignored: not a trigger map');
      return;
    }
    const timed = splitTimingOverrides(this.#timing, parsed.data);
    const { options, ignored } = applyTriggerOverrides(this.#triggers, timed.triggers);
    this.#triggers = options;
    this.#timing = timed.timing;
    ignored.push(...timed.ignored);
    if (ignored.length > 0) this.#log.warn({ from, ignored }, 'unknown trigger settings ignored');
  }

  #handle(t: HintTrigger): void {
    this.#track(this.#pipeline?.handle(t));
  }

  #tick(): void {
    const now = Date.now();
    this.#track(this.#pipeline?.tick(now));
    for (const t of this.#engine.onTick(now)) this.#handle(t);
  }

  #onLeave = (): void => {
    const room = this.#ctx?.room;
    if (!room) return;
    const people = [...room.remoteParticipants.values()].filter((p) => roleOf(p) !== undefined);
    if (people.length > 0) return;
    // Everyone left: the interview is over unless someone comes back soon.
    clearTimeout(this.#reportTimer);
    this.#reportTimer = setTimeout(() => this.#track(this.#report()), 1000);
  };

  /**
   * The room disconnected this job. Removed (`RoomService.RemoveParticipant`: the token server keeps one agent per
   * room and removes a second one), it must not write the session's report: the remaining job has the session, and
   * an early report from this one would stand in for the real one until that is written.
   */
  #onDisconnect = (reason: DisconnectReason): void => {
    if (reason === DisconnectReason.PARTICIPANT_REMOVED) this.#removed = true;
  };

  async #report(): Promise<void> {
    if (!this.#store || !this.#ctx) return;
    if (this.#removed) {
      this.#log.info(
        { sessionId: this.#ctx.sessionId },
        'removed from the room (another job has the session): no session report from this job',
      );
      return;
    }
    await writeSessionReport(
      this.#store,
      this.#ctx.sessionId,
      this.#recent,
      this.#llm,
      this.#log,
      this.#stages,
    );
  }
}
