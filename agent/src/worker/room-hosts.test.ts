import { describe, expect, it } from 'vitest';
import { hostNodeOptions } from './room-hosts.js';

describe('hostNodeOptions', () => {
  it('gives the hosts a larger young generation unless it is off or the operator set one', () => {
    expect(hostNodeOptions(32, [])).toEqual(['--max-semi-space-size=32']);
    expect(hostNodeOptions(0, [])).toEqual([]);
    expect(hostNodeOptions(32, ['--max-semi-space-size=4'])).toEqual([]);
    expect(hostNodeOptions(32, ['--max_semi_space_size=8', '--trace-gc'])).toEqual([]);
    expect(hostNodeOptions(16, ['--conditions=compiled', '--max-old-space-size=4096'])).toEqual([
      '--max-semi-space-size=16',
    ]);
  });
});
