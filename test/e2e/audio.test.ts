import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  TRANSCRIPT_SPEAKER_ATTRIBUTES,
  TRANSCRIPTION_ATTRIBUTES,
  TRANSCRIPTION_TOPIC,
} from '@interview-helper/protocol';
import { openDatabase } from '@interview-helper/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordErrors } from '../../agent/src/transcription/wer.js';
import { concat, espeak, librivoxClips, silence, writeWav } from '../fixtures/audio.js';
import { ARTIFACTS_DIR } from '../fixtures/paths.js';
import { readWav } from '../fixtures/wav.js';
import { publishMicrophone } from './clients/media.js';
import {
  createSession,
  join as joinRoom,
  signalsOf,
  type TestParticipant,
  waitFor,
} from './clients/participant.js';
import { type Stack, startStackWithLocalStt } from './harness/stack.js';

interface Caption {
  text: string;
  sender: string;
  attributes: Record<string, string>;
  at: number;
}

/** Collects every `lk.transcription` text stream a participant receives, as a stock client would. */
function captions(p: TestParticipant): Caption[] {
  const got: Caption[] = [];
  p.room.registerTextStreamHandler(TRANSCRIPTION_TOPIC, (reader, info) => {
    void reader
      .readAll()
      .then((text) =>
        got.push({ text, sender: info.identity, attributes: reader.info.attributes ?? {}, at: Date.now() }),
      );
  });
  return got;
}

/** A final caption with text (an empty final one closes interim captions of a segment without words). */
const isFinal = (c: Caption) =>
  c.attributes[TRANSCRIPTION_ATTRIBUTES.FINAL] === 'true' && c.text.trim() !== '';
const roleOf = (c: Caption) => c.attributes[TRANSCRIPT_SPEAKER_ATTRIBUTES.ROLE];

const QUESTION = 'Can you tell me about a project you are proud of?';

/**
 * Both STT modes of the production local engine (the machine's Whisper recognizer): `batch` (one
 * request per VAD segment) and `realtime` (transcribed while spoken, chunked at short pauses). The
 * analysers and a replaced microphone do not depend on the mode and are checked in `batch` only.
 */
describe.each(['batch', 'realtime'] as const)(
  'audio (%s STT): VAD, delivery and transcripts of both speakers through a real room',
  (mode) => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStackWithLocalStt({ STT_MODE: mode, VAD_LONG_PAUSE_SECONDS: '4' });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('publishes and stores speaker-labelled segments for the candidate and the interviewer', async () => {
      const dir = join(ARTIFACTS_DIR, `audio-${mode}`);
      mkdirSync(dir, { recursive: true });
      // Realtime: three sentences back to back (one segment of ~20 s), so the chunks cut at its short pauses are
      // decoded while the answer goes on, however slow a loaded machine decodes them.
      const clips = librivoxClips().slice(0, mode === 'realtime' ? 3 : 1);
      if (clips.length === 0) throw new Error('no LibriVox clip');
      const reference = clips.map((c) => c.reference).join(' ');
      // 5 s of silence after the answer: longer than the delivery analyser's 4 s answer gap, so every loop ends one.
      const answer = writeWav(
        join(dir, 'answer.wav'),
        concat(...clips.map((c) => readWav(c.path)), silence(5)),
      );
      const question = writeWav(join(dir, 'question.wav'), concat(espeak(QUESTION), silence(6)));

      const created = await createSession(stack);
      const interviewer = await joinRoom(stack, created, 'interviewer', 'Ivy Interviewer');
      const heard = captions(interviewer);
      const candidate = await joinRoom(stack, created, 'candidate', 'Cam Candidate');
      const candidateHeard = captions(candidate);
      const askMic = await publishMicrophone(interviewer.room, question);
      const answerMic = await publishMicrophone(candidate.room, answer);

      const bySpeaker = (role: string) => () => {
        const c = heard.filter((x) => isFinal(x) && roleOf(x) === role);
        return c.length > 0 ? c : undefined;
      };
      const fromCandidate = await waitFor('a candidate caption', bySpeaker('candidate'), 120_000);
      const fromInterviewer = await waitFor('an interviewer caption', bySpeaker('interviewer'), 90_000);

      // Standard attributes, sent on behalf of the speaker, for the speaker's own track.
      for (const [c, who, track] of [
        [fromCandidate[0], candidate.identity, answerMic.trackSid],
        [fromInterviewer[0], interviewer.identity, askMic.trackSid],
      ] as const) {
        expect(c?.sender).toBe(who);
        expect(c?.attributes[TRANSCRIPTION_ATTRIBUTES.FINAL]).toBe('true');
        expect(c?.attributes[TRANSCRIPTION_ATTRIBUTES.TRACK_ID]).toBe(track);
        expect(c?.attributes[TRANSCRIPTION_ATTRIBUTES.SEGMENT_ID]).toMatch(/^seg_/);
        expect(c?.attributes[TRANSCRIPT_SPEAKER_ATTRIBUTES.IDENTITY]).toBe(who);
      }
      // Real recognition through Opus and the room: most of the words are right.
      // Both clips loop; a first caption may be cut where the agent started listening, so wait for a whole one.
      const bestRate = (role: string, reference: string) =>
        Math.min(
          ...heard
            .filter((x) => isFinal(x) && roleOf(x) === role)
            .map((c) => wordErrors(reference, c.text))
            .map((e) => e.errors / e.words),
        );
      const best = await waitFor(
        'a whole candidate answer',
        () => (bestRate('candidate', reference) < 0.6 ? bestRate('candidate', reference) : undefined),
        90_000,
      );
      expect(best).toBeLessThan(0.6);
      const asked = await waitFor(
        'a whole interviewer question',
        () => (bestRate('interviewer', QUESTION) < 0.7 ? bestRate('interviewer', QUESTION) : undefined),
        60_000, // the question loops every ~9 s; a loaded machine's recognizer may need a few loops for a whole one
      );
      expect(asked).toBeLessThan(0.7);
      // Stock clients everywhere in the room get the captions.
      await waitFor(
        'captions at the candidate',
        () => (candidateHeard.length > 0 ? true : undefined),
        30_000,
      );

      // Realtime: interim captions (final=false) of a candidate segment come first, under its final id.
      const interims = heard.filter((c) => c.attributes[TRANSCRIPTION_ATTRIBUTES.FINAL] === 'false');
      if (mode === 'realtime') {
        const id = (c?: Caption) => c?.attributes[TRANSCRIPTION_ATTRIBUTES.SEGMENT_ID];
        const pair = await waitFor(
          'an interim candidate caption before its final one',
          () => {
            for (const [i, c] of heard.entries()) {
              if (roleOf(c) !== 'candidate' || c.attributes[TRANSCRIPTION_ATTRIBUTES.FINAL] !== 'false')
                continue;
              const final = heard.find((x, j) => j > i && isFinal(x) && id(x) === id(c));
              if (final) return { interim: c, final };
            }
            return undefined;
          },
          60_000, // the answer loops every ~25 s
        );
        expect(pair.interim.sender).toBe(candidate.identity);
        for (const key of [TRANSCRIPTION_ATTRIBUTES.TRACK_ID, TRANSCRIPT_SPEAKER_ATTRIBUTES.IDENTITY])
          expect(pair.interim.attributes[key]).toBe(pair.final.attributes[key]);
        expect(pair.interim.at).toBeLessThanOrEqual(pair.final.at);
        console.log(
          `[measure] realtime: ${interims.length} interim captions; "${pair.interim.text}" → "${pair.final.text}"`,
        );
      } else expect(interims).toEqual([]);

      // The candidate's audio analysers report to the interviewer.
      if (mode === 'batch') {
        await waitFor('speech segments', () =>
          signalsOf(interviewer, 'speech-segment').length > 0 ? true : undefined,
        );
        await waitFor(
          'delivery',
          () => (signalsOf(interviewer, 'delivery').length > 0 ? true : undefined),
          90_000,
        );
        // pitch windows and transcript segments come on their own schedules: wait for them rather than count once
        await waitFor('pitch or speech-rate', () =>
          signalsOf(interviewer, 'pitch').length + signalsOf(interviewer, 'speech-rate').length > 0
            ? true
            : undefined,
        );
      }

      // Stored, speaker-labelled (segments are written apart from the captions: wait for both speakers' rows).
      const db = await openDatabase({ url: stack.databaseUrl });
      try {
        const { sql } = await import('drizzle-orm');
        type Row = { role: string; identity: string; n: number };
        const read = async () => {
          const result = await db.db.execute<Row>(
            sql`select speaker_role as role, speaker_identity as identity, count(*)::int as n from transcript_segments
              where session_id = ${created.session.id} and status = 'ok' group by 1, 2`,
          );
          const list = (result as unknown as { rows?: unknown[] }).rows ?? (result as unknown as unknown[]);
          return Object.fromEntries((list as Row[]).map((r) => [r.role, r]));
        };
        let stored = await read();
        for (let deadline = Date.now() + 30_000; !(stored.candidate && stored.interviewer); ) {
          if (Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 250));
          stored = await read();
        }
        expect(stored.candidate?.identity).toBe(candidate.identity);
        expect(stored.interviewer?.identity).toBe(interviewer.identity);
        expect(Number(stored.candidate?.n)).toBeGreaterThan(0);
      } finally {
        await db.close();
      }
      console.log(
        `[measure] ${mode}: candidate captions=${fromCandidate.length} best WER=${best.toFixed(2)} "${fromCandidate[0]?.text}"; ` +
          `interviewer captions=${fromInterviewer.length} WER=${asked.toFixed(2)} "${fromInterviewer[0]?.text}"`,
      );
      // The agent ran the local engine in the configured mode.
      expect(stack.agent.output()).toContain(`"engine":"local:whisper-base","mode":"${mode}"`);
      // A replaced microphone (unpublish, publish a new track) is followed: captions for the new track.
      if (mode === 'realtime') {
        await Promise.all([answerMic.stop(), askMic.stop()]);
        await Promise.all([candidate.leave(), interviewer.leave()]);
        return;
      }
      await answerMic.stop();
      const again = await publishMicrophone(candidate.room, answer);
      await waitFor(
        'a caption of the replaced track',
        () =>
          heard.some((c) => c.attributes[TRANSCRIPTION_ATTRIBUTES.TRACK_ID] === again.trackSid)
            ? true
            : undefined,
        60_000,
      );
      await again.stop();
      await askMic.stop();
      await candidate.leave();
      await interviewer.leave();
    }, 400_000);
  },
);
