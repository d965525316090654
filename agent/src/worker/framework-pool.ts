/**
 * The prototype of agents-js 1.9's process pool (`ipc/proc_pool.js`), which its worker builds inside itself with no
 * executor option or launch event: the room hosts and the launch watch reach it by file, beside the package's entry.
 * Undefined when that file has no `ProcPool`.
 */
export async function frameworkPoolPrototype(): Promise<Record<string, unknown> | undefined> {
  const poolUrl = new URL('./ipc/proc_pool.js', import.meta.resolve('@livekit/agents'));
  const { ProcPool } = (await import(poolUrl.href)) as { ProcPool?: { prototype: Record<string, unknown> } };
  return ProcPool?.prototype;
}
