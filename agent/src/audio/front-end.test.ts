import type { VAD } from '@livekit/agents';
import { describe, expect, it } from 'vitest';
import { type Chunk, chunks, concat, espeak, silence, tone } from '../../../test/fixtures/audio.js';
import type { AudioSample } from '../analysers/analyser.js';
import type { AudioAnalysis } from '../analysers/audio-analysis.js';
import { SessionBus, type SessionEvent, type Speaker } from '../bus/session-bus.js';
import { AudioFrontEnd, analysedAudio } from './front-end.js';
import { PitchTracker } from './pitch-track.js';
import { loadSilero } from './speech.js';
import { StallingVad } from './testing.js';

const cand: Speaker = { identity: 'cam', role: 'candidate', trackSid: 'TR_c' };

const START = 1_000_000;

async function run(
  frontEnd: AudioFrontEnd,
  pcm: Parameters<typeof chunks>[0],
  bus: SessionBus,
  read: (c: AsyncIterable<Chunk>) => AsyncIterable<Chunk> = (c) => c,
) {
  const samples: AudioSample[] = [];
  /** Each chunk's origin as it went out (its clock's estimate then). */
  const origins: number[] = [];
  const events: SessionEvent[] = [];
  for (const type of [
    'track-start',
    'track-end',
    'speech-start',
    'speech-end',
    'audio',
    'audio-lost',
  ] as const)
    bus.on(type, (e) => void events.push(e));
  await frontEnd.run(read(chunks(pcm, START)), (s) => {
    samples.push(s);
    origins.push(s.analysis ? s.analysis.dating.wallAt(s.analysis.atMs) - s.analysis.atMs : Number.NaN);
  });
  return { samples, origins, events };
}

/** The chunks as a reader busy until `busyUntil` reads them: those that exist by then all at that time. */
async function* busyUntil(input: AsyncIterable<Chunk>, at: number): AsyncIterable<Chunk> {
  for await (const c of input) yield { ...c, receivedAt: Math.max(c.receivedAt, at) };
}

/** The chunks as they reach a process that lost `lostMs` of audio at `from`: later ones are read that much later. */
async function* losing(input: AsyncIterable<Chunk>, from: number, lostMs: number): AsyncIterable<Chunk> {
  for await (const c of input) yield c.receivedAt > from ? { ...c, receivedAt: c.receivedAt + lostMs } : c;
}

/** The bus's voice activity of a run as [type, wall ms…]. */
const boundaries = (events: SessionEvent[]): (string | number)[][] =>
  events.flatMap((e): (string | number)[][] =>
    e.type === 'speech-start' ? [[e.type, e.at]] : e.type === 'speech-end' ? [[e.type, e.start, e.end]] : [],
  );

describe('AudioFrontEnd', () => {
  it('hands every chunk on once with its share of the one pitch track and the voice activity, in order on the bus', async () => {
    const bus = new SessionBus();
    const pcm = concat(silence(0.5), espeak('I would start with a hash map.', { pitchHz: 120 }), silence(1));
    const { samples, events } = await run(
      new AudioFrontEnd({ speaker: cand, bus, vad: await loadSilero() }),
      pcm,
      bus,
    );
    const chunkCount = Math.floor(pcm.samples.length / 160);
    // Every chunk, then one empty chunk that carries what Silero found after the audio ended.
    expect(samples).toHaveLength(chunkCount + 1);
    expect(samples.at(-1)?.frame.samplesPerChannel).toBe(0);
    expect(events[0]).toMatchObject({ type: 'track-start', at: 1_000_000 });
    expect(events.at(-1)?.type).toBe('track-end');
    expect(events.filter((e) => e.type === 'audio')).toHaveLength(samples.length);
    // The shared pitch track is the tracker's own over the same audio.
    const shared = samples.flatMap((s) => s.analysis?.pitch ?? []);
    expect(shared.length).toBeGreaterThan(20);
    expect(shared).toEqual(new PitchTracker().push(pcm.samples.subarray(0, chunkCount * 160)));
    // Voice activity: the events on the chunks are the ones on the bus, in wall-clock time there.
    const onChunks = samples.flatMap((s) => s.analysis?.speech ?? []).filter((e) => e.type !== 'tick');
    const onBus = events.filter((e) => e.type === 'speech-start' || e.type === 'speech-end');
    expect(onChunks.length).toBeGreaterThanOrEqual(2);
    expect(onChunks).toHaveLength(onBus.length);
    const first = onChunks[0];
    expect(first?.type).toBe('start');
    if (first?.type === 'start')
      expect(onBus[0]).toMatchObject({ type: 'speech-start', at: Math.round(1_000_000 + first.atMs) });
    const end = onChunks.find((e) => e.type === 'end');
    expect(end?.type === 'end' && end.audio?.samplesPerChannel).toBeGreaterThan(16000);
  });

  it('stamps voice activity at its true wall time when the first 3 s were read late, in one burst', async () => {
    const pcm = concat(silence(0.5), espeak('I would start with a hash map.'), silence(1.5));
    const vad = await loadSilero();
    const first = new SessionBus();
    const prompt = await run(new AudioFrontEnd({ speaker: cand, bus: first, vad }), pcm, first);
    const bus = new SessionBus();
    const late = await run(new AudioFrontEnd({ speaker: cand, bus, vad }), pcm, bus, (c) =>
      busyUntil(c, START + 3000),
    );
    // The track starts when its first sample was captured, not when it was read (START + 2990 from the first read).
    expect(late.events[0]).toEqual({ type: 'track-start', speaker: cand, at: START });
    const expected = boundaries(prompt.events);
    expect(expected[0]?.[0]).toBe('speech-start');
    expect(expected[0]?.[1]).toBeLessThan(START + 3000); // the speech began inside the late-read backlog
    const got = boundaries(late.events);
    expect(got.map((b) => b[0])).toEqual(expected.map((b) => b[0]));
    got.forEach((b, i) => {
      for (let k = 1; k < b.length; k++)
        expect(Math.abs((b[k] as number) - (expected[i]?.[k] as number))).toBeLessThanOrEqual(10);
    });
    // Every chunk carries the corrected origin and its read time; the chunks are those of a prompt reader.
    expect(late.samples.map((s) => s.analysis?.atMs)).toEqual(prompt.samples.map((s) => s.analysis?.atMs));
    expect(late.origins.every((o) => o === START)).toBe(true);
    expect(late.samples[0]?.receivedAt).toBe(START + 3000);
  });

  it('dates audio after lost audio after the gap, and voice activity before it before the gap', async () => {
    // Two answers; between them 5 s of audio never reaches the agent (its process was not scheduled).
    const before = concat(silence(0.5), espeak('I would start with a hash map.'), silence(1.5));
    const after = concat(espeak('Then I would sort the keys.'), silence(3));
    const pcm = concat(before, after);
    const gapAtMs = Math.floor(before.samples.length / 160) * 10; // at a chunk boundary
    const vad = await loadSilero();
    const first = new SessionBus();
    const prompt = await run(new AudioFrontEnd({ speaker: cand, bus: first, vad }), pcm, first);
    const bus = new SessionBus();
    const lossy = await run(new AudioFrontEnd({ speaker: cand, bus, vad }), pcm, bus, (c) =>
      losing(c, START + gapAtMs, 5000),
    );
    // The same boundaries; those after the gap 5 s later in wall time (within the 10 ms chunking).
    const expected = boundaries(prompt.events).map((b) =>
      b.map((v) => (typeof v === 'number' && v >= START + gapAtMs ? v + 5000 : v)),
    );
    expect(expected.filter((b) => b[0] === 'speech-start')).toHaveLength(2);
    const got = boundaries(lossy.events);
    expect(got.map((b) => b[0])).toEqual(expected.map((b) => b[0]));
    got.forEach((b, i) => {
      for (let k = 1; k < b.length; k++)
        expect(Math.abs((b[k] as number) - (expected[i]?.[k] as number))).toBeLessThanOrEqual(11);
    });
    // The gap is on the bus once, before the voice activity about the audio after it.
    const lost = lossy.events.filter((e) => e.type === 'audio-lost');
    expect(lost).toHaveLength(1);
    expect(Math.abs((lost[0]?.from ?? 0) - (START + gapAtMs))).toBeLessThanOrEqual(1);
    expect(Math.abs((lost[0]?.to ?? 0) - (START + gapAtMs + 5000))).toBeLessThanOrEqual(1);
    const order = lossy.events
      .filter((e) => e.type === 'audio-lost' || e.type === 'speech-start')
      .map((e) => e.type);
    expect(order).toEqual(['speech-start', 'audio-lost', 'speech-start']);
    // Every chunk after the gap was held until the loss was confirmed and carries the new origin; the ones before
    // keep the old one; the chunks are those of a prompt reader, in order.
    expect(lossy.samples.map((s) => s.analysis?.atMs)).toEqual(prompt.samples.map((s) => s.analysis?.atMs));
    lossy.samples.forEach((s, i) => {
      const a = s.analysis as AudioAnalysis;
      const shift = a.atMs >= gapAtMs ? 5000 : 0;
      expect(Math.abs((lossy.origins[i] as number) - (START + shift))).toBeLessThan(1);
      // The chunk's dating agrees, and dates audio before the gap by the old origin.
      expect(Math.abs(a.dating.wallAt(a.atMs) - (START + shift + a.atMs))).toBeLessThan(1);
      expect(Math.abs(a.dating.wallAt(gapAtMs - 100) - (START + gapAtMs - 100))).toBeLessThan(1);
    });
  });

  it('skips voice activity that waited too long for Silero and puts the stretch on the bus in order', async () => {
    const bus = new SessionBus();
    // Silero's results stop after 1.5 s of audio (inference stalled); the audio goes on at real-time pace.
    const stalling = new StallingVad(await loadSilero(), 1500);
    let now = 0;
    async function* paced(input: AsyncIterable<Chunk>): AsyncIterable<Chunk> {
      for await (const c of input) {
        await stalling.scored();
        now = c.receivedAt;
        yield c;
      }
    }
    const pcm = concat(
      silence(0.5),
      espeak('I would start with a hash map and then sort the keys by count.', { pitchHz: 120 }),
      silence(2),
      espeak('Then I would test it.', { pitchHz: 120 }),
      silence(1),
    );
    const frontEnd = new AudioFrontEnd({
      speaker: cand,
      bus,
      vad: stalling as unknown as VAD,
      pitch: false,
      speech: { maxBacklogMs: 1000, now: () => now },
    });
    const { events, samples } = await run(frontEnd, pcm, bus, paced);
    const lost = events.filter((e) => e.type === 'audio-lost');
    expect(lost).toHaveLength(1);
    const gap = lost[0] as SessionEvent & { type: 'audio-lost' };
    expect(gap.reason).toBe('skipped');
    expect(gap.from - START).toBeGreaterThan(1400);
    expect(gap.from - START).toBeLessThanOrEqual(1500);
    expect(gap.to - START).toBeGreaterThan(2400);
    expect(gap.to - START).toBeLessThan(2600);
    // The answer open when the results stopped ends there, the gap follows, voice activity resumes after it.
    const order = events.filter(
      (e) => e.type !== 'audio' && e.type !== 'track-start' && e.type !== 'track-end',
    );
    expect(order.slice(0, 3).map((e) => e.type)).toEqual(['speech-start', 'speech-end', 'audio-lost']);
    const cut = order[1] as SessionEvent & { type: 'speech-end' };
    expect(cut.end).toBe(gap.from);
    const after = order.slice(3).filter((e) => e.type === 'speech-start');
    expect(after.length).toBeGreaterThanOrEqual(2); // the rest of the first answer, then the second
    for (const e of after) expect(e.at).toBeGreaterThanOrEqual(gap.to);
    // Every chunk still went out, once, in order (only its voice activity was skipped).
    expect(samples.map((s) => Math.round(s.analysis?.atMs ?? -1))).toEqual(samples.map((_, i) => i * 10));
  });

  it('holds chunks and events back until the origin settles, then hands them on in order after track-start', async () => {
    const bus = new SessionBus();
    const order: string[] = [];
    const seen: AudioSample[] = [];
    bus.on('track-start', () => void order.push('track-start'));
    bus.on('audio', () => void order.push('audio'));
    let reads = 0;
    async function* counted(): AsyncIterable<Chunk> {
      for await (const c of chunks(tone(150, 1), START)) {
        reads++;
        yield c;
      }
    }
    const heldAt: number[] = [];
    await new AudioFrontEnd({ speaker: cand, bus, pitch: false, clock: { settleMs: 250 } }).run(
      counted(),
      (s) => {
        if (seen.length === 0) heldAt.push(reads);
        seen.push(s);
      },
    );
    // Read promptly from the start: the first chunk goes out once 250 ms of reads showed a stable origin.
    expect(heldAt).toEqual([26]);
    expect(order[0]).toBe('track-start');
    expect(order.filter((o) => o === 'audio')).toHaveLength(101);
    expect(seen.map((s) => s.analysis?.atMs)).toEqual([...Array(101).keys()].map((i) => i * 10));
    // A track that ends before its origin settled still starts, hands everything on and ends.
    const short = new SessionBus();
    const { samples, events } = await run(
      new AudioFrontEnd({ speaker: cand, bus: short, pitch: false }),
      tone(150, 0.1),
      short,
    );
    expect(samples).toHaveLength(11);
    expect(events.map((e) => e.type)).toEqual(['track-start', ...Array(11).fill('audio'), 'track-end']);
  });

  it('computes nothing it is not asked for; analysed samples pass through untouched', async () => {
    const bus = new SessionBus();
    const { samples } = await run(
      new AudioFrontEnd({ speaker: { ...cand, role: 'interviewer' }, bus, pitch: false }),
      tone(150, 1),
      bus,
    );
    expect(samples.every((s) => s.analysis?.pitch.length === 0 && s.analysis.speech.length === 0)).toBe(true);
    async function* again() {
      yield* samples;
    }
    const out: AudioSample[] = [];
    for await (const s of analysedAudio(again())) out.push(s);
    expect(out).toHaveLength(samples.length);
    expect(out.every((s, i) => s === samples[i])).toBe(true);
  });
});
