/**
 * `defaults` overridden by the options that are set: an option given as `undefined` (an unset
 * environment variable passed through, say) keeps its default instead of erasing it.
 */
export function withDefaults<T extends object>(defaults: T, opts: Partial<T>): T {
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  return { ...defaults, ...given };
}
