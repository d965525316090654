import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProcessingHealth } from '@interview-helper/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config, openTestApp } from './test-support.js';

const p = (n: number, p50: number | null, p95: number | null) => ({ n, p50, p95 });
const STATS: ProcessingHealth = {
  at: '2026-01-01T12:00:00.000Z',
  worker: {
    pid: 4242,
    uptimeSeconds: 120,
    activeRooms: 1,
    jobRestarts: 0,
    jobsLost: 0,
    framesAnalysed: 5000,
    framesDropped: 3,
    hintsSent: 1,
    stt: null,
  },
  rooms: [
    {
      room: 'ih-room-1',
      sessionId: 'sess-1',
      jobId: 'AJ_1',
      pid: 4300,
      startedAt: '2026-01-01T11:58:30.000Z',
      uptimeSeconds: 90,
      analysers: [
        {
          name: 'vad',
          media: 'audio',
          processingMs: p(900, 0.3, 1.1),
          queueDepth: 0,
          framesAnalysed: 4900,
          framesDropped: 0,
          lagMs: 12,
        },
      ],
      stt: { latencyMs: p(0, null, null), segments: 0 },
      hints: { sent: 1, latencyMs: p(1, 150, 150) },
      process: { rssBytes: 300_000_000, cpuSeconds: 20.5 },
      stages: {
        analysers: { vad: { processingMs: p(900, 0.3, 1.1), lagMs: p(900, 12, 30) } },
        sttMs: p(0, null, null),
        hintMs: p(1, 150, 150),
        hintMsByTrigger: { 'long-pause': p(1, 150, 150) },
      },
    },
  ],
};

/** A stand-in agent metrics server answering `body` (a string is sent as is). */
async function agentServer(body: unknown): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('GET /api/health/processing (the agent worker processing statistics)', () => {
  const servers: Server[] = [];
  let good: string;
  let garbage: string;
  beforeAll(async () => {
    const a = await agentServer(STATS);
    const b = await agentServer({ rooms: 'many' });
    servers.push(a.server, b.server);
    good = a.url;
    garbage = b.url;
  });
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it('is absent unless AGENT_METRICS_URL is set', async () => {
    const t = await openTestApp();
    expect((await t.app.request('/api/health/processing')).status).toBe(404);
    await t.database.close();
  });

  it('passes the worker statistics through, checked against the schema', async () => {
    const t = await openTestApp({ config: { ...config, agentMetricsUrl: good } });
    const res = await t.app.request('/api/health/processing');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(STATS);
    await t.database.close();
  });

  it('answers 503 agent_unavailable when the worker answers something else or nothing', async () => {
    const t = await openTestApp({ config: { ...config, agentMetricsUrl: garbage } });
    const res = await t.app.request('/api/health/processing');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('agent_unavailable');
    await t.database.close();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await openTestApp({ config: { ...config, agentMetricsUrl: `http://127.0.0.1:${port}` } });
    expect((await down.app.request('/api/health/processing')).status).toBe(503);
    await down.database.close();
  });

  it('needs the admin token when one is configured', async () => {
    const adminToken = 'an-admin-token-of-32-characters!';
    const t = await openTestApp({ config: { ...config, adminToken, agentMetricsUrl: good } });
    expect((await t.app.request('/api/health/processing')).status).toBe(401);
    const wrong = await t.app.request('/api/health/processing', {
      headers: { authorization: 'Bearer not-the-admin-token' },
    });
    expect(wrong.status).toBe(401);
    const ok = await t.app.request('/api/health/processing', {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(ok.status).toBe(200);
    await t.database.close();
  });
});
