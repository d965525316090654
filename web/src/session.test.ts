import { describe, expect, it } from 'vitest';
import { createRoom } from './session.js';
import type { TokenGrant } from './token-client.js';

const grant = (role: string) => ({ role, url: 'ws://127.0.0.1:7880', token: 't' }) as unknown as TokenGrant;

describe('createRoom', () => {
  it('publishes a candidate camera as simulcast with a 480×360 layer at 15 fps for the agent', () => {
    const room = createRoom(grant('candidate'));
    const defaults = room.options.publishDefaults;
    expect(defaults?.simulcast).toBe(true);
    expect(defaults?.videoSimulcastLayers?.map((p) => [p.width, p.height, p.encoding.maxFramerate])).toEqual([
      [480, 360, 15],
    ]);
    expect(defaults?.degradationPreference).toBe('maintain-resolution');
  });

  it('subscribes interviewers without adaptive stream, so they receive the full camera layer', () => {
    expect(createRoom(grant('interviewer')).options.adaptiveStream).toBe(false);
    expect(createRoom(grant('candidate')).options.adaptiveStream).toBe(true);
  });
});
