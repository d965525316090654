import { afterAll, beforeAll } from 'vitest';
import { chunks } from '../../../test/fixtures/audio.js';
import type { Pcm16 } from '../../../test/fixtures/wav.js';
import { loadSilero } from '../audio/speech.js';
import { type SttEngine, startPocketsphinxServer } from './engine.js';
import { SpeakerTranscriber, STT_VAD_SETTINGS, type TranscriptSegment } from './transcriber.js';

/** The candidate speaker the transcription tests use. */
export const testSpeaker = { identity: 'cand', role: 'candidate' as const, trackSid: 'TR_c' };

/**
 * The local PocketSphinx server (OpenAI transcription API, batch and realtime) for the enclosing
 * `describe` block: started before its tests, stopped after them. `baseURL` is set once started.
 */
export function localSttServer(): { baseURL: string } {
  const handle = { baseURL: '' };
  let stop = () => {};
  beforeAll(async () => {
    const server = await startPocketsphinxServer();
    handle.baseURL = server.baseURL;
    stop = () => server.child.kill();
  });
  afterAll(() => stop());
  return handle;
}

/** Runs a clip through a {@link SpeakerTranscriber} with the production VAD; its segments and VAD boundaries. */
export async function transcribeClip(engine: SttEngine, pcm: Pcm16, options = {}) {
  const segments: TranscriptSegment[] = [];
  const boundaries: string[] = [];
  const t = new SpeakerTranscriber({
    speaker: testSpeaker,
    engine,
    vad: await loadSilero(STT_VAD_SETTINGS),
    onSegment: async (s) => {
      segments.push(s);
    },
    onBoundary: (b) => boundaries.push(b.type),
    options,
  });
  await t.run(chunks(pcm));
  return { segments, boundaries };
}
