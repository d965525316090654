import { type Role, roleSchema } from '@interview-helper/protocol';

/** What an invite link (`/join?session=..&role=..&invite=..`) carries. */
export interface JoinParams {
  session: string;
  role: Role;
  invite: string;
  /** Optional display name prefilled in the form (`name=`). */
  name?: string;
}

/** Why a link cannot be used. `code` is stable. */
export interface JoinParamsError {
  code: 'missing_invite' | 'invalid_role' | 'invalid_link';
  message: string;
}

export type JoinParamsResult = { ok: true; params: JoinParams } | { ok: false; error: JoinParamsError };

/** Longest value accepted for `session` and `invite`; token-server ids and secrets are far shorter. */
const MAX_PARAM_LENGTH = 256;

/** Parses the query string of an invite link. Never throws. */
export function parseJoinParams(search: string | URLSearchParams): JoinParamsResult {
  const query = typeof search === 'string' ? new URLSearchParams(search) : search;
  const session = query.get('session')?.trim() ?? '';
  const invite = query.get('invite')?.trim() ?? '';
  const role = query.get('role')?.trim() ?? '';
  if (!session || !invite || !role) {
    const missing = [!session && 'session', !role && 'role', !invite && 'invite'].filter(Boolean).join(', ');
    return {
      ok: false,
      error: {
        code: 'missing_invite',
        message: `This page needs an invite link from the interviewer (missing: ${missing}).`,
      },
    };
  }
  const parsedRole = roleSchema.safeParse(role);
  if (!parsedRole.success) {
    return {
      ok: false,
      error: { code: 'invalid_role', message: `The invite link has an unknown role "${role.slice(0, 32)}".` },
    };
  }
  if (session.length > MAX_PARAM_LENGTH || invite.length > MAX_PARAM_LENGTH) {
    return {
      ok: false,
      error: { code: 'invalid_link', message: 'The invite link is malformed (too long).' },
    };
  }
  const name = query.get('name')?.trim().slice(0, 64);
  return { ok: true, params: { session, role: parsedRole.data, invite, ...(name ? { name } : {}) } };
}
