import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LagReporter, LagReportServer } from './lag-report.js';

const until = async (check: () => boolean) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('LagReportServer and LagReporter', () => {
  let server: LagReportServer;
  afterEach(async () => {
    await server?.close();
  });

  it('keeps the latest report of each job process and forgets a process that disconnects', async () => {
    server = new LagReportServer({ sustained: 1 });
    const port = await server.listen();
    let lag = 40;
    const a = new LagReporter({ port, jobId: 'job-a', lagMs: () => lag, intervalMs: 20 });
    const b = new LagReporter({ port, jobId: 'job-b', lagMs: () => 900, intervalMs: 20 });
    await until(() => server.reports().length === 2);
    expect(server.lagMs()).toBe(900);
    lag = 1200;
    await until(() => server.lagMs() === 1200);
    b.close();
    a.close();
    await until(() => server.reports().length === 0);
    expect(server.lagMs()).toBe(0);
  });

  it('counts a lag once it lasted over the last reports', async () => {
    server = new LagReportServer({ sustained: 3 });
    const port = await server.listen();
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const send = (lagMs: number) => socket.write(`${JSON.stringify({ jobId: 'j', lagMs })}\n`);
    send(3000); // one slow second
    send(20);
    send(2500);
    await until(() => server.lagMs() === 20);
    send(2600); // then three slow seconds in a row
    send(2700);
    await until(() => server.lagMs() === 2500);
    socket.destroy();
  });

  it('drops reports that stopped coming', async () => {
    let now = 0;
    server = new LagReportServer({ staleMs: 5000, now: () => now });
    const port = await server.listen();
    const r = new LagReporter({ port, jobId: 'job', lagMs: () => 300, intervalMs: 60_000 });
    await until(() => server.lagMs() === 300);
    now = 5001;
    expect(server.lagMs()).toBe(0);
    r.close();
  });

  it('ignores malformed lines and closes a connection that never ends its line', async () => {
    server = new LagReportServer({ maxLineBytes: 64 });
    const port = await server.listen();
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('not json\n{"jobId":"x","lagMs":-5}\n{"jobId":"x","lagMs":"a"}\n{"jobId":"ok","lagMs":7}\n');
    await until(() => server.lagMs() === 7);
    socket.write('x'.repeat(200));
    await until(() => socket.destroyed || socket.readableEnded);
    await until(() => server.reports().length === 0);
  });
});
