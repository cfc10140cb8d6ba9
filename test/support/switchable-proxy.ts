import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy that can be switched off and on, standing in for a DynamoDB Local that is stopped and
 * restarted: off, open connections are cut (ECONNRESET) and new ones refused (ECONNREFUSED), exactly what a
 * client sees of a stopped process; on again, it listens on the same port, with every table still there, as a
 * restart with a `dbPath` would have kept them. A real restart of DynamoDB Local takes 11-20 s here.
 */
export interface SwitchableProxy {
  readonly endpoint: string;
  readonly up: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startSwitchableProxy(target: string): Promise<SwitchableProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = connect(Number(targetPort), hostname);
        sockets.add(client);
        sockets.add(upstream);
        const cut = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        for (const socket of [client, upstream]) {
          socket.on('error', cut);
          socket.on('close', cut);
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        port = (next.address() as AddressInfo).port;
        server = next;
        resolve();
      });
    });

  await listen();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get up() {
      return server !== undefined;
    },
    async stop() {
      const current = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    async start() {
      if (!server) await listen();
    },
  };
}
