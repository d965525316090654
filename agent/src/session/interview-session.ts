import { randomUUID } from 'node:crypto';
import {
  type Accommodation,
  AGENT_ANALYSERS_ATTRIBUTE,
  AGENT_CANDIDATE_ATTRIBUTE,
  AGENT_STATE_ATTRIBUTE,
  PROTOCOL_VERSION,
  type SignalMessage,
  signalMessageSchema,
} from '@interview-helper/protocol';
import { type RemoteParticipant, type RemoteTrack, TrackKind } from '@livekit/rtc-node';
import { CandidateActivity } from '../analysers/activity.js';
import type { MediaKind, SignalDraft, TrackInfo } from '../analysers/analyser.js';
import { AnalyserRunner } from '../analysers/runner.js';
import { TurnModel } from '../audio/turn-model.js';
import { SessionBus, type Speaker } from '../bus/session-bus.js';
import { ConsentGate } from '../consent/consent-gate.js';
import { databaseConsentLog } from '../consent/consent-log.js';
import { logger } from '../log.js';
import { ClientInbox } from '../messaging/inbox.js';
import { InterviewerPublisher } from '../messaging/publisher.js';
import { AgentAttributes } from './agent-attributes.js';
import { CandidateTracker } from './candidate-tracker.js';
import { ClientMessages } from './client-messages.js';
import { ConsentFlow } from './consent-flow.js';
import type { SessionContext, SessionExtension } from './extension.js';
import { InterviewerAudio } from './interviewer-audio.js';
import { OptOutFilter } from './opt-out.js';
import {
  type AgentState,
  defaultInterviewSessionOptions,
  type InterviewSessionOptions,
} from './session-options.js';
import { SessionTracks } from './tracks.js';

export type { SessionRecorder } from './recorder-types.js';

export {
  type AgentState,
  defaultInterviewSessionOptions,
  type InterviewSessionOptions,
  SESSION_SIGNAL_KINDS,
} from './session-options.js';

/**
 * One interview seen by the agent: follows the candidate, decodes every participant's audio once
 * (see {@link SessionTracks}), runs the analysers on the candidate's media, sends signals and stats
 * to the interviewers, records everything, and reads client messages. Everything that happens goes
 * on the session's {@link SessionBus}, where the turn model and the extensions listen.
 */
export class InterviewSession {
  #o: InterviewSessionOptions;
  #runner: AnalyserRunner;
  #publisher: InterviewerPublisher;
  #tracker: CandidateTracker;
  #inbox: ClientInbox;
  #bus: SessionBus;
  #turns: TurnModel;
  #tracks: SessionTracks;
  #interviewers = new InterviewerAudio({
    onTrack: (track, p) => this.#tracks.start(track, this.#speaker(track, p.identity, 'interviewer')),
    onTrackEnded: (sid) => void this.#tracks.end(sid),
  });
  #timer?: NodeJS.Timeout;
  #state: AgentState = 'starting';
  #logger = logger('session');
  #pendingSignals: SignalMessage[] = [];
  /** Session and extension signals dropped for not matching the catalogue. */
  #invalidSignals = 0;
  #attributes: AgentAttributes;
  #optOut = new OptOutFilter();
  #consent: ConsentGate;
  #flow: ConsentFlow;
  #messages: ClientMessages;

  #extensions: SessionExtension[];

  constructor(
    opts: Pick<InterviewSessionOptions, 'sessionId' | 'room' | 'analysers' | 'recorder'> &
      Partial<InterviewSessionOptions>,
  ) {
    this.#o = { ...defaultInterviewSessionOptions, ...opts };
    this.#extensions = this.#o.extensions.map((make) => make());
    const db = this.#o.recorder.database;
    this.#consent = new ConsentGate({
      required: this.#o.requireConsent,
      ...(db ? { log: databaseConsentLog(db, this.#o.sessionId, this.#o.recorder.writes) } : {}),
    });
    this.#bus = new SessionBus((err, event) =>
      this.#logger.error({ err, event: event.type }, 'session event listener failed; the session goes on'),
    );
    // The turn model updates it; vision samples faster while the candidate speaks.
    const activity = new CandidateActivity();
    this.#turns = new TurnModel({
      bus: this.#bus,
      activity,
      emit: (d) => void this.#signal(d, 'turns', 'audio'),
      options: this.#o.turns,
    });
    this.#tracks = new SessionTracks({
      bus: this.#bus,
      vad: this.#o.vad,
      decodeAudio: this.#o.decodeAudio,
      vadMaxBacklogMs: this.#o.vadMaxBacklogMs,
    });
    this.#runner = new AnalyserRunner({
      sessionId: this.#o.sessionId,
      activity,
      factories: this.#o.analysers,
      ...(this.#o.probe ? { probe: this.#o.probe } : {}),
      onSignal: (draft, analyser, track) => void this.#signal(draft, analyser.name, track.media),
    });
    this.#publisher = new InterviewerPublisher(this.#o.room);
    this.#attributes = new AgentAttributes(this.#o.room);
    this.#tracker = new CandidateTracker(
      this.#o.room,
      {
        onTrack: (track, p) => this.#startTrack(track, p),
        onTrackEnded: (sid) => void this.#endTrack(sid),
        onCandidate: (identity) => void this.#flow.candidateChanged(identity),
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
      { videoDimensions: this.#o.videoDimensions, admits: (id, media) => this.#consent.allows(id, media) },
    );
    this.#flow = new ConsentFlow({
      gate: this.#consent,
      candidate: () => this.#tracker.candidate,
      refresh: () => this.#tracker.refresh(),
      setState: (state, identity) => this.#setState(state, identity),
      analysers: this.#o.analysers,
      ...(this.#o.accommodate ? { accommodate: this.#o.accommodate } : {}),
    });
    this.#messages = new ClientMessages({
      consent: this.#consent,
      flow: this.#flow,
      optOut: () => this.#optOut,
      emit: (draft) => void this.#signal(draft, 'session', 'text'),
    });
    this.#inbox = new ClientInbox(
      this.#o.room,
      {
        onMessage: (m) => {
          if (!this.#messages.accepts(m)) return;
          void this.#messages.handle(m);
          this.#bus.emit({ type: 'client-message', message: m });
        },
      },
      this.#o.inbox,
    );
  }

  get state(): AgentState {
    return this.#state;
  }

  /** Starts following the room. The room must already be connected. */
  async start(): Promise<void> {
    const settings = await this.#o.recorder.settings?.().catch(() => undefined);
    this.#optOut = new OptOutFilter({ allowed: settings?.allowOptOut === true });
    if (this.#o.restore?.optOutGroups.length) this.#optOut.apply(this.#o.restore.optOutGroups);
    if (Array.isArray(settings?.accommodations))
      this.#consent.setSessionAccommodations(settings.accommodations as Accommodation[]);
    await this.#setState('waiting-for-candidate', undefined);
    const ctx: SessionContext = {
      sessionId: this.#o.sessionId,
      room: this.#o.room,
      publisher: this.#publisher,
      recorder: this.#o.recorder,
      bus: this.#bus,
      turns: this.#turns,
      candidate: () => this.#tracker.candidate,
      suppresses: (kind) => this.#consent.suppresses(this.#tracker.candidate, kind),
      emitSignal: (draft, source) => this.#signal(draft, source.analyser, source.media),
    };
    // Extensions subscribe to the bus before the first track or message can arrive.
    await Promise.all(this.#extensions.map((x) => this.#guard(x, 'start', () => x.start?.(ctx))));
    this.#inbox.start();
    this.#tracker.start();
    if (this.#o.interviewerAudio) this.#interviewers.start(this.#o.room);
    this.#timer = setInterval(() => void this.#tick(), this.#o.statsIntervalMs);
    this.#timer.unref();
  }

  /** Stops every analyser, flushes what is pending and closes the recorder. */
  async close(): Promise<void> {
    if (this.#state === 'closing') return;
    this.#state = 'closing';
    clearInterval(this.#timer);
    this.#tracker.stop();
    this.#interviewers.close();
    this.#inbox.stop();
    await this.#tracks.close();
    this.#turns.close();
    await Promise.all(this.#extensions.map((x) => this.#guard(x, 'close', () => x.close?.())));
    await this.#flush();
    await this.#o.recorder.close();
  }

  #speaker(track: RemoteTrack, identity: string, role: Speaker['role']): Speaker {
    return { identity, role, trackSid: track.sid as string };
  }

  #startTrack(track: RemoteTrack, p: RemoteParticipant): void {
    const speaker = this.#speaker(track, p.identity, 'candidate');
    const media: MediaKind = track.kind === TrackKind.KIND_VIDEO ? 'video' : 'audio';
    const info: TrackInfo = { participantIdentity: p.identity, trackSid: speaker.trackSid, media };
    const accommodations = this.#consent.accommodations(p.identity);
    this.#logger.info(
      { track: speaker.trackSid, media, candidate: p.identity, accommodations },
      'analysing candidate track',
    );
    this.#tracks.start(track, speaker, this.#runner.start(info, this.#flow.analysersFor(p.identity)), {
      pitch: !accommodations.includes('delivery-pace'),
    });
  }

  async #endTrack(sid: string): Promise<void> {
    await this.#tracks.end(sid);
    this.#logger.info({ track: sid }, 'candidate track ended');
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
    if (this.#optOut.suppresses(analyser, media, message.range)) return message;
    // nothing of the candidate before consent or after withdrawal, nothing an accommodation switched off
    if (analyser !== 'session' && this.#consent.suppresses(this.#tracker.candidate, draft.kind))
      return message;
    this.#pendingSignals.push(message);
    void this.#publisher.publish(message);
    this.#bus.emit({ type: 'signal', signal: message });
    return message;
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
      inbox: this.#inbox.stats(),
      analysers: stats.map(({ name, media, status, error, framesIn, signalsOut, signalsInvalid }) => ({
        name,
        media,
        status,
        ...(error ? { error: error.slice(0, 500) } : {}),
        framesIn,
        signalsOut,
        signalsInvalid,
      })),
      ...Object.assign({}, ...this.#extensions.map((x) => x.stats?.())),
    });
    await this.#attributes.set({
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
    await this.#attributes.set({
      [AGENT_STATE_ATTRIBUTE]: state,
      [AGENT_CANDIDATE_ATTRIBUTE]: candidate ?? '',
    });
  }
}
