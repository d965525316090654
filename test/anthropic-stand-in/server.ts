import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the stand-in answers one request. */
export type StandInMode =
  | 'ok'
  | 'rate-limited'
  | 'server-error'
  | 'timeout'
  | 'malformed'
  | 'emotion'
  | 'text-only';

/** A request the stand-in received, as sent by the SDK. */
export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  raw: string;
}

/** Options of {@link startAnthropicStandIn}. */
export interface StandInOptions {
  /** Mode per request in order; the last one repeats. Default `['ok']`. */
  modes: StandInMode[];
  /** Delay before the first streamed token (fixed LLM latency). */
  firstTokenDelayMs: number;
  /** Delay between streamed chunks. */
  chunkDelayMs: number;
  /**
   * Tool input per forced tool name (`tool_choice.name`), for tools other than `give_hint`, streamed or not;
   * the function sees the request body and the scripted mode (e.g. answer `{}` for `malformed`).
   */
  toolInputs?: Record<string, (body: Record<string, unknown>, mode: StandInMode) => unknown>;
}

export const defaultStandInOptions: StandInOptions = {
  modes: ['ok'],
  firstTokenDelayMs: 50,
  chunkDelayMs: 5,
};

/** A running stand-in; `baseURL` goes to the SDK's `baseURL`. */
export interface AnthropicStandIn {
  baseURL: string;
  requests: RecordedRequest[];
  setModes(modes: StandInMode[]): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The hint the stand-in "writes": cites the trigger's evidence, describes behaviour only. */
function hintFor(body: Record<string, unknown>, mode: StandInMode): Record<string, unknown> {
  const messages = body.messages as { content: string }[] | undefined;
  let trigger: { kind?: string; evidence?: string[] } = {};
  try {
    trigger = (JSON.parse(messages?.[0]?.content ?? '{}') as { trigger?: typeof trigger }).trigger ?? {};
  } catch {}
  if (mode === 'malformed') return { kind: trigger.kind, text: 42, evidence: 'none' };
  if (mode === 'emotion') {
    return {
      kind: trigger.kind,
      text: 'The candidate seems nervous.',
      short: 'Nervous.',
      evidence: trigger.evidence ?? [],
      confidence: 0.5,
    };
  }
  return {
    kind: trigger.kind ?? 'unknown',
    text: `Stand-in hint for ${trigger.kind}: ask the candidate to restate the problem in their own words.`,
    short: `Stand-in: ${trigger.kind}`,
    evidence: trigger.evidence ?? [],
    confidence: 0.8,
  };
}

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function apiError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'retry-after-ms': '20',
    'request-id': 'req_standin',
  });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

/**
 * A local stand-in for the Anthropic Messages API (`POST /v1/messages`, JSON and SSE streaming with tool
 * use), for tests and benchmarks: the real SDK talks to it through `baseURL`. Answers per scripted mode:
 * a valid `give_hint` tool call, 429, 500, a hang, output outside the schema, or an emotion label.
 * Listens on 127.0.0.1 only.
 */
export async function startAnthropicStandIn(opts: Partial<StandInOptions> = {}): Promise<AnthropicStandIn> {
  const o = { ...defaultStandInOptions, ...opts };
  let modes = [...o.modes];
  let served = 0;
  const requests: RecordedRequest[] = [];
  const open = new Set<ServerResponse>();

  const server = createServer(async (req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      apiError(res, 400, 'invalid_request_error', 'body is not JSON');
      return;
    }
    requests.push({ path: req.url ?? '', headers: req.headers, body, raw });
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
      apiError(res, 404, 'not_found_error', 'only POST /v1/messages is served');
      return;
    }
    if (!req.headers['x-api-key'] && !req.headers.authorization) {
      apiError(res, 401, 'authentication_error', 'no API key');
      return;
    }
    const mode = modes[Math.min(served++, modes.length - 1)] ?? 'ok';
    if (mode === 'rate-limited') return apiError(res, 429, 'rate_limit_error', 'stand-in rate limit');
    if (mode === 'server-error') return apiError(res, 500, 'api_error', 'stand-in failure');
    if (mode === 'timeout') return; // never answers; the client's timeout must fire
    const model = String(body.model ?? 'stand-in');
    const id = `msg_standin_${served}`;
    const usage = {
      input_tokens: raw.length >> 2,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    };
    /** A whole (non-streamed) Messages API answer. */
    const message = (stop_reason: string, content: unknown[]) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          type: 'message',
          role: 'assistant',
          model,
          stop_reason,
          stop_sequence: null,
          usage,
          content,
        }),
      );
    };
    if (body.stream !== true && !body.tools) {
      const text =
        mode === 'emotion'
          ? 'The candidate was nervous.'
          : 'Stand-in summary: the session had hints and observations.';
      return message('end_turn', [{ type: 'text', text }]);
    }
    const tool = (body.tool_choice as { name?: string } | undefined)?.name ?? 'give_hint';
    const answer = o.toolInputs?.[tool];
    if (body.stream !== true) {
      const input = answer ? answer(body, mode) : hintFor(body, mode);
      return message('tool_use', [{ type: 'tool_use', id: `toolu_${served}`, name: tool, input }]);
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    sse(res, 'message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage,
      },
    });
    await sleep(o.firstTokenDelayMs);
    if (mode === 'text-only') {
      sse(res, 'content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      });
      sse(res, 'content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'Ask a follow-up.' },
      });
    } else {
      const json = JSON.stringify(answer ? answer(body, mode) : hintFor(body, mode));
      sse(res, 'content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: `toolu_${served}`, name: tool, input: {} },
      });
      for (let i = 0; i < json.length; i += 64) {
        sse(res, 'content_block_delta', {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'input_json_delta', partial_json: json.slice(i, i + 64) },
        });
        if (o.chunkDelayMs > 0) await sleep(o.chunkDelayMs);
      }
    }
    sse(res, 'content_block_stop', { type: 'content_block_stop', index: 0 });
    sse(res, 'message_delta', {
      type: 'message_delta',
      delta: { stop_reason: mode === 'text-only' ? 'end_turn' : 'tool_use', stop_sequence: null },
      usage: { output_tokens: 40 },
    });
    sse(res, 'message_stop', { type: 'message_stop' });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    requests,
    setModes(next) {
      modes = [...next];
      served = 0;
    },
    close: async () => {
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
