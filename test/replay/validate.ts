import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

/** What a media file holds, as far as the replay needs to know. */
export interface MediaInfo {
  path: string;
  codec: 'vp8' | 'opus' | 'y4m';
  /** Length in milliseconds. */
  durationMs: number;
  frames: number;
}

/** A scenario file that cannot be played; the message names the file and what is wrong with it. */
export class ScenarioFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'ScenarioFileError';
  }
}

function open(path: string): { fd: number; size: number } {
  if (!existsSync(path)) throw new ScenarioFileError(path, 'missing');
  const size = statSync(path).size;
  if (size === 0) throw new ScenarioFileError(path, 'empty');
  return { fd: openSync(path, 'r'), size };
}

function read(fd: number, at: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, at);
  return buf.subarray(0, n);
}

/**
 * Checks an IVF file: `DKIF` signature, `VP80` codec, every frame complete, the first one a key frame.
 * @throws ScenarioFileError naming the file when it is missing, truncated or of another codec.
 */
export function inspectIvf(path: string): MediaInfo {
  const { fd, size } = open(path);
  try {
    const header = read(fd, 0, 32);
    if (header.length < 32)
      throw new ScenarioFileError(path, `truncated: ${size} bytes, an IVF header is 32`);
    if (header.toString('latin1', 0, 4) !== 'DKIF') throw new ScenarioFileError(path, 'not an IVF file');
    const fourcc = header.toString('latin1', 8, 12);
    if (fourcc !== 'VP80')
      throw new ScenarioFileError(path, `wrong codec ${fourcc}: only VP8 (VP80) is played`);
    const headerSize = header.readUInt16LE(6);
    const rate = header.readUInt32LE(16);
    const scale = header.readUInt32LE(20);
    let at = headerSize;
    let frames = 0;
    let lastPts = 0;
    while (at < size) {
      const fh = read(fd, at, 12);
      if (fh.length < 12) throw new ScenarioFileError(path, `truncated in the header of frame ${frames + 1}`);
      const length = fh.readUInt32LE(0);
      if (at + 12 + length > size) {
        throw new ScenarioFileError(
          path,
          `truncated in frame ${frames + 1} (${size - at - 12} of ${length} bytes)`,
        );
      }
      if (frames === 0 && ((read(fd, at + 12, 1)[0] ?? 1) & 1) !== 0) {
        throw new ScenarioFileError(path, 'the first frame is not a key frame');
      }
      lastPts = Number(fh.readBigUInt64LE(4));
      frames++;
      at += 12 + length;
    }
    if (frames === 0) throw new ScenarioFileError(path, 'truncated: no frames');
    const frameMs = rate > 0 ? (scale / rate) * 1000 : 0;
    return { path, codec: 'vp8', frames, durationMs: Math.round((lastPts + 1) * frameMs) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks an Ogg Opus file: `OggS` pages, `OpusHead` in the first, every page complete, an end-of-stream page.
 * @throws ScenarioFileError naming the file when it is missing, truncated or of another codec.
 */
export function inspectOgg(path: string): MediaInfo {
  const { fd, size } = open(path);
  try {
    let at = 0;
    let pages = 0;
    let granule = 0n;
    let preSkip = 0;
    let eos = false;
    while (at < size) {
      const h = read(fd, at, 27);
      if (h.length < 27) throw new ScenarioFileError(path, `truncated in the header of page ${pages + 1}`);
      if (h.toString('latin1', 0, 4) !== 'OggS') {
        throw new ScenarioFileError(path, pages === 0 ? 'not an Ogg file' : `page ${pages + 1} is damaged`);
      }
      const segments = h[26] ?? 0;
      const table = read(fd, at + 27, segments);
      if (table.length < segments) throw new ScenarioFileError(path, `truncated in page ${pages + 1}`);
      const body = table.reduce((n, s) => n + s, 0);
      if (at + 27 + segments + body > size)
        throw new ScenarioFileError(path, `truncated in page ${pages + 1}`);
      if (pages === 0) {
        const head = read(fd, at + 27 + segments, Math.min(body, 19));
        const magic = head.toString('latin1', 0, 8);
        if (magic !== 'OpusHead') {
          const codec = /vorbis/i.test(head.toString('latin1'))
            ? 'Vorbis'
            : /^Speex|^fLaC|^\x7fFLAC/.test(magic)
              ? magic.trim()
              : 'not Opus';
          throw new ScenarioFileError(path, `wrong codec (${codec}): only Opus (OpusHead) is played`);
        }
        preSkip = head.readUInt16LE(10);
      }
      granule = h.readBigUInt64LE(6);
      eos = ((h[5] ?? 0) & 4) !== 0;
      pages++;
      at += 27 + segments + body;
    }
    if (!eos) throw new ScenarioFileError(path, 'truncated: no end-of-stream page');
    const samples = Number(granule) - preSkip;
    return { path, codec: 'opus', frames: pages, durationMs: Math.round(samples / 48) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks a YUV4MPEG2 file (4:2:0): its header and that every frame is complete.
 * @throws ScenarioFileError naming the file when it is missing, truncated or not Y4M.
 */
export function inspectY4m(path: string): MediaInfo {
  const { fd, size } = open(path);
  try {
    const head = read(fd, 0, Math.min(size, 512)).toString('latin1');
    const nl = head.indexOf('\n');
    if (!head.startsWith('YUV4MPEG2 ') || nl < 0)
      throw new ScenarioFileError(path, 'not a YUV4MPEG2 (Y4M) file');
    const params = head.slice(10, nl).split(' ');
    const get = (p: string) => params.find((x) => x.startsWith(p))?.slice(1);
    const width = Number(get('W'));
    const height = Number(get('H'));
    const [num, den] = (get('F') ?? '30:1').split(':').map(Number) as [number, number];
    const chroma = get('C') ?? '420';
    if (!chroma.startsWith('420'))
      throw new ScenarioFileError(path, `wrong colour format C${chroma}: only 4:2:0`);
    if (!(width > 0 && height > 0)) throw new ScenarioFileError(path, 'header without width and height');
    const frameBytes = width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
    let at = nl + 1;
    let frames = 0;
    while (at < size) {
      const line = read(fd, at, 64).toString('latin1');
      const end = line.indexOf('\n');
      if (!line.startsWith('FRAME') || end < 0)
        throw new ScenarioFileError(path, `frame ${frames + 1} is damaged`);
      if (at + end + 1 + frameBytes > size)
        throw new ScenarioFileError(path, `truncated in frame ${frames + 1}`);
      at += end + 1 + frameBytes;
      frames++;
    }
    if (frames === 0) throw new ScenarioFileError(path, 'truncated: no frames');
    return { path, codec: 'y4m', frames, durationMs: Math.round((frames * den * 1000) / num) };
  } finally {
    closeSync(fd);
  }
}

/** Checks a candidate video (`.ivf` VP8 or `.y4m`) by its extension. */
export function inspectVideo(path: string): MediaInfo {
  if (path.endsWith('.ivf')) return inspectIvf(path);
  if (path.endsWith('.y4m')) return inspectY4m(path);
  throw new ScenarioFileError(path, 'unknown video format: use VP8 IVF (.ivf) or Y4M (.y4m)');
}
