import { ConnectionError, DisconnectReason } from 'livekit-client';
import { describe, expect, it } from 'vitest';
import { describeConnectionError, describeDisconnect, describeError, describeMediaError } from './errors.js';
import { TokenRequestError } from './token-client.js';

const domError = (name: string) => Object.assign(new Error(`${name} happened`), { name });

describe('error descriptions', () => {
  it('names media failures by cause', () => {
    expect(describeMediaError(domError('NotAllowedError'), 'camera')).toMatchObject({
      code: 'permission_denied',
      message: expect.stringMatching(/camera was denied/),
    });
    expect(describeMediaError(domError('NotFoundError'), 'microphone')).toMatchObject({
      code: 'device_not_found',
      message: expect.stringMatching(/No microphone/),
    });
    expect(describeMediaError(domError('NotReadableError'), 'camera').code).toBe('device_in_use');
    expect(describeMediaError(domError('OverconstrainedError'), 'camera')).toMatchObject({
      code: 'media_error',
      message: expect.stringMatching(/OverconstrainedError happened/),
    });
  });

  it("keeps the token server's code and explains known ones", () => {
    expect(describeError(new TokenRequestError('session_ended', 'gone', 410))).toEqual({
      code: 'session_ended',
      message: 'This interview has ended.',
    });
    expect(describeError(new TokenRequestError('brand_new_code', 'server says so', 400))).toEqual({
      code: 'brand_new_code',
      message: 'server says so',
    });
  });

  it('tells a refused token from an unreachable media server', () => {
    expect(describeConnectionError(ConnectionError.notAllowed('401', 401)).code).toBe('token_rejected');
    expect(describeConnectionError(ConnectionError.serverUnreachable('down')).code).toBe(
      'livekit_unreachable',
    );
    expect(describeConnectionError(ConnectionError.websocket('closed')).code).toBe('livekit_unreachable');
    expect(describeError(new TypeError('boom'))).toEqual({
      code: 'connection_failed',
      message: 'Could not join the room: boom',
    });
  });

  it('is silent when the person left and explains other disconnects', () => {
    expect(describeDisconnect(DisconnectReason.CLIENT_INITIATED)).toBeUndefined();
    expect(describeDisconnect(DisconnectReason.DUPLICATE_IDENTITY)?.code).toBe('duplicate_identity');
    expect(describeDisconnect(DisconnectReason.ROOM_DELETED)?.code).toBe('session_ended');
    expect(describeDisconnect(DisconnectReason.ROOM_CLOSED)?.code).toBe('room_closed');
    expect(describeDisconnect(DisconnectReason.SIGNAL_CLOSE)?.message).toMatch(/SIGNAL_CLOSE/);
    expect(describeDisconnect(undefined)?.message).toMatch(/UNKNOWN_REASON/);
  });
});
