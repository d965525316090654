import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { rowsOf, type WriteOp } from './write-ops.js';

/** A write waiting to be applied, with its place in the order. */
export interface QueuedWrite {
  /** Position in the order of writes (increasing). */
  seq: number;
  /** When it was queued (ms since the epoch). */
  at: number;
  write: WriteOp;
}

interface Segment {
  file: string;
  first: number;
  rows: number;
  bytes: number;
}

const SEGMENT = /^writes-(\d{16})\.jsonl$/;

/** JSON with Dates as epoch milliseconds (what the stores' timestamps accept). */
function line(item: QueuedWrite): string {
  return `${JSON.stringify(item, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() : value;
  })}\n`;
}

/**
 * Writes kept in files, in order, once the memory buffer is full: JSON lines in segment files named after
 * their first write's position (`writes-<seq>.jsonl`), read back oldest first. Segments left by an earlier
 * process (one that closed while the database was down) are found again by {@link open}.
 */
export class WriteSpill {
  readonly #dir: string;
  readonly #segmentRows: number;
  #segments: Segment[] = [];

  constructor(dir: string, segmentRows: number) {
    this.#dir = dir;
    this.#segmentRows = Math.max(1, segmentRows);
  }

  /** Creates the directory and lists the segments already in it; returns the highest position found. */
  open(): number {
    mkdirSync(this.#dir, { recursive: true });
    let last = -1;
    for (const name of readdirSync(this.#dir).sort()) {
      const m = SEGMENT.exec(name);
      if (!m) continue;
      const file = join(this.#dir, name);
      const items = this.#read(file);
      if (items.length === 0) {
        unlinkSync(file);
        continue;
      }
      const rows = items.reduce((n, i) => n + rowsOf(i.write), 0);
      this.#segments.push({ file, first: Number(m[1]), rows, bytes: statSync(file).size });
      last = Math.max(last, ...items.map((i) => i.seq));
    }
    return last;
  }

  get rows(): number {
    return this.#segments.reduce((n, s) => n + s.rows, 0);
  }

  get bytes(): number {
    return this.#segments.reduce((n, s) => n + s.bytes, 0);
  }

  get empty(): boolean {
    return this.#segments.length === 0;
  }

  /** Appends writes after every spilled one (a new segment when the last one is full). */
  append(items: readonly QueuedWrite[]): void {
    for (const item of items) {
      let tail = this.#segments.at(-1);
      if (!tail || tail.rows >= this.#segmentRows) {
        tail = { file: this.#name(item.seq), first: item.seq, rows: 0, bytes: 0 };
        this.#segments.push(tail);
      }
      const text = line(item);
      appendFileSync(tail.file, text);
      tail.rows += rowsOf(item.write);
      tail.bytes += Buffer.byteLength(text);
    }
  }

  /** Puts writes older than every spilled one first (their positions are lower). */
  prepend(items: readonly QueuedWrite[]): void {
    const first = items[0];
    if (!first) return;
    const file = this.#name(first.seq);
    const text = items.map(line).join('');
    appendFileSync(file, text);
    const rows = items.reduce((n, i) => n + rowsOf(i.write), 0);
    this.#segments.unshift({ file, first: first.seq, rows, bytes: Buffer.byteLength(text) });
  }

  /** Removes and returns the oldest segment's writes. */
  takeOldest(): QueuedWrite[] {
    const seg = this.#segments.shift();
    if (!seg) return [];
    const items = this.#read(seg.file);
    unlinkSync(seg.file);
    return items;
  }

  #name(seq: number): string {
    return join(this.#dir, `writes-${String(seq).padStart(16, '0')}.jsonl`);
  }

  #read(file: string): QueuedWrite[] {
    const out: QueuedWrite[] = [];
    for (const text of readFileSync(file, 'utf8').split('\n')) {
      if (!text.trim()) continue;
      try {
        out.push(JSON.parse(text) as QueuedWrite);
      } catch {
        // a line cut short by a crash while appending: the writes before it are kept
      }
    }
    return out;
  }
}
