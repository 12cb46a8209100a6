// `fallback dev`: a local Oso Cloud-compatible primary (read and write API) with optional on-disk data.
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createDevServer } from '../dev/index.ts';
import { createJsonLogger } from '../http/index.ts';

const USAGE = `usage: fallback dev [--port 8081] [--host 127.0.0.1] [--data <dir>]

Serves Oso Cloud's API locally: the check/read API plus policy and fact writes.
  --port   listen port (default 8081)
  --host   listen address (default 127.0.0.1; 0.0.0.0 in a container)
  --data   directory that keeps the policy and facts across restarts (default: memory only)
Point an oso-cloud client at http://<host>:<port> with any API key.
`;

/** Runs the dev server until SIGINT/SIGTERM; returns the exit code. */
export async function run(argv: string[], _env: NodeJS.ProcessEnv): Promise<number> {
  let values: { port?: string; host?: string; data?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = Number(values.port ?? '8081');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`invalid --port "${values.port}"\n${USAGE}`);
    return 2;
  }
  const logger = createJsonLogger({ component: 'dev' });
  const dev = await createDevServer({
    logger,
    ...(values.data === undefined ? {} : { dataDir: values.data }),
  });
  const hostname = values.host ?? '127.0.0.1';
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: dev.app.fetch, hostname, port }, () => resolve(s));
  });
  const bound = (server.address() as AddressInfo).port;
  logger.info('oso dev server listening', {
    url: `http://${hostname}:${bound}`,
    data: values.data ?? '(memory only)',
    facts: dev.service.store.count(),
    offset: dev.service.store.offset,
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await dev.close();
  logger.info('oso dev server stopped');
  return 0;
}
