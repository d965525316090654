import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { librivoxClips, writeWav } from '../../../test/fixtures/audio.js';
import { readWav } from '../../../test/fixtures/wav.js';
import { STT_SERVER } from './recognizer-service.js';
import { sttModelsDir, sttPython } from './stt-models.js';
import { localSttServer, TEST_MODEL } from './testing.js';
import { wordErrors } from './wer.js';

/** Runs `body` (Python, with `stt_server` imported) in the recognizer's venv; what it prints, as JSON. */
function python(body: string): unknown {
  const script = `import json, sys\nsys.path.insert(0, ${JSON.stringify(dirname(STT_SERVER))})\nimport stt_server\n${body}`;
  const python = process.env.STT_PYTHON ?? sttPython(process.env.STT_MODELS_DIR);
  return JSON.parse(execFileSync(python, ['-c', script], { encoding: 'utf8' }));
}

/** Posts a WAV to the recognizer at `baseURL` for `verbose_json`: its text, the model that decoded it, its length. */
async function transcribe(baseURL: string, wav: Buffer) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(wav)], { type: 'audio/wav' }), 'a.wav');
  form.append('model', 'whisper');
  form.append('response_format', 'verbose_json');
  const res = await fetch(`${baseURL}/audio/transcriptions`, { method: 'POST', body: form });
  expect(res.status).toBe(200);
  return (await res.json()) as { text: string; model: string; duration: number };
}

describe("the recognizer's pace (which model a decode starting now uses)", () => {
  it('falls back only when clearing what waits with the main model would take longer than the limit', () => {
    const choices = python(`
p = stt_server.Pace("base", "tiny", 2.0)
out = {"before any decode": p.choose(100.0)}
p.record("base", 10.0, 1.0, 2.0)    # 0.1 CPU s per audio s, decodes get half a core
out["5 s waiting: 1 s to clear"] = p.choose(5.0)
out["15 s waiting: 3 s to clear"] = p.choose(15.0)
out["15 s, two workers: 1.5 s each"] = p.choose(15.0, 2)
p.record("tiny", 10.0, 0.5, 5.0)   # the fallback's decodes show the cores got busier (10 wall s per CPU s)
out["5 s waiting, busier: 2.2 s to clear"] = p.choose(5.0)
out["rates"] = {"cpuPerAudio": p.cpu_per_audio, "wallPerCpu": round(p.wall_per_cpu, 3)}
q = stt_server.Pace("base", None, 0.0)
q.record("base", 10.0, 1.0, 2.0)
out["no fallback model"] = q.choose(100.0)
print(json.dumps(out))
`);
    expect(choices).toEqual({
      'before any decode': 'base',
      '5 s waiting: 1 s to clear': 'base',
      '15 s waiting: 3 s to clear': 'tiny',
      '15 s, two workers: 1.5 s each': 'base',
      '5 s waiting, busier: 2.2 s to clear': 'tiny',
      rates: { cpuPerAudio: { base: 0.1, tiny: 0.05 }, wallPerCpu: 4.4 },
      'no fallback model': 'base',
    });
  });
});

describe.skipIf(TEST_MODEL === 'whisper-tiny.en')('the local recognizer with a fallback model', () => {
  // 50 ms: once the main model's pace is known, any request of a few seconds takes longer than that with it.
  const local = localSttServer({ fallbackModel: 'whisper-tiny.en', fallbackAfterMs: 50 });

  it('decodes with the faster model once the main one is too slow to clear what waits, and counts it', async () => {
    const clip = librivoxClips()[1];
    if (!clip) throw new Error('no clip');
    const wav = readFileSync(
      writeWav(join(mkdtempSync(join(tmpdir(), 'stt-')), 'a.wav'), readWav(clip.path)),
    );
    const before = await local.service.stats();
    expect(before.fallback).toEqual({
      model: 'whisper-tiny.en',
      afterMs: 50,
      ok: 0,
      audioSeconds: 0,
      cpuSeconds: 0,
    });
    const first = await transcribe(local.baseURL, wav); // the main model's pace is not known yet: it decodes
    const second = await transcribe(local.baseURL, wav);
    expect(first.model).toBe(TEST_MODEL);
    expect(second.model).toBe('whisper-tiny.en');
    for (const { text } of [first, second])
      expect(wordErrors(clip.reference, text).errors).toBeLessThanOrEqual(2);
    const after = await local.service.stats();
    expect(after.requests.ok - before.requests.ok).toBe(2);
    expect(after.fallback?.ok).toBe(1);
    expect(after.fallback?.audioSeconds).toBeCloseTo(second.duration, 1);
    expect(after.fallback?.cpuSeconds).toBeGreaterThan(0);
  }, 90_000);
});

describe.skipIf(TEST_MODEL === 'whisper-tiny.en')('a fallback model that was not fetched', () => {
  // A models directory with the main model only (and the usual venv).
  const modelsDir = mkdtempSync(join(tmpdir(), 'stt-models-'));
  symlinkSync(join(sttModelsDir(process.env.STT_MODELS_DIR), TEST_MODEL), join(modelsDir, TEST_MODEL));
  const local = localSttServer({
    modelsDir,
    python: process.env.STT_PYTHON ?? sttPython(process.env.STT_MODELS_DIR),
    fallbackModel: 'whisper-tiny.en',
    fallbackAfterMs: 0,
  });

  it('is left out: the recognizer starts and the main model decodes everything', async () => {
    expect(existsSync(join(modelsDir, 'whisper-tiny.en'))).toBe(false);
    const clip = librivoxClips()[1];
    if (!clip) throw new Error('no clip');
    const wav = readFileSync(writeWav(join(modelsDir, 'a.wav'), readWav(clip.path)));
    for (let i = 0; i < 2; i++) expect((await transcribe(local.baseURL, wav)).model).toBe(TEST_MODEL);
    expect((await local.service.stats()).fallback).toBeNull();
  }, 90_000);
});
