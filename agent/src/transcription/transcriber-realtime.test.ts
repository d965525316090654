import * as openai from '@livekit/agents-plugin-openai';
import { describe, expect, it } from 'vitest';
import { concat, espeak, silence } from '../../../test/fixtures/audio.js';
import { transcribeClip } from './testing.js';
import { type FaultMode, realtimeFaultServer } from './transcriber-ws-fixtures.js';

/** The OpenAI plugin's realtime STT as the `openai` engine builds it (turn detection and plugin VAD off). */
const realtimeAt = (baseURL: string) =>
  new openai.STT({
    baseURL,
    apiKey: 'no-key',
    model: 'gpt-4o-transcribe',
    useRealtime: true,
    turnDetection: null,
    vad: null,
  });

const twoAnswers = () =>
  concat(espeak('The first answer is short.'), silence(1.5), espeak('And here is the second one.'));

describe('a streaming stt.STT (realtime) against a broken endpoint: our retry policy only', () => {
  it('retries a connection dropped mid-utterance with backoff, on a new connection', async () => {
    const server = await realtimeFaultServer('flaky');
    const { segments } = await transcribeClip(
      realtimeAt(server.baseURL),
      twoAnswers(),
      { backoffMs: 20 },
      'realtime',
    );
    server.close();
    expect(segments[0]).toMatchObject({ status: 'ok', text: 'hello there', attempts: 2 });
    expect(segments.length).toBeGreaterThanOrEqual(2);
    // One connection per attempt: the plugin made no retries of its own.
    expect(server.connections()).toBe(segments.length + 1);
  });

  it.each(['down', 'hang', 'close-mid-utterance', 'garbage', 'bad-event'] as const satisfies readonly (
    | FaultMode
    | 'down'
  )[])('marks segments failed when the endpoint is %s, and the VAD keeps going', async (mode) => {
    const server = mode === 'down' ? undefined : await realtimeFaultServer(mode);
    const url = server?.baseURL ?? 'http://127.0.0.1:9/v1';
    const { segments, boundaries } = await transcribeClip(
      realtimeAt(url),
      twoAnswers(),
      { backoffMs: 10, maxAttempts: 2, timeoutMs: 400 },
      'realtime',
    );
    server?.close();
    expect(boundaries.filter((b) => b === 'end').length).toBeGreaterThanOrEqual(2);
    expect(segments.length).toBe(boundaries.filter((b) => b === 'end').length);
    for (const s of segments) expect(s).toMatchObject({ status: 'failed', text: '', attempts: 2 });
    expect(segments[0]?.error).toBeTruthy();
  });
});
