import type { RoomOutcome } from '@interview-helper/storage';
import { RoomServiceClient, ServerError } from 'livekit-server-sdk';
import { type TokenServerConfig, toHttpUrl } from './config.js';

/** Closes LiveKit rooms. */
export interface RoomCloser {
  /**
   * Deletes the room, disconnecting everyone in it (the agent's job then ends and writes the report).
   * `closed` when the room was open, `not-open` when it did not exist, `unreachable` when LiveKit could not
   * be asked; never throws.
   */
  close(roomName: string): Promise<RoomOutcome>;
}

/** Options of {@link LivekitRoomCloser}. */
export interface LivekitRoomCloserOptions {
  /** Seconds to wait for the LiveKit API call (default 5). */
  timeoutSeconds?: number;
  /** Told why a room could not be closed. */
  onError?: (message: string) => void;
}

/** A {@link RoomCloser} over LiveKit's RoomService API with the token server's credentials. */
export class LivekitRoomCloser implements RoomCloser {
  readonly #client: RoomServiceClient;
  readonly #onError: (message: string) => void;

  constructor(config: TokenServerConfig, options: LivekitRoomCloserOptions = {}) {
    this.#client = new RoomServiceClient(
      toHttpUrl(config.livekitUrl),
      config.livekitApiKey,
      config.livekitApiSecret,
      { requestTimeout: options.timeoutSeconds ?? 5 },
    );
    this.#onError = options.onError ?? (() => {});
  }

  async close(roomName: string): Promise<RoomOutcome> {
    try {
      await this.#client.deleteRoom(roomName);
      return 'closed';
    } catch (err) {
      if (err instanceof ServerError && (err.status === 404 || err.code === 'not_found')) return 'not-open';
      this.#onError(`could not close room ${roomName}: ${(err as Error).name}: ${(err as Error).message}`);
      return 'unreachable';
    }
  }
}
