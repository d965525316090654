import { describe, expect, it } from 'vitest';
import { withDefaults } from './options.js';

describe('withDefaults', () => {
  it('keeps a default where the option is undefined and takes every option that is set', () => {
    const defaults = { fps: 2, name: 'face', on: true };
    expect(withDefaults(defaults, { fps: undefined, name: 'pose', on: false })).toEqual({
      fps: 2,
      name: 'pose',
      on: false,
    });
    expect(defaults).toEqual({ fps: 2, name: 'face', on: true });
  });
});
