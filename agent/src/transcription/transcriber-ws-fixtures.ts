import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * Test fixture for the realtime transcription WebSocket (the `ws` library), on loopback only: a
 * server that misbehaves like a broken endpoint.
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

/**
 * A real WebSocket server on loopback that misbehaves the way a broken realtime transcription
 * endpoint does (for tests of the realtime path; the frame handling covers what the plugin sends).
 */
export async function realtimeFaultServer(
  mode: FaultMode,
): Promise<{ baseURL: string; connections: () => number; close: () => void }> {
  let connections = 0;
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const send = (ws: WebSocket, event: object | string) =>
    ws.send(typeof event === 'string' ? event : JSON.stringify(event));
  server.on('connection', (ws) => {
    const n = ++connections;
    ws.on('error', () => {});
    ws.on('message', (raw) => {
      const type = (JSON.parse(raw.toString()) as { type: string }).type;
      const audio = type === 'input_audio_buffer.append';
      if (mode === 'hang') return;
      if (audio && (mode === 'close-mid-utterance' || (mode === 'flaky' && n === 1))) return ws.terminate();
      if (audio && mode === 'garbage') send(ws, '{"type": <html>');
      if (type !== 'input_audio_buffer.commit') return;
      const completed = {
        type: 'conversation.item.input_audio_transcription.completed',
        item_id: `item_${n}`,
      };
      if (mode === 'bad-event') send(ws, { ...completed, transcript: 42 });
      if (mode === 'flaky') send(ws, { ...completed, transcript: 'hello there' });
    });
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    connections: () => connections,
    close: () => {
      for (const c of server.clients) c.terminate();
      server.close();
    },
  };
}
