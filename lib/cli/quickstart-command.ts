/**
 * `npm start` / `fallback quickstart [--port 8080] [--host 127.0.0.1] [--dir .data/quickstart]`:
 * syncs the example in `examples/` into a local `file:` store, then serves it.
 */
import { join, resolve } from 'node:path';
import { loadSqlJs } from '../engine/index.ts';
import { openSource } from '../source/index.ts';
import { openStore } from '../store/index.ts';
import { runSync } from '../sync/index.ts';
import { type CliEnv, type CliIo, parseFlags, reportError } from './flags.ts';
import { serveWith } from './serve-command.ts';
import { serveSettingsFromEnv } from './serve-options.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');

export const USAGE = 'usage: fallback quickstart [--port 8080] [--host 127.0.0.1] [--dir .data/quickstart]\n';

function instructions(url: string): string {
  return `
The fallback node is ready at ${url} (example: examples/README.md).

  curl -s ${url}/api/authorize -H 'content-type: application/json' \\
    -d '{"actor_type":"User","actor_id":"alice","action":"delete","resource_type":"Project","resource_id":"api","context_facts":[]}'

Point the Oso client at it as its fallback:

  const oso = new Oso('https://cloud.osohq.com', apiKey, { fallbackUrl: '${url}' });

Health: ${url}/healthcheck   Metrics: ${url}/metrics   Stop: Ctrl-C
`;
}

export async function run(argv: string[], env: CliEnv, io: CliIo = process): Promise<number> {
  if (argv.includes('--help')) {
    io.stdout.write(USAGE);
    return 0;
  }
  try {
    const flags = parseFlags(argv, ['port', 'host', 'dir']);
    const settings = serveSettingsFromEnv({ ...env, ...(flags.port ? { PORT: flags.port } : {}) });
    const dir = resolve(flags.dir ?? join(ROOT, '.data', 'quickstart'));
    const storeUrl = `file:${dir}`;
    const summary = await runSync({
      source: openSource(`dir:${join(ROOT, 'examples')}`),
      store: openStore(storeUrl),
      sql: await loadSqlJs(),
      keep: 3,
    });
    io.stderr.write(
      `${summary.published ? 'published' : 'unchanged'} snapshot ${summary.id} (${summary.facts} facts) in ${storeUrl}\n`,
    );
    const server = await serveWith({ ...settings, host: flags.host ?? settings.host, store: storeUrl });
    io.stdout.write(instructions(server.url));
    return 0;
  } catch (e) {
    return reportError(io, e, USAGE);
  }
}
