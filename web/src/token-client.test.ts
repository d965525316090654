import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestToken, TokenRequestError } from './token-client.js';

const request = { session: 's1', role: 'candidate', name: 'Cam', invite: 'secret' } as const;

/** Answers per `name` of the request body, so each case picks the server's behaviour. */
const answers: Record<string, (res: ServerResponse, body: unknown) => void> = {
  ok: (res, body) =>
    json(res, 200, {
      token: 'jwt',
      url: 'ws://127.0.0.1:7880',
      identity: 'candidate-1',
      role: 'candidate',
      expiresAt: '2030-01-01T00:00:00Z',
      allowOptOut: true,
      echo: body,
    }),
  refused: (res) => json(res, 403, { error: { code: 'invalid_invite', message: 'invite does not match' } }),
  html502: (res) => {
    res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
  },
  teapot: (res) => {
    res.writeHead(418).end('short and stout');
  },
  partial: (res) => json(res, 200, { token: 'jwt', url: 'http://not-ws', identity: 'x', role: 'candidate' }),
  slow: (res) => {
    setTimeout(() => json(res, 200, {}), 2_000);
  },
};

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<{ name?: string }> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return JSON.parse(text);
}

describe('requestToken (against a real HTTP server on loopback)', () => {
  let server: Server;
  let baseUrl: string;
  const seen: { method?: string; url?: string; type?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, type: req.headers['content-type'] });
      void readBody(req).then((body) => (answers[body.name ?? ''] ?? answers.refused)?.(res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const ask = (name: string, timeoutMs?: number) =>
    requestToken({ ...request, name }, { baseUrl, ...(timeoutMs ? { timeoutMs } : {}) });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.unreachable('the request should fail'),
      (error: unknown) => {
        expect(error).toBeInstanceOf(TokenRequestError);
        const { code, status } = error as TokenRequestError;
        return { code, status };
      },
    );

  it('posts the request as JSON and returns the grant', async () => {
    const grant = await ask('ok');
    expect(grant).toEqual({
      token: 'jwt',
      url: 'ws://127.0.0.1:7880',
      identity: 'candidate-1',
      role: 'candidate',
      expiresAt: '2030-01-01T00:00:00Z',
      allowOptOut: true,
    });
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/api/token', type: 'application/json' });
  });

  it("passes the server's error code through", async () => {
    expect(await failure(ask('refused'))).toEqual({ code: 'invalid_invite', status: 403 });
  });

  it('reports a proxy error page as an unreachable server and other junk as a bad response', async () => {
    expect(await failure(ask('html502'))).toEqual({ code: 'server_unreachable', status: 502 });
    expect(await failure(ask('teapot'))).toEqual({ code: 'bad_response', status: 418 });
    expect(await failure(ask('partial'))).toEqual({ code: 'bad_response', status: 200 });
  });

  it('times out', async () => {
    expect(await failure(ask('slow', 300))).toEqual({ code: 'timeout', status: 0 });
  });

  it('reports a closed port as an unreachable server', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await failure(requestToken(request, { baseUrl: `http://127.0.0.1:${port}` }));
    expect(result).toEqual({ code: 'server_unreachable', status: 0 });
  });
});
