import { type AgentMessage, type DecodeResult, decodeAgentMessage } from '@interview-helper/protocol';

/** One line of the interviewer's live list. */
export interface FeedEntry {
  /** Unique within a feed (for DOM keys). */
  key: string;
  type: AgentMessage['type'];
  /** Short label, e.g. `video-frames` or `hint: pace`. */
  title: string;
  /** Human-readable detail: the signal's summary, the hint text, or the analysers' status. */
  detail: string;
  /** Milliseconds since the Unix epoch the message is about. */
  at: number;
}

/** Options of {@link AgentFeed}. */
export interface AgentFeedOptions {
  /** Most entries kept; older ones are dropped. */
  maxEntries: number;
}

const defaultOptions: AgentFeedOptions = { maxEntries: 100 };

const formatValue = (value: number | string | boolean): string =>
  typeof value === 'number'
    ? String(Number.isInteger(value) ? value : Number(value.toFixed(2)))
    : String(value);

/** Describes an agent message for display. Signals without a summary show their measured values. */
export function describeAgentMessage(message: AgentMessage, key: string): FeedEntry {
  switch (message.type) {
    case 'signal': {
      const values = Object.entries(message.values)
        .slice(0, 8)
        .map(([k, v]) => `${k}=${formatValue(v)}`)
        .join(', ');
      return {
        key,
        type: 'signal',
        title: message.kind,
        detail: message.summary || values,
        at: message.range.end,
      };
    }
    case 'hint':
      return {
        key,
        type: 'hint',
        title: `hint: ${message.kind}`,
        detail: message.text,
        at: message.createdAt,
      };
    case 'conduct':
      return {
        key,
        type: 'conduct',
        title: `conduct: ${message.kind}`,
        detail: message.text,
        at: message.at,
      };
    case 'stats': {
      const analysers = message.analysers
        .map(
          (a) =>
            `${a.name} ${a.status} (${a.framesIn} in, ${a.signalsOut} out)${a.error ? `: ${a.error}` : ''}`,
        )
        .join('; ');
      const t = message.transcription;
      const r = t?.recognizer;
      const stt = t
        ? `; transcription ${t.state}${r ? ` (recognizer queue ${r.queueDepth}/${r.maxQueue}, max ${r.maxQueueDepthSeen}, ${r.inFlight} decoding, ${r.requests.rejected} refused${r.fallback?.ok ? `, ${r.fallback.ok} by ${r.fallback.model} while behind` : ''}, ${Math.round(r.rssBytes / 1e6)} MB)` : ''}`
        : '';
      return {
        key,
        type: 'stats',
        title: 'stats',
        detail: `${analysers || 'no analysers'}${stt}`,
        at: message.at,
      };
    }
    case 'plan':
      return {
        key,
        type: 'plan',
        title: `plan r${message.revision}`,
        detail: `${message.plan.items.length} items, ${message.plan.durationMinutes} min`,
        at: message.updatedAt,
      };
    case 'coverage':
      return {
        key,
        type: 'coverage',
        title: 'coverage',
        detail: `${message.items.length - message.itemsLeft} of ${message.items.length} asked, ${message.minutesLeft} min left`,
        at: message.at,
      };
    case 'analysis-status':
      return {
        key,
        type: message.type,
        title: `analysis ${message.status}`,
        detail: message.text,
        at: message.at,
      };
  }
}

/**
 * The interviewer's view of the agent's messages: decodes and validates every payload received on the agent topic,
 * keeps the latest entries (newest first) and counts what was refused. Invalid payloads are never shown.
 */
export class AgentFeed {
  readonly #opts: AgentFeedOptions;
  #entries: FeedEntry[] = [];
  #received = 0;
  #invalid = 0;
  #lastStats: Extract<AgentMessage, { type: 'stats' }> | undefined;

  constructor(options: Partial<AgentFeedOptions> = {}) {
    this.#opts = { ...defaultOptions, ...options };
    if (!Number.isInteger(this.#opts.maxEntries) || this.#opts.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${this.#opts.maxEntries}`);
    }
  }

  /** Decodes one payload; a valid message becomes the newest entry. */
  accept(data: Uint8Array | string): DecodeResult<AgentMessage> {
    this.#received++;
    const result = decodeAgentMessage(data);
    if (!result.ok) {
      this.#invalid++;
      return result;
    }
    if (result.message.type === 'stats') this.#lastStats = result.message;
    this.#entries.unshift(describeAgentMessage(result.message, `m${this.#received}`));
    if (this.#entries.length > this.#opts.maxEntries) this.#entries.length = this.#opts.maxEntries;
    return result;
  }

  /** Entries, newest first. */
  get entries(): readonly FeedEntry[] {
    return this.#entries;
  }

  /** Payloads received, valid or not. */
  get received(): number {
    return this.#received;
  }

  /** Payloads refused by validation. */
  get invalid(): number {
    return this.#invalid;
  }

  /** The most recent stats message. */
  get lastStats() {
    return this.#lastStats;
  }
}
