import { RoomServiceClient, ServerError } from 'livekit-server-sdk';
import { type TokenServerConfig, toHttpUrl } from './config.js';

/** Closes LiveKit rooms. */
export interface RoomCloser {
  /**
   * Deletes the room, disconnecting everyone in it (the agent's job then ends and writes the report).
   * Resolves `true` when the room is gone (also when it did not exist), `false` when LiveKit could not
   * be asked; never throws.
   */
  close(roomName: string): Promise<boolean>;
}

/** A {@link RoomCloser} over LiveKit's RoomService API with the token server's credentials. */
export class LivekitRoomCloser implements RoomCloser {
  readonly #client: RoomServiceClient;
  readonly #onError: (message: string) => void;

  constructor(config: TokenServerConfig, onError: (message: string) => void, timeoutMs = 5000) {
    this.#client = new RoomServiceClient(
      toHttpUrl(config.livekitUrl),
      config.livekitApiKey,
      config.livekitApiSecret,
      { requestTimeout: timeoutMs / 1000 },
    );
    this.#onError = onError;
  }

  async close(roomName: string): Promise<boolean> {
    try {
      await this.#client.deleteRoom(roomName);
      return true;
    } catch (err) {
      if (err instanceof ServerError && (err.status === 404 || err.code === 'not_found')) return true;
      this.#onError(`could not close room ${roomName}: ${(err as Error).name}: ${(err as Error).message}`);
      return false;
    }
  }
}
