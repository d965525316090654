import {
  type HintDetail,
  MAX_CODE_BYTES,
  type SettingsMessage,
  type SignalKind,
  type SignalMessage,
  triggerSettingsSchema,
} from '@interview-helper/protocol';
import { type AudioFrame, AudioStream, type RemoteTrack, RoomEvent, TrackKind } from '@livekit/rtc-node';
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
import { rmsDbfs, VoiceActivityTracker, voiceSignal } from './voice-activity.js';

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
  /** How often the stored transcript (written by the transcription extension) is read for new segments. */
  transcriptPollMs: number;
}

export const defaultHintsOptions: HintsOptions = {
  triggers: defaultTriggerOptions,
  timing: defaultHintTiming,
  cadence: {},
  tickMs: 250,
  transcriptPollMs: 2000,
};

/**
 * The hint engine of one session: turns signals, voice activity and code-pad updates into triggers,
 * writes a hint for each (Claude when configured, the rule templates otherwise or on any LLM failure),
 * keeps them few (cadence per interviewer, near-duplicates merged), delivers them to interviewers only at
 * each one's detail level, stores each with its timeline, records feedback and writes the session report.
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
  #voice: VoiceActivityTracker;
  #audio = new Map<string, ReadableStreamDefaultReader<AudioFrame>>();
  #recent: SignalMessage[] = [];
  #transcript: HintContext['transcript'] = [];
  #code?: { language: string; revision: number; text: string };
  #timer?: NodeJS.Timeout;
  #pending = new Set<Promise<unknown>>();
  #reportTimer?: NodeJS.Timeout;
  #transcriptTimer?: NodeJS.Timeout;
  #seenSegments = new Set<string>();
  #polling = false;

  constructor(opts: Partial<HintsOptions> = {}) {
    this.#o = { ...defaultHintsOptions, ...opts };
    this.#triggers = structuredClone(this.#o.triggers);
    this.#timing = structuredClone(this.#o.timing);
    this.#engine = new TriggerEngine(() => this.#triggers);
    this.#voice = new VoiceActivityTracker(() => ({
      longPauseSeconds: this.#triggers['long-pause'].minSeconds,
      answerGapSeconds: this.#triggers['answer-end'].gapSeconds,
      minAnswerSeconds: this.#triggers['answer-end'].minAnswerSeconds,
    }));
  }

  async start(ctx: SessionContext): Promise<void> {
    this.#ctx = ctx;
    if (this.#o.triggerOverrides) this.#override(this.#o.triggerOverrides, 'HINTS_TRIGGERS');
    this.#cadence = new HintCadence(this.#o.cadence);
    this.#llm = this.#o.llm;
    this.#log.info({ llm: this.#llm ? 'on' : 'off (rule hints)' }, 'hints started');
    try {
      this.#store = await HintLog.open(this.#o.databaseUrl, ctx.sessionId, this.#log);
    } catch (err) {
      this.#log.error({ err }, 'hint storage unreachable: this job keeps its hints in memory');
      this.#store = await HintLog.open(undefined, ctx.sessionId, this.#log);
    }
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
    this.#transcriptTimer = setInterval(() => this.#track(this.#pollTranscript()), this.#o.transcriptPollMs);
    this.#transcriptTimer.unref();
    ctx.room.on(RoomEvent.ParticipantDisconnected, this.#onLeave);
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

  onCandidateTrack(track: RemoteTrack): void {
    if (track.kind !== TrackKind.KIND_AUDIO || !track.sid) return;
    const reader = new AudioStream(track, { sampleRate: 16000, numChannels: 1 }).getReader();
    this.#audio.set(track.sid, reader);
    this.#track(this.#listen(reader).finally(() => reader.releaseLock()));
  }

  onCandidateTrackEnded(trackSid: string): void {
    const reader = this.#audio.get(trackSid);
    this.#audio.delete(trackSid);
    void reader?.cancel().catch(() => {});
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#transcriptTimer);
    clearTimeout(this.#reportTimer);
    this.#ctx?.room.off(RoomEvent.ParticipantDisconnected, this.#onLeave);
    for (const sid of [...this.#audio.keys()]) this.onCandidateTrackEnded(sid);
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

  async #listen(reader: ReadableStreamDefaultReader<AudioFrame>): Promise<void> {
    for (;;) {
      const { value: frame, done } = await reader.read();
      if (done) return;
      const end = Date.now();
      const ms = (frame.samplesPerChannel / frame.sampleRate) * 1000;
      for (const e of this.#voice.push(rmsDbfs(frame.data), end, ms)) {
        if (e.type === 'speech') this.#engine.noteSpeech(e.at);
        else this.#ctx?.emitSignal(voiceSignal(e), { analyser: 'voice-activity', media: 'audio' });
      }
    }
  }

  #handle(t: HintTrigger): void {
    this.#track(this.#pipeline?.handle(t));
  }

  #tick(): void {
    const now = Date.now();
    this.#track(this.#pipeline?.tick(now));
    for (const t of this.#engine.onTick(now)) this.#handle(t);
  }

  /** New final transcript segments: context for the LLM, and the stuck / question triggers. */
  async #pollTranscript(): Promise<void> {
    if (this.#polling || !this.#store) return;
    this.#polling = true;
    try {
      for (const seg of await this.#store.transcript()) {
        if (this.#seenSegments.has(seg.id) || !seg.final || seg.status !== 'ok') continue;
        this.#seenSegments.add(seg.id);
        const at = seg.endAt.getTime();
        this.#transcript.push({ role: seg.speakerRole, text: seg.text, at });
        if (this.#transcript.length > 100) this.#transcript.shift();
        const found = this.#engine.onTranscript({
          id: seg.id,
          role: seg.speakerRole,
          text: seg.text,
          end: at,
        });
        for (const t of found) this.#handle(t);
      }
    } finally {
      this.#polling = false;
    }
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

  async #report(): Promise<void> {
    if (!this.#store || !this.#ctx) return;
    await writeSessionReport(this.#store, this.#ctx.sessionId, this.#recent, this.#llm, this.#log);
  }
}
