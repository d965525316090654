import type { RoomOutcome } from '@interview-helper/storage';
import { RoomServiceClient } from 'livekit-server-sdk';
import { type TokenServerConfig, toHttpUrl } from './config.js';

/** Closes a LiveKit room (disconnecting everyone in it, the agent included). */
export interface RoomCloser {
  /** `closed` when the room was open, `not-open` when it was not, `unreachable` when LiveKit did not answer. */
  close(roomName: string): Promise<RoomOutcome>;
}

/** Options of {@link LivekitRooms}. */
export interface LivekitRoomsOptions {
  /** Seconds to wait for each LiveKit API call. */
  timeoutSeconds?: number;
}

/** {@link RoomCloser} through LiveKit's room service API (`ListRooms`, then `DeleteRoom`). */
export class LivekitRooms implements RoomCloser {
  readonly #client: RoomServiceClient;

  constructor(config: TokenServerConfig, options: LivekitRoomsOptions = {}) {
    this.#client = new RoomServiceClient(
      toHttpUrl(config.livekitUrl),
      config.livekitApiKey,
      config.livekitApiSecret,
      { requestTimeout: options.timeoutSeconds ?? 5 },
    );
  }

  async close(roomName: string): Promise<RoomOutcome> {
    try {
      const rooms = await this.#client.listRooms([roomName]);
      if (!rooms.some((r) => r.name === roomName)) return 'not-open';
      await this.#client.deleteRoom(roomName);
      return 'closed';
    } catch {
      return 'unreachable';
    }
  }
}
