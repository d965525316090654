import type { PGlite } from '@electric-sql/pglite';

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (err: Error) => void;
}

/** ReadyForQuery: 'Z', int32 length 5, one status byte. */
const READY_FOR_QUERY = 0x5a;
const STATUS_IDLE = 0x49; // 'I'
/** A bare `Sync` message: ends an extended-protocol exchange and any error state. */
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);

function simpleQuery(text: string): Uint8Array {
  const body = Buffer.from(`${text}\0`, 'utf8');
  const msg = Buffer.alloc(5 + body.length);
  msg[0] = 0x51; // 'Q'
  msg.writeInt32BE(4 + body.length, 1);
  body.copy(msg, 5);
  return msg;
}

/**
 * Multiplexes several Postgres wire-protocol connections onto one PGlite backend.
 *
 * `@electric-sql/pglite-socket`'s own queue interleaves messages of different connections between
 * round trips unless a transaction is open. Clients that use the unnamed prepared statement and portal
 * (drizzle over postgres.js does: Parse+Describe+Sync, then Bind+Execute+Sync) then bind each other's
 * statements ("bind message supplies 1 parameters, but prepared statement "" requires 2"). This queue
 * gives the backend to one connection from its first message until the backend reports
 * ReadyForQuery with status idle, i.e. for a whole exchange or transaction.
 *
 * It implements the interface `PGLiteSocketHandler` expects of its `queryQueue`.
 */
export class WireProtocolQueue {
  readonly #db: PGlite;
  #queue: QueuedMessage[] = [];
  #owner: number | null = null;
  #running = false;

  constructor(db: PGlite) {
    this.#db = db;
  }

  /** Connection currently holding the backend, if any. */
  get owner(): number | null {
    return this.#owner;
  }

  getQueueLength(): number {
    return this.#queue.length;
  }

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ handlerId, message, onData, resolve, reject });
      void this.#pump();
    });
  }

  clearQueueForHandler(handlerId: number): void {
    this.#queue = this.#queue.filter((q) => {
      if (q.handlerId !== handlerId) return true;
      q.reject(new Error('connection closed'));
      return false;
    });
  }

  /** Called when a connection goes away: if it held the backend, end its exchange and transaction. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.#owner !== handlerId) return;
    const discard = () => {};
    await this.enqueue(handlerId, SYNC, discard).catch(discard);
    if (this.#owner === handlerId) {
      await this.enqueue(handlerId, simpleQuery('ROLLBACK'), discard).catch(discard);
    }
    if (this.#owner === handlerId) this.#owner = null;
    void this.#pump();
  }

  #next(): QueuedMessage | undefined {
    const index = this.#owner === null ? 0 : this.#queue.findIndex((q) => q.handlerId === this.#owner);
    if (index < 0) return undefined;
    return this.#queue.splice(index, 1)[0];
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let item = this.#next(); item; item = this.#next()) {
        this.#owner = item.handlerId;
        let tail = Buffer.alloc(0);
        let bytes = 0;
        try {
          await this.#db.runExclusive(() =>
            this.#db.execProtocolRawStream(item.message, {
              onRawData: (data) => {
                tail = Buffer.concat([tail, data.subarray(-6)]).subarray(-6);
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (err) {
          this.#owner = null;
          item.reject(err instanceof Error ? err : new Error(String(err)));
          continue;
        }
        const idle =
          tail.length === 6 && tail[0] === READY_FOR_QUERY && tail[4] === 5 && tail[5] === STATUS_IDLE;
        if (idle) this.#owner = null;
        item.resolve(bytes);
      }
    } finally {
      this.#running = false;
    }
  }
}
