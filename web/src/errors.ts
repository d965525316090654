import { ConnectionError, ConnectionErrorReason, DisconnectReason, MediaDeviceFailure } from 'livekit-client';
import { TokenRequestError } from './token-client.js';

/** An error as shown to a person: a stable `code` and a sentence saying what to do. */
export interface UserFacingError {
  code: string;
  message: string;
}

/** What the token server's (and our own) error codes mean for the person joining. */
const TOKEN_MESSAGES: Record<string, string> = {
  invalid_invite: 'This invite link is not valid (wrong or expired). Ask the interviewer for a new link.',
  session_not_found: 'This interview does not exist. Check the link you were given.',
  session_ended: 'This interview has ended.',
  role_not_allowed: 'This invite does not allow joining in this role.',
  invalid_request: 'The join request was refused as malformed. Check the invite link and your name.',
  payload_too_large: 'The join request is too large. Use a shorter name.',
  too_many_attempts: 'Too many attempts with a wrong invite. Wait a minute, then try again.',
  forbidden_origin: 'The join request came from another site and was refused. Open the invite link directly.',
  internal: 'The token server failed. Try again in a moment.',
  server_unreachable: 'The server is unreachable. Check your connection or try again later.',
  timeout: 'The server did not answer in time. Try again.',
  bad_response: 'The server sent an unexpected answer. Try again later.',
};

/** Describes a failed token request, keeping the server's code. */
export function describeTokenError(error: TokenRequestError): UserFacingError {
  return { code: error.code, message: TOKEN_MESSAGES[error.code] ?? error.message };
}

/** Which capture device failed. */
export type DeviceKind = 'camera' | 'microphone';

/** Describes a `getUserMedia` failure (permission denied, no device, device busy). */
export function describeMediaError(error: unknown, device: DeviceKind): UserFacingError {
  switch (MediaDeviceFailure.getFailure(error)) {
    case MediaDeviceFailure.PermissionDenied:
      return {
        code: 'permission_denied',
        message: `Access to the ${device} was denied. Allow it in the browser's site settings and reload.`,
      };
    case MediaDeviceFailure.NotFound:
      return { code: 'device_not_found', message: `No ${device} was found. Connect one and reload.` };
    case MediaDeviceFailure.DeviceInUse:
      return {
        code: 'device_in_use',
        message: `The ${device} is in use by another application or could not be started.`,
      };
    default:
      return { code: 'media_error', message: `The ${device} could not be started: ${errorText(error)}` };
  }
}

/** Describes a failure of `Room.connect()`. */
export function describeConnectionError(error: unknown): UserFacingError {
  if (!(error instanceof ConnectionError)) {
    return { code: 'connection_failed', message: `Could not join the room: ${errorText(error)}` };
  }
  switch (error.reason) {
    case ConnectionErrorReason.NotAllowed:
      return {
        code: 'token_rejected',
        message: 'The media server refused the join token (expired or not valid). Reload the invite link.',
      };
    case ConnectionErrorReason.ServerUnreachable:
    case ConnectionErrorReason.WebSocket:
    case ConnectionErrorReason.Timeout:
      return {
        code: 'livekit_unreachable',
        message: 'The media server is unreachable. Check your connection or try again later.',
      };
    case ConnectionErrorReason.Cancelled:
      return { code: 'connection_cancelled', message: 'Joining was cancelled.' };
    default:
      return { code: 'connection_failed', message: `Could not join the room: ${error.message}` };
  }
}

/** Describes why the room was left; `undefined` when the person left on purpose. */
export function describeDisconnect(reason: DisconnectReason | undefined): UserFacingError | undefined {
  switch (reason) {
    case DisconnectReason.CLIENT_INITIATED:
      return undefined;
    case DisconnectReason.DUPLICATE_IDENTITY:
      return { code: 'duplicate_identity', message: 'You joined this interview from another tab or device.' };
    case DisconnectReason.PARTICIPANT_REMOVED:
      return { code: 'removed', message: 'You were removed from the interview.' };
    case DisconnectReason.ROOM_DELETED:
      // Rooms are deleted when their session ends (by an interviewer, or after everyone left).
      return { code: 'session_ended', message: TOKEN_MESSAGES.session_ended ?? 'This interview has ended.' };
    case DisconnectReason.ROOM_CLOSED:
      return { code: 'room_closed', message: 'The interview room was closed.' };
    default:
      return {
        code: 'disconnected',
        message: `The connection to the interview was lost (${DisconnectReason[reason ?? DisconnectReason.UNKNOWN_REASON] ?? 'unknown'}). Reload to rejoin.`,
      };
  }
}

/** Describes any error met while joining. */
export function describeError(error: unknown): UserFacingError {
  if (error instanceof TokenRequestError) return describeTokenError(error);
  return describeConnectionError(error);
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
