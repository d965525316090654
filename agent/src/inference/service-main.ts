import { parseArgs } from 'node:util';
import { InferenceServer } from './server.js';

/**
 * Entry of the inference service process (forked by {@link InferenceService}): listens on the
 * socket it is given, tells its parent `{ listening }` over the IPC channel, and exits when the
 * parent goes away (the channel closes), so it never outlives its worker.
 */
const { values } = parseArgs({
  options: {
    socket: { type: 'string' },
    'models-dir': { type: 'string' },
    threads: { type: 'string', default: '1' },
    queue: { type: 'string', default: '64' },
    'deadline-ms': { type: 'string', default: '1000' },
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
await server.listen();
process.on('disconnect', () => process.exit(0));
// a stop (the worker's process group stopped, or Ctrl-C in a terminal) is a clean exit: the worker does not restart it
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => server.close().finally(() => process.exit(0)));
process.send?.({ listening: values.socket });
