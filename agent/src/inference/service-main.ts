import { parseArgs } from 'node:util';
import { InferenceServer } from './server.js';

/**
 * Entry of the inference service process (forked by {@link InferenceService}): listens on the
 * socket it is given, tells its parent `{ listening }` over the IPC channel, loads the models named in `--preload`
 * and tells it `{ preloaded }` (each model's load time, or why it failed), and exits when the
 * parent goes away (the channel closes, also when the parent is SIGKILLed), so it never outlives its
 * worker. It runs in a process group of its own: a signal to the worker's group does not reach it.
 */
const { values } = parseArgs({
  options: {
    socket: { type: 'string' },
    'models-dir': { type: 'string' },
    threads: { type: 'string', default: '1' },
    queue: { type: 'string', default: '64' },
    'deadline-ms': { type: 'string', default: '1000' },
    preload: { type: 'string', default: '' },
  },
});
if (!values.socket || !values['models-dir']) throw new Error('--socket and --models-dir are required');
const server = new InferenceServer({
  socket: values.socket,
  modelsDir: values['models-dir'],
  intraOpThreads: Number(values.threads),
  maxQueue: Number(values.queue),
  deadlineMs: Number(values['deadline-ms']),
});
/** Closes the socket (removes its file) and exits 0: a stop, not a crash; at the latest after 2 s. */
const stop = () => {
  setTimeout(() => process.exit(0), 2000).unref();
  server.close().finally(() => process.exit(0));
};
// The parent died (however: the channel closes with it) or stopped it: its SIGTERM, or an operator's kill or Ctrl-C.
process.on('disconnect', stop);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, stop);
if (!process.connected) stop(); // the parent died before the handler was set
await server.listen();
if (process.connected) process.send?.({ listening: values.socket });
// then the models the worker's analysers use, so that its first rooms' frames do not wait for them
const preload = values.preload.split(',').filter(Boolean);
if (preload.length) {
  const preloaded = await server.preload(preload);
  if (process.connected) process.send?.({ preloaded });
}
