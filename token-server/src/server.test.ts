import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from './server.js';
import { openTestApp } from './test-support.js';

/** A raw TCP client that records whether and when the server closed it and what it answered. */
function rawClient(port: number): {
  socket: Socket;
  closed: Promise<void>;
  isClosed: () => boolean;
  data: () => string;
} {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  let closed = false;
  socket.on('data', (d) => {
    data += d;
  });
  socket.on('error', () => {});
  const done = new Promise<void>((resolve) =>
    socket.on('close', () => {
      closed = true;
      resolve();
    }),
  );
  return { socket, closed: done, isClosed: () => closed, data: () => data };
}

const until = async (what: string, ok: () => boolean, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('listening server limits', () => {
  let t: Awaited<ReturnType<typeof openTestApp>>;
  let server: ReturnType<typeof listen>;
  let port: number;
  const trickles: NodeJS.Timeout[] = [];
  let accepted = 0;

  beforeAll(async () => {
    t = await openTestApp();
    server = listen(t.app, {
      hostname: '127.0.0.1',
      port: 0,
      limits: { headersTimeoutMs: 600, requestTimeoutMs: 1200, checkIntervalMs: 100, maxConnections: 40 },
    });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
    server.on('connection', () => {
      accepted++;
    });
  });
  afterAll(async () => {
    for (const t of trickles) clearInterval(t);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t?.database.close();
  });

  const trickle = (socket: Socket, chunk: string) => {
    const timer = setInterval(() => socket.writable && socket.write(chunk), 100);
    trickles.push(timer);
  };

  it('cuts off clients that trickle headers or bodies, and refuses connections past the cap', async () => {
    // 30 clients that never finish their headers, 10 that never finish their bodies.
    const slowHeaders = Array.from({ length: 30 }, () => rawClient(port));
    for (const c of slowHeaders) {
      c.socket.write('POST /api/token HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      trickle(c.socket, 'X');
    }
    const slowBodies = Array.from({ length: 10 }, () => rawClient(port));
    for (const c of slowBodies) {
      c.socket.write(
        'POST /api/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{',
      );
      trickle(c.socket, ' ');
    }
    await until('40 accepted connections', () => accepted >= 40);
    // The 41st connection is refused at once while the others are held.
    const dropped = new Promise((resolve) => server.once('drop', resolve));
    const extra = rawClient(port);
    await Promise.all([extra.closed, dropped]);
    const held = [...slowHeaders, ...slowBodies].filter((c) => !c.isClosed()).length;
    expect(held).toBeGreaterThan(0);
    expect(extra.data()).toBe('');

    // Every slow client is cut off (408) by the timeouts, not held open.
    await Promise.all([...slowHeaders, ...slowBodies].map((c) => c.closed));
    for (const c of [...slowHeaders, ...slowBodies]) expect(c.data()).toMatch(/^HTTP\/1\.1 408|^$/);
    expect(slowBodies.some((c) => c.data().startsWith('HTTP/1.1 408'))).toBe(true);

    // The server still answers normally.
    const res = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(res.status).toBe(200);
  }, 60_000);

  it('answers raw hostile request lines with JSON errors', async () => {
    for (const path of [
      '/api/x%0Aforged',
      '/api/sessions/%00/report',
      '/api/sessions/%ED%A0%80/end',
      '/%ZZ',
    ]) {
      const c = rawClient(port);
      c.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      await c.closed;
      expect(c.data(), path).toMatch(/^HTTP\/1\.1 4\d\d /);
      expect(c.data(), path).toMatch(/"code":"\w+"/);
    }
    expect(t.logger.errors).toEqual([]);
  });
});
