import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Test fixtures for the realtime transcription WebSocket, on loopback only: a server that
 * misbehaves like a broken endpoint, and a bare client that can send what the plugin never would.
 */

/** How a {@link realtimeFaultServer} misbehaves on each connection. */
export type FaultMode =
  /** Accepts the WebSocket, then never answers. */
  | 'hang'
  /** Drops the connection once audio arrives (mid-utterance). */
  | 'close-mid-utterance'
  /** Answers the first audio with text that is not an event. */
  | 'garbage'
  /** Answers the commit with a `completed` event whose transcript is not a string. */
  | 'bad-event'
  /** Drops the first connection mid-utterance, then answers every commit with "hello there". */
  | 'flaky';

/** Reads the text messages of the complete frames in `buf` (masked or not). */
function readFrames(buf: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let at = 0;
  while (buf.length - at >= 2) {
    let n = (buf[at + 1] as number) & 0x7f;
    let head = 2;
    if (n === 126) {
      if (buf.length - at < 4) break;
      n = buf.readUInt16BE(at + 2);
      head = 4;
    } else if (n === 127) {
      if (buf.length - at < 10) break;
      n = Number(buf.readBigUInt64BE(at + 2));
      head = 10;
    }
    const m = (buf[at + 1] as number) & 0x80 ? 4 : 0;
    if (buf.length - at < head + m + n) break;
    const mask = buf.subarray(at + head, at + head + m);
    const data = Buffer.from(buf.subarray(at + head + m, at + head + m + n));
    if (m) for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) ^ (mask[i % 4] as number);
    if (((buf[at] as number) & 0x0f) === 0x1) messages.push(data.toString('utf8'));
    at += head + m + n;
  }
  return { messages, rest: buf.subarray(at) };
}

/** Sends one text frame (masked, as a client must, when `masked`; up to 64 KiB). */
function sendText(socket: Duplex, text: string, masked = false): void {
  const data = Buffer.from(text);
  const m = masked ? 0x80 : 0;
  const head =
    data.length < 126
      ? Buffer.from([0x81, m | data.length])
      : Buffer.from([0x81, m | 126, data.length >> 8, data.length & 0xff]);
  if (!masked) return void socket.write(Buffer.concat([head, data]));
  const mask = randomBytes(4);
  for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) ^ (mask[i % 4] as number);
  socket.write(Buffer.concat([head, mask, data]));
}

/** One server event. */
export type RealtimeEvent = { type: string; [key: string]: unknown };

/**
 * A bare realtime-transcription client on `baseURL` (`http://127.0.0.1:…/v1`): sends raw text
 * messages, and `next()` resolves the next server event.
 */
export async function rawRealtimeClient(baseURL: string) {
  const url = new URL(baseURL);
  const socket = connect(Number(url.port), url.hostname);
  socket.on('error', () => {});
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET ${url.pathname.replace(/\/$/, '')}/realtime?intent=transcription HTTP/1.1\r\nHost: ${url.host}\r\n` +
      `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const events: RealtimeEvent[] = [];
  let wake: (() => void) | undefined;
  let pending: Buffer = Buffer.alloc(0);
  let upgraded = false;
  let closed = false;
  socket.on('close', () => {
    closed = true;
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!upgraded) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = pending.subarray(0, end).toString();
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`no upgrade: ${head}`));
        upgraded = true;
        pending = pending.subarray(end + 4);
        resolve();
      }
      const { messages, rest } = readFrames(pending);
      pending = rest;
      for (const m of messages) events.push(JSON.parse(m) as RealtimeEvent);
      wake?.();
    });
  });
  return {
    send: (message: string | object) =>
      sendText(socket, typeof message === 'string' ? message : JSON.stringify(message), true),
    async next(timeoutMs = 5000): Promise<RealtimeEvent> {
      const deadline = Date.now() + timeoutMs;
      while (events.length === 0) {
        if (closed) throw new Error('connection closed');
        if (Date.now() > deadline) throw new Error('no event in time');
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      return events.shift() as RealtimeEvent;
    },
    close: () => socket.destroy(),
  };
}

/**
 * A real WebSocket server on loopback that misbehaves the way a broken realtime transcription
 * endpoint does (for tests of the realtime path; the frame handling covers what the plugin sends).
 */
export async function realtimeFaultServer(
  mode: FaultMode,
): Promise<{ baseURL: string; connections: () => number; close: () => void }> {
  let connections = 0;
  const sockets = new Set<Duplex>();
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket: Duplex) => {
    const n = ++connections;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const accept = createHash('sha1')
      .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const { messages, rest } = readFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const raw of messages) {
        const type = (JSON.parse(raw) as { type: string }).type;
        const audio = type === 'input_audio_buffer.append';
        if (mode === 'hang') continue;
        if (audio && (mode === 'close-mid-utterance' || (mode === 'flaky' && n === 1))) {
          socket.destroy();
          return;
        }
        if (audio && mode === 'garbage') sendText(socket, '{"type": <html>');
        if (type !== 'input_audio_buffer.commit') continue;
        const item = { item_id: `item_${n}` };
        if (mode === 'bad-event')
          sendText(
            socket,
            JSON.stringify({
              type: 'conversation.item.input_audio_transcription.completed',
              ...item,
              transcript: 42,
            }),
          );
        if (mode === 'flaky')
          sendText(
            socket,
            JSON.stringify({
              type: 'conversation.item.input_audio_transcription.completed',
              ...item,
              transcript: 'hello there',
            }),
          );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    connections: () => connections,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
