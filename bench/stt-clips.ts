/**
 * Audio for the speech-to-text bench: scripted interview voices (espeak-ng, several voices and
 * speeds, resampled to 16 kHz by sox), long answers of read speech (LibriVox), and non-speech
 * (digital silence, white and brown noise, a chord progression) plus degraded speech (clipped,
 * 8 kHz telephone band).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concat, librivoxClips, silence, tone } from '../test/fixtures/audio.js';
import { type Pcm16, readWav } from '../test/fixtures/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-stt-'));
let n = 0;

/** What an interviewer and a candidate say (questions, clarification requests, code talk). */
export const INTERVIEW_LINES = [
  'Sorry, I am stuck. Could you clarify what you mean by the second constraint?',
  'I would use a hash map to count how often each word appears, then sort by frequency.',
  'The time complexity is linear in the number of elements, and the memory is constant.',
  'Can you tell me about a project you are proud of?',
  'First I check whether the input is empty, then I walk through the list once.',
  'I am not sure I understand the question. Do you want the shortest path or any path?',
  'We deployed the service behind a load balancer and added a cache in front of the database.',
  'Let me think about the edge cases for a moment.',
  'How would you test this function?',
  'I would write unit tests for the empty list, a single element and a very long list.',
];

/** espeak-ng voices and speeds (words per minute) of the scripted speakers. */
export const VOICES: { voice: string; wpm: number }[] = [
  { voice: 'en-us', wpm: 150 },
  { voice: 'en-gb-x-rp', wpm: 170 },
  { voice: 'en-us+f3', wpm: 140 },
  { voice: 'en-gb-scotland', wpm: 160 },
];

/** `text` spoken by espeak-ng with `voice`, as 16 kHz mono (sox's resampler). */
export function speak(text: string, voice: string, wpm: number): Pcm16 {
  const raw = join(dir, `${n}.raw.wav`);
  const out = join(dir, `${n++}.wav`);
  execFileSync('espeak-ng', ['-v', voice, '-s', String(wpm), '-w', raw, text]);
  execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', out]);
  return readWav(out);
}

/** Every line in every voice: the scripted interview set. */
export function interviewSet(): { reference: string; voice: string; pcm: Pcm16 }[] {
  return VOICES.flatMap((v) =>
    INTERVIEW_LINES.map((line) => ({
      reference: line,
      voice: `${v.voice}@${v.wpm}`,
      pcm: speak(line, v.voice, v.wpm),
    })),
  );
}

/** The LibriVox clips with their references. */
export function librivox(): { reference: string; pcm: Pcm16 }[] {
  return librivoxClips().map((c) => ({ reference: c.reference, pcm: readWav(c.path) }));
}

/**
 * A conversation of one speaker for the latency run: long answers (LibriVox sentences read back to
 * back, 8–14 s) and spoken questions and answers (2–6 s), each followed by 2.5 s of silence.
 */
export function conversation(): { pcm: Pcm16; segments: number; speechSeconds: number } {
  const lv = librivox();
  const long = [concat(...lv.slice(0, 3).map((c) => c.pcm)), concat(...lv.slice(3, 5).map((c) => c.pcm))];
  const short = INTERVIEW_LINES.slice(0, 4).map((l, i) =>
    speak(l, VOICES[i % VOICES.length]?.voice ?? 'en-us', 150),
  );
  const parts = [...long, ...short].flatMap((p) => [p, silence(2.5)]);
  const speech = [...long, ...short].reduce((s, p) => s + p.samples.length / p.sampleRate, 0);
  return { pcm: concat(silence(0.5), ...parts), segments: long.length + short.length, speechSeconds: speech };
}

function noise(seconds: number, brown: boolean, amplitude: number): Pcm16 {
  const samples = new Int16Array(Math.round(seconds * 16000));
  let seed = 12345;
  let level = 0;
  for (let i = 0; i < samples.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const white = (seed / 0x7fffffff) * 2 - 1;
    level = brown ? Math.max(-1, Math.min(1, level * 0.995 + white * 0.05)) : white;
    samples[i] = Math.round(level * amplitude * 32767);
  }
  return { sampleRate: 16000, channels: 1, samples };
}

function mix(a: Pcm16, b: Pcm16): Pcm16 {
  const samples = new Int16Array(Math.max(a.samples.length, b.samples.length));
  for (let i = 0; i < samples.length; i++)
    samples[i] = Math.max(-32768, Math.min(32767, (a.samples[i] ?? 0) + (b.samples[i] ?? 0)));
  return { sampleRate: 16000, channels: 1, samples };
}

/** Non-speech audio: nothing should be transcribed. */
export function nonSpeech(): { name: string; pcm: Pcm16 }[] {
  const chord = (hz: number[]) => hz.map((h) => tone(h, 1, 0.12)).reduce(mix);
  const music = concat(
    ...[
      [262, 330, 392],
      [220, 262, 330],
      [175, 220, 262],
      [196, 247, 294],
    ].flatMap((c) => [chord(c), chord(c)]),
  );
  return [
    { name: 'digital silence 5 s', pcm: silence(5) },
    { name: 'white noise 5 s (-20 dBFS)', pcm: noise(5, false, 0.1) },
    { name: 'brown noise 5 s', pcm: noise(5, true, 0.5) },
    { name: 'chord progression 8 s', pcm: music },
  ];
}

/** Speech degraded the way a bad microphone or a phone line does; the words should still come through. */
export function degradedSpeech(): { name: string; reference: string; pcm: Pcm16 }[] {
  const clip = librivox()[0] as { reference: string; pcm: Pcm16 };
  const clipped = {
    ...clip.pcm,
    samples: clip.pcm.samples.map((s) => Math.max(-3000, Math.min(3000, s * 4))),
  };
  const raw = join(dir, 'phone-in.wav');
  const out = join(dir, 'phone.wav');
  execFileSync('sox', [librivoxClips()[0]?.path as string, raw]);
  execFileSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', out, 'sinc', '300-3400']);
  return [
    { name: 'clipped (x4 gain, hard limit at -21 dBFS)', reference: clip.reference, pcm: clipped },
    { name: '8 kHz telephone band (300-3400 Hz)', reference: clip.reference, pcm: readWav(out) },
  ];
}
