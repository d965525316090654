import { join } from 'node:path';
import { AGENT_CANDIDATE_ATTRIBUTE, type JoinConsent, type SignalKind } from '@interview-helper/protocol';
import { LIBRIVOX_DIR } from '../../fixtures/paths.js';
import {
  namedPhotoFrames,
  type Publishing,
  photoFrames,
  publishCamera,
  publishMicrophone,
} from '../clients/media.js';
import {
  type CreatedSession,
  join as joinRoom,
  signalsOf,
  type TestParticipant,
  waitFor,
} from '../clients/participant.js';
import { publishTalkThenPause } from '../clients/talk-pause.js';
import { dispatchHint, type Stack } from './stack.js';

/** A LibriVox reading (real speech) the test candidates loop as their microphone. */
export const SPEECH_WAV = join(LIBRIVOX_DIR, 'sense_and_sensibility_01_austen_64kb-0870.wav');

/** Options of {@link startInterview}. */
export interface InterviewOptions {
  /** Body of the `POST /api/sessions` request (default `{ title: 'e2e' }`). */
  session?: Record<string, unknown>;
  /** Display names (default `Ivy Interviewer` and `Cam Candidate`). */
  interviewerName?: string;
  candidateName?: string;
  /** The candidate's consent with its token request (default: the whole disclosure; `false`: none). */
  consent?: JoinConsent | false;
  /** The candidate's camera: one fixture photo (the first one, or `photo` by name) at `fps` (default 10). */
  camera?: { photo?: string; fps?: number };
  /** The candidate's microphone: a WAV file, looped. */
  microphone?: { wav: string };
  /** The candidate's microphone as cycles of real speech then digital silence (instead of `microphone`). */
  talk?: { speechMs: number; pauseMs: number };
}

/** A session with an interviewer and a candidate in its room, and what the candidate publishes. */
export interface Interview<S extends CreatedSession = CreatedSession> {
  created: S;
  interviewer: TestParticipant;
  candidate: TestParticipant;
  camera?: Publishing;
  mic?: Publishing;
  talk?: Awaited<ReturnType<typeof publishTalkThenPause>>;
  /** Stops what the candidate publishes, then the candidate and the interviewer leave. Idempotent. */
  end(): Promise<void>;
}

/**
 * Creates a session through the token server, joins an interviewer then a candidate (each with a token of the
 * token server) and publishes the candidate's media as `opts` says.
 */
export async function startInterview<S extends CreatedSession = CreatedSession>(
  stack: Stack,
  opts: InterviewOptions = {},
): Promise<Interview<S>> {
  const created = await stack.post<S>('/api/sessions', opts.session ?? { title: 'e2e' });
  const interviewer = await joinRoom(
    stack,
    created,
    'interviewer',
    opts.interviewerName ?? 'Ivy Interviewer',
  );
  const candidate = await joinRoom(stack, created, 'candidate', opts.candidateName ?? 'Cam Candidate', {
    ...(opts.consent !== undefined ? { consent: opts.consent } : {}),
  });
  let ended: Promise<void> | undefined;
  const interview: Interview<S> = {
    created,
    interviewer,
    candidate,
    end: () => {
      ended ??= (async () => {
        await interview.camera?.stop();
        await interview.mic?.stop();
        await interview.talk?.stop();
        await candidate.leave();
        await interviewer.leave();
      })();
      return ended;
    },
  };
  try {
    if (opts.camera) {
      const { photo, fps = 10 } = opts.camera;
      const frames = photo
        ? await namedPhotoFrames(320, 240, photo)
        : (await photoFrames(320, 240)).slice(0, 1);
      interview.camera = await publishCamera(candidate.room, frames, { fps });
    }
    if (opts.microphone) interview.mic = await publishMicrophone(candidate.room, opts.microphone.wav);
    if (opts.talk)
      interview.talk = await publishTalkThenPause(candidate.room, opts.talk.speechMs, opts.talk.pauseMs);
  } catch (err) {
    await interview.end().catch(() => {});
    throw err;
  }
  return interview;
}

/** Waits until the interviewer sees the agent analysing this interview's candidate (its candidate attribute). */
export async function waitForAnalysis(stack: Stack, interview: Interview, timeoutMs = 60_000): Promise<void> {
  const { interviewer, candidate } = interview;
  await waitFor(
    'the agent to analyse the candidate',
    () =>
      [...interviewer.room.remoteParticipants.values()].some(
        (p) => p.attributes[AGENT_CANDIDATE_ATTRIBUTE] === candidate.identity,
      )
        ? true
        : undefined,
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message}${dispatchHint(stack)}`);
  });
}

/** Waits until the interviewer has received at least one signal of each of `kinds`. */
export async function waitForSignals(
  interviewer: TestParticipant,
  kinds: SignalKind[],
  timeoutMs = 60_000,
): Promise<void> {
  await waitFor(
    `${kinds.join(' and ')} signals`,
    () => (kinds.every((k) => signalsOf(interviewer, k).length > 0) ? true : undefined),
    timeoutMs,
  );
}

/**
 * Polls an async `check` every `intervalMs` until it returns a value other than undefined, or fails after
 * `timeoutMs`. A check that throws fails at once, unless `retryErrors` (then the last error is reported).
 */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  opts: { intervalMs?: number; retryErrors?: boolean } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      if (!opts.retryErrors) throw err;
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}
