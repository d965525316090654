import type { DeletionResult, SessionDeletion } from '@interview-helper/storage';
import type { RoomCloser } from './rooms.js';

/** What {@link SessionEraser} needs. */
export interface SessionEraserDeps {
  deletion: SessionDeletion;
  rooms: RoomCloser;
  /** Current time (the receipt's `deletedAt`). */
  clock?: () => Date;
}

/**
 * Deletes an interview session: closes its LiveKit room if it is open (so the agent stops recording it), then
 * deletes every stored row of it and keeps a receipt (`SessionDeletion`). A LiveKit server that does not
 * answer does not stop the deletion; the receipt says `room: "unreachable"`.
 */
export class SessionEraser {
  readonly #deletion: SessionDeletion;
  readonly #rooms: RoomCloser;
  readonly #clock: () => Date;

  constructor(deps: SessionEraserDeps) {
    this.#deletion = deps.deletion;
    this.#rooms = deps.rooms;
    this.#clock = deps.clock ?? (() => new Date());
  }

  async erase(
    session: { id: string; roomName?: string },
    request: { requestedBy: string; reason: 'request' | 'retention' },
  ): Promise<DeletionResult> {
    const room = session.roomName === undefined ? undefined : await this.#rooms.close(session.roomName);
    return this.#deletion.deleteSession(session.id, {
      ...request,
      at: this.#clock(),
      ...(room === undefined ? {} : { room }),
    });
  }
}
