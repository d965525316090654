import { readFileSync } from 'node:fs';
import { PROTOCOL_VERSION } from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';

describe('replay client', () => {
  it('speaks the protocol version of this repository', () => {
    const go = readFileSync(new URL('./client/main.go', import.meta.url), 'utf8');
    expect(Number(/const protocolVersion = (\d+)/.exec(go)?.[1])).toBe(PROTOCOL_VERSION);
  });
});
