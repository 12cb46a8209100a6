// Starts the dev server (Oso Cloud-compatible primary) on a real socket on 127.0.0.1, random port.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createDevServer, type DevServer } from '../../lib/dev/index.ts';
import { silentLogger } from '../../lib/http/index.ts';

export interface RunningDevServer {
  url: string;
  dev: DevServer;
  stop(): Promise<void>;
}

/** Serves a dev server; `dataDir` keeps its data across restarts. */
export async function startDevServer(dataDir?: string): Promise<RunningDevServer> {
  const dev = await createDevServer({ logger: silentLogger, ...(dataDir === undefined ? {} : { dataDir }) });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: dev.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    dev,
    async stop() {
      await new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      });
      await dev.close();
    },
  };
}
