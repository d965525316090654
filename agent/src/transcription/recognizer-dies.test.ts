import { setTimeout as sleep } from 'node:timers/promises';
import { type AudioBuffer, stt } from '@livekit/agents';
import { describe, expect, it } from 'vitest';
import { concat, espeak, librivoxClips, silence } from '../../../test/fixtures/audio.js';
import { readWav } from '../../../test/fixtures/wav.js';
import type { RecognizerService } from './recognizer-service.js';
import { localStt, localSttServer, transcribeClip } from './testing.js';

/**
 * The local STT, killing the recognizer process (SIGKILL) once, while it decodes one of the requests: each request
 * watches the server's stats until it shows a decode in flight, then kills it, unless its answer came first.
 */
class KillingStt extends stt.STT {
  label = 'killing-local-recognizer';
  killedPid?: number;
  #inner: stt.STT;
  #service: RecognizerService;

  constructor(baseURL: string, service: RecognizerService) {
    super({ streaming: false, interimResults: false });
    this.#inner = localStt(baseURL);
    this.#service = service;
  }

  protected async _recognize(buffer: AudioBuffer, abortSignal?: AbortSignal): Promise<stt.SpeechEvent> {
    const answer = this.#inner.recognize(buffer, abortSignal);
    if (this.killedPid === undefined) {
      let settled = false;
      const settle = () => {
        settled = true;
      };
      answer.then(settle, settle);
      while (!settled && this.killedPid === undefined) {
        const s = await this.#service.stats(AbortSignal.timeout(2000)).catch(() => undefined);
        if (!settled && s && s.inFlight > 0 && this.killedPid === undefined) {
          this.killedPid = this.#service.pid as number;
          process.kill(this.killedPid, 'SIGKILL');
          break;
        }
        await sleep(10);
      }
    }
    return answer;
  }

  stream(): stt.SpeechStream {
    throw new Error('batch only');
  }

  override async close(): Promise<void> {
    await this.#inner.close();
  }
}

describe('recognizer process dies while it decodes a segment', () => {
  const local = localSttServer();

  it('is restarted; the segment in flight is retried and stored, the VAD goes on, no segment is lost', async () => {
    const clip = librivoxClips()[0];
    if (!clip) throw new Error('no LibriVox clip');
    // a long answer first (its decode is in flight when the process dies), then two short ones
    const audio = concat(
      readWav(clip.path),
      silence(1.5),
      espeak('The first answer is short.'),
      silence(1.5),
      espeak('And here is the second one.'),
      silence(1),
    );
    const killing = new KillingStt(local.baseURL, local.service);
    const { segments, boundaries } = await transcribeClip(killing, audio, {
      backoffMs: 500,
      maxAttempts: 8, // backoff 0.5 s doubling to 8 s: ~60 s for the restart and model load on a busy machine
    });
    await killing.close();
    expect(killing.killedPid).toBeDefined();
    expect(local.service.restarts).toBe(1);
    expect(local.service.pid).not.toBe(killing.killedPid);
    // every segment the VAD closed was stored, all transcribed; the one in flight after a retry
    const ends = boundaries.filter((b) => b === 'end').length;
    expect(ends).toBeGreaterThanOrEqual(3);
    expect(segments).toHaveLength(ends);
    for (const s of segments) expect(s.status).toBe('ok');
    expect(segments.some((s) => s.attempts > 1)).toBe(true);
    expect(segments.map((s) => s.text).join(' ')).toMatch(/second one/i);
  }, 180_000);
});
