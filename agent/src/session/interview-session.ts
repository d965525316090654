import { randomUUID } from 'node:crypto';
import {
  AGENT_ANALYSERS_ATTRIBUTE,
  AGENT_CANDIDATE_ATTRIBUTE,
  AGENT_STATE_ATTRIBUTE,
  PROTOCOL_VERSION,
  type SignalKind,
  type SignalMessage,
  signalMessageSchema,
} from '@interview-helper/protocol';
import { type RemoteParticipant, type RemoteTrack, type Room, TrackKind } from '@livekit/rtc-node';
import { CandidateActivity } from '../analysers/activity.js';
import type { AnalyserFactory, MediaKind, SignalDraft, TrackInfo } from '../analysers/analyser.js';
import { AnalyserRunner } from '../analysers/runner.js';
import { logger } from '../log.js';
import { ClientInbox, type InboxMessage } from '../messaging/inbox.js';
import { InterviewerPublisher } from '../messaging/publisher.js';
import { CandidateTracker } from './candidate-tracker.js';
import type { SessionContext, SessionExtension, SessionExtensionFactory } from './extension.js';
import { pumpTrack, type VideoDimensions } from './media.js';
import { OptOutFilter } from './opt-out.js';
import type { SessionRecorder } from './recorder-types.js';

export type { SessionRecorder } from './recorder-types.js';

/** Agent state published as a participant attribute. */
export type AgentState = 'starting' | 'waiting-for-candidate' | 'analysing' | 'closing';

/** Signal kinds the session itself emits (a second candidate, the candidate's opt-out notice). */
export const SESSION_SIGNAL_KINDS = ['extra-candidate', 'opt-out'] as const satisfies readonly SignalKind[];

/** Options of an {@link InterviewSession}. */
export interface InterviewSessionOptions {
  sessionId: string;
  room: Room;
  analysers: AnalyserFactory[];
  recorder: SessionRecorder;
  /** Whole-session capabilities (speech-to-text, hints, …); see {@link SessionExtension}. */
  extensions: SessionExtensionFactory[];
  /** How often stats go to interviewers and the analysers attribute is refreshed. */
  statsIntervalMs: number;
  /** Size asked of the SFU for the candidate's camera (default 640×360). */
  videoDimensions?: VideoDimensions;
}

export const defaultInterviewSessionOptions = {
  statsIntervalMs: 2000,
  extensions: [] as SessionExtensionFactory[],
} satisfies Partial<InterviewSessionOptions>;

/** Longest wait for the room to confirm an attribute update. */
const ATTRIBUTES_TIMEOUT_MS = 5000;

interface LiveTrack {
  abort: AbortController;
  done: Promise<void>;
}

/**
 * One interview seen by the agent: follows the candidate, runs the analysers on their media,
 * sends signals and stats to the interviewers, records everything, and reads client messages.
 */
export class InterviewSession {
  #o: InterviewSessionOptions;
  #runner: AnalyserRunner;
  #publisher: InterviewerPublisher;
  #tracker: CandidateTracker;
  #inbox: ClientInbox;
  #tracks = new Map<string, LiveTrack>();
  #timer?: NodeJS.Timeout;
  #state: AgentState = 'starting';
  #logger = logger('session');
  #pendingSignals: SignalMessage[] = [];
  /** Session and extension signals dropped for not matching the catalogue. */
  #invalidSignals = 0;
  #attributes: Record<string, string> = {};
  #attributesSent: Promise<void> = Promise.resolve();
  #attributesLast = '';
  #latestCode?: { revision: number; language: string; bytes: number };
  #optOut = new OptOutFilter();

  #extensions: SessionExtension[];

  constructor(
    opts: Omit<InterviewSessionOptions, 'statsIntervalMs' | 'extensions'> & Partial<InterviewSessionOptions>,
  ) {
    this.#o = {
      ...opts,
      statsIntervalMs: opts.statsIntervalMs ?? defaultInterviewSessionOptions.statsIntervalMs,
      extensions: opts.extensions ?? defaultInterviewSessionOptions.extensions,
    };
    this.#extensions = this.#o.extensions.map((make) => make());
    this.#runner = new AnalyserRunner({
      sessionId: this.#o.sessionId,
      activity: new CandidateActivity(), // VAD updates it; vision samples faster while the candidate speaks
      factories: this.#o.analysers,
      onSignal: (draft, analyser, track) => void this.#signal(draft, analyser.name, track.media),
    });
    this.#publisher = new InterviewerPublisher(this.#o.room);
    this.#tracker = new CandidateTracker(
      this.#o.room,
      {
        onTrack: (track, p) => {
          this.#startTrack(track, p);
          this.#each('onCandidateTrack', (x) => x.onCandidateTrack?.(track, p));
        },
        onTrackEnded: (sid) => {
          void this.#endTrack(sid);
          this.#each('onCandidateTrackEnded', (x) => x.onCandidateTrackEnded?.(sid));
        },
        onCandidate: (identity) =>
          void this.#setState(identity ? 'analysing' : 'waiting-for-candidate', identity),
        onPresence: (e) => void this.#o.recorder.presence(e),
        onExtraCandidate: (identity) =>
          void this.#signal(
            {
              kind: 'extra-candidate',
              range: { start: Date.now(), end: Date.now() },
              values: { identity },
              confidence: 1,
              summary: `A second candidate (${identity}) joined; only ${this.#tracker.candidate} is analysed`,
            },
            'session',
            'video',
          ),
      },
      { videoDimensions: this.#o.videoDimensions },
    );
    this.#inbox = new ClientInbox(this.#o.room, {
      onMessage: (m) => {
        void this.#onClientMessage(m);
        this.#each('onClientMessage', (x) => x.onClientMessage?.(m));
      },
    });
  }

  get state(): AgentState {
    return this.#state;
  }

  /** Starts following the room. The room must already be connected. */
  async start(): Promise<void> {
    const settings = await this.#o.recorder.settings?.().catch(() => undefined);
    this.#optOut = new OptOutFilter({ allowed: settings?.allowOptOut === true });
    await this.#setState('waiting-for-candidate', undefined);
    this.#inbox.start();
    this.#tracker.start();
    this.#timer = setInterval(() => void this.#tick(), this.#o.statsIntervalMs);
    this.#timer.unref();
    const ctx: SessionContext = {
      sessionId: this.#o.sessionId,
      room: this.#o.room,
      publisher: this.#publisher,
      recorder: this.#o.recorder,
      candidate: () => this.#tracker.candidate,
      emitSignal: (draft, source) => this.#signal(draft, source.analyser, source.media),
    };
    await Promise.all(this.#extensions.map((x) => this.#guard(x, 'start', () => x.start?.(ctx))));
  }

  /** Stops every analyser, flushes what is pending and closes the recorder. */
  async close(): Promise<void> {
    if (this.#state === 'closing') return;
    this.#state = 'closing';
    clearInterval(this.#timer);
    this.#tracker.stop();
    this.#inbox.stop();
    await Promise.all([...this.#tracks.keys()].map((sid) => this.#endTrack(sid)));
    await Promise.all(this.#extensions.map((x) => this.#guard(x, 'close', () => x.close?.())));
    await this.#flush();
    await this.#o.recorder.close();
  }

  #startTrack(track: RemoteTrack, p: RemoteParticipant): void {
    const sid = track.sid as string;
    const media: MediaKind = track.kind === TrackKind.KIND_VIDEO ? 'video' : 'audio';
    const info: TrackInfo = { participantIdentity: p.identity, trackSid: sid, media };
    const run = this.#runner.start(info);
    const abort = new AbortController();
    this.#logger.info({ track: sid, media, candidate: p.identity }, 'analysing candidate track');
    const done = pumpTrack(track, run, abort.signal)
      .catch((err) => this.#logger.error({ err, track: sid }, 'media pipeline failed'))
      .finally(() => run.close());
    this.#tracks.set(sid, { abort, done });
  }

  async #endTrack(sid: string): Promise<void> {
    const live = this.#tracks.get(sid);
    if (!live) return;
    this.#tracks.delete(sid);
    live.abort.abort();
    await live.done;
    this.#logger.info({ track: sid }, 'candidate track ended');
  }

  /** Runs `fn` for every extension that implements `hook`; errors are logged, never thrown. */
  #each(hook: keyof SessionExtension, fn: (x: SessionExtension) => unknown): void {
    for (const x of this.#extensions) if (x[hook]) void this.#guard(x, hook, () => fn(x));
  }

  async #guard(x: SessionExtension, hook: string, fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.#logger.error({ err, extension: x.name, hook }, 'session extension failed; the session goes on');
    }
  }

  /**
   * Publishes, stores and dispatches a signal to the extensions, unless the candidate opted out of its
   * analyser's group: then it is only built and returned.
   */
  #signal(draft: SignalDraft, analyser: string, media: SignalMessage['media']): SignalMessage {
    const message: SignalMessage = {
      v: PROTOCOL_VERSION,
      type: 'signal',
      id: `sig_${randomUUID()}`,
      sessionId: this.#o.sessionId,
      analyser,
      media,
      ...draft,
    };
    // analysers' drafts were checked by the runner; this catches the session's and extensions' own signals
    const checked = signalMessageSchema.safeParse(message);
    if (!checked.success) {
      this.#invalidSignals++;
      this.#logger.warn(
        { analyser, kind: draft.kind, issues: checked.error.issues.slice(0, 5).map((i) => i.message) },
        'invalid signal dropped',
      );
      return message;
    }
    if (this.#optOut.suppresses(analyser, media)) return message;
    this.#pendingSignals.push(message);
    void this.#publisher.publish(message);
    this.#each('onSignal', (x) => x.onSignal?.(message));
    return message;
  }

  async #onClientMessage({ message, sender }: InboxMessage): Promise<void> {
    switch (message.type) {
      case 'code':
        this.#latestCode = {
          revision: message.revision,
          language: message.language,
          bytes: Buffer.byteLength(message.text),
        };
        this.#logger.debug({ sender: sender.identity, ...this.#latestCode }, 'code pad updated');
        break;
      case 'hint-feedback':
        // Stored by the hints extension (agent/src/hints/), which knows the session's hints.
        break;
      case 'settings':
        this.#logger.info(
          { sender: sender.identity, detail: message.detail },
          'interviewer settings changed',
        );
        break;
      case 'opt-out': {
        const change = this.#optOut.apply(message.groups);
        if (change.status === 'not-allowed') {
          this.#logger.warn(
            { sender: sender.identity, groups: message.groups },
            'opt-out ignored: this session does not allow it',
          );
        } else if (change.status === 'changed') {
          this.#logger.info({ sender: sender.identity, groups: change.groups }, 'candidate opt-out changed');
          this.#signal(this.#optOut.notice(Date.now()), 'session', 'text');
        }
        break;
      }
    }
  }

  async #tick(): Promise<void> {
    const stats = this.#runner.stats();
    // Storing must not wait for the room (publishing or attribute updates can be slow).
    const flushed = this.#flush();
    await this.#publisher.publish({
      v: PROTOCOL_VERSION,
      type: 'stats',
      sessionId: this.#o.sessionId,
      at: Date.now(),
      candidate: this.#tracker.candidate ?? null,
      invalidSignals: this.#invalidSignals,
      analysers: stats.map(({ name, media, status, error, framesIn, signalsOut, signalsInvalid }) => ({
        name,
        media,
        status,
        ...(error ? { error: error.slice(0, 500) } : {}),
        framesIn,
        signalsOut,
        signalsInvalid,
      })),
    });
    await this.#setAttributes({
      [AGENT_ANALYSERS_ATTRIBUTE]: JSON.stringify(stats.map((s) => ({ name: s.name, status: s.status }))),
    });
    await flushed;
  }

  async #flush(): Promise<void> {
    if (this.#pendingSignals.length === 0) return;
    const batch = this.#pendingSignals;
    this.#pendingSignals = [];
    await this.#o.recorder.signals(batch);
  }

  async #setState(state: AgentState, candidate: string | undefined): Promise<void> {
    if (this.#state === 'closing') return;
    this.#state = state;
    await this.#setAttributes({
      [AGENT_STATE_ATTRIBUTE]: state,
      [AGENT_CANDIDATE_ATTRIBUTE]: candidate ?? '',
    });
  }

  /**
   * Publishes the agent's attributes. Updates are merged into one map and sent whole, one at a time, so a
   * slow update can never overwrite a newer state with an older one; an unchanged map is not sent again,
   * and each update gets at most ATTRIBUTES_TIMEOUT_MS so one lost answer cannot stall the ones after it.
   */
  #setAttributes(attributes: Record<string, string>): Promise<void> {
    Object.assign(this.#attributes, attributes);
    this.#attributesSent = this.#attributesSent.then(async () => {
      const next = JSON.stringify(this.#attributes);
      if (next === this.#attributesLast) return;
      this.#attributesLast = next;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer from the room')), ATTRIBUTES_TIMEOUT_MS);
      });
      try {
        await Promise.race([this.#o.room.localParticipant?.setAttributes({ ...this.#attributes }), timeout]);
      } catch (err) {
        this.#logger.warn({ err }, 'could not publish agent attributes');
      } finally {
        clearTimeout(timer);
      }
    });
    return this.#attributesSent;
  }
}
