import { join } from 'node:path';
import { modelsDir } from '../vision/models.js';
import { InferenceClient } from './client.js';
import { InferenceServer, type InferenceServerOptions } from './server.js';

/**
 * Test inference servers, each on a unix socket in the directory `dir()` names and with a client; `close()` ends
 * them all. The servers use the test models and one intra-op thread (the in-process sessions they are compared with
 * do too: the same arithmetic, the same outputs); the clients a generous deadline, so that a loaded machine does not
 * turn a check into skipped runs.
 */
export function testInferenceServers(dir: () => string) {
  const servers: InferenceServer[] = [];
  const clients: InferenceClient[] = [];
  return {
    async serve(name: string, opts: Partial<InferenceServerOptions> = {}) {
      const server = new InferenceServer({
        socket: join(dir(), `${name}.sock`),
        modelsDir: modelsDir(process.env),
        intraOpThreads: 1,
        ...opts,
      });
      await server.listen();
      servers.push(server);
      const client = new InferenceClient({ socket: server.options.socket, deadlineMs: 30_000 });
      clients.push(client);
      return { server, client };
    },
    /** Closes a client made elsewhere with the others. */
    keep(client: InferenceClient): InferenceClient {
      clients.push(client);
      return client;
    },
    async close(): Promise<void> {
      for (const c of clients.splice(0)) c.close();
      for (const s of servers.splice(0)) await s.close();
    },
  };
}
