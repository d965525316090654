import { Room } from '@livekit/rtc-node';
import { SessionBus } from '../bus/session-bus.js';
import { InterviewerPublisher } from '../messaging/publisher.js';
import type { SessionContext } from '../session/extension.js';

/** A session context on a real, unconnected room, for hint tests: nothing is delivered, everything is stored. */
export function unconnectedContext(sessionId: string): SessionContext {
  const room = new Room();
  return {
    sessionId,
    room,
    publisher: new InterviewerPublisher(room),
    recorder: {
      presence: async () => {},
      signals: async () => {},
      hintFeedback: async () => false,
      close: async () => {},
    },
    bus: new SessionBus(),
    turns: { watchPause: () => () => {} },
    candidate: () => undefined,
    emitSignal: () => {
      throw new Error('not used');
    },
  };
}
