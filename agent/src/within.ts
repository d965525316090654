/**
 * Waits for `p` to settle, at most `ms`; resolves true when it settled in time (a rejection counts as settled),
 * false when the time ran out. The timer is cleared either way, so it never keeps the process alive.
 */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = p.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([
      settled,
      new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
