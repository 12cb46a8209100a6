// `fallback serve --source oso:<url> --store file:<dir>`: a node that syncs itself from a dev server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Oso } from 'oso-cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../lib/cli/runtime.ts';
import { startSelfSync } from '../../lib/cli/self-sync.ts';
import { applyServeFlags, serveSettingsFromEnv } from '../../lib/cli/serve-options.ts';
import { run as syncCommand } from '../../lib/cli/sync-command.ts';
import type { SyncLoop } from '../../lib/cli/sync-loop.ts';
import { silentLogger } from '../../lib/http/index.ts';
import { type RunningDevServer, startDevServer } from '../support/dev-server.ts';

const POLICY = `actor User {}
resource Org { roles = ["member"]; permissions = ["read"]; "read" if "member"; }
`;
const KEY = 'e_0123456789_12345_osotesttoken01xiIn';
const dirs: string[] = [];
let dev: RunningDevServer;
let deadUpstream: string;

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'self-sync-'));
  dirs.push(d);
  return d;
}

/** What `fallback serve --source ... --store file:<dir>` runs, with a short interval and no retries. */
async function selfSyncingNode(
  upstream: string,
  dir: string,
): Promise<{ node: RunningServer; loop: SyncLoop }> {
  const node = await startServer({
    store: `file:${dir}`,
    port: 0,
    refreshIntervalMs: 50,
    logger: silentLogger,
  });
  const loop = startSelfSync({
    source: `oso:${upstream}`,
    store: `file:${dir}`,
    env: { OSO_API_TOKEN: KEY, FALLBACK_OSO_RETRIES: '0', FALLBACK_OSO_TIMEOUT_SECONDS: '2' },
    holder: node.holder,
    intervalMs: 100,
    logger: silentLogger,
  });
  return { node, loop };
}

const authorize = (url: string) =>
  fetch(`${url}/api/authorize`, {
    method: 'POST',
    body: JSON.stringify({
      actor_type: 'User',
      actor_id: 'alice',
      action: 'read',
      resource_type: 'Org',
      resource_id: 'acme',
      context_facts: [],
    }),
  }).then((r) => r.json());
const health = (url: string) => fetch(`${url}/healthcheck`).then((r) => r.status);

beforeAll(async () => {
  dev = await startDevServer();
  const oso = new Oso(dev.url, KEY);
  await oso.policy(POLICY);
  await oso.insert(['has_role', { type: 'User', id: 'alice' }, 'member', { type: 'Org', id: 'acme' }]);
  const spare = await startDevServer();
  deadUpstream = spare.url;
  await spare.stop();
});
afterAll(async () => {
  await dev?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a self-syncing node', () => {
  it('reads --source and --sync-seconds (and FALLBACK_SOURCE, FALLBACK_SYNC_SECONDS)', () => {
    const env = serveSettingsFromEnv({ FALLBACK_SOURCE: 'oso:http://a', FALLBACK_SYNC_SECONDS: '5' });
    expect([env.source, env.syncIntervalMs]).toEqual(['oso:http://a', 5000]);
    const flags = applyServeFlags(env, ['--source', 'oso:http://b', '--sync-seconds', '2']);
    expect([flags.source, flags.syncIntervalMs]).toEqual(['oso:http://b', 2000]);
    expect(serveSettingsFromEnv({}).syncIntervalMs).toBe(60_000);
  });

  it('syncs at start, serves what it published, and restarts from it when the upstream is down', async () => {
    const dir = tempDir();
    const first = await selfSyncingNode(dev.url, dir);
    await expect.poll(() => health(first.node.url), { timeout: 10_000, interval: 50 }).toBe(200);
    expect(await authorize(first.node.url)).toEqual({ allowed: true });
    await first.loop.stop();
    await first.node.close(100);

    const again = await selfSyncingNode(deadUpstream, dir);
    await expect.poll(() => again.loop.runs(), { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(2);
    expect(await health(again.node.url)).toBe(200);
    expect(await authorize(again.node.url)).toEqual({ allowed: true });
    await again.loop.stop();
    await again.node.close(100);
  });

  it('with an empty store and the upstream down, stays not ready', async () => {
    const { node, loop } = await selfSyncingNode(deadUpstream, tempDir());
    await expect.poll(() => loop.runs(), { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(1);
    expect(await health(node.url)).toBe(503);
    await loop.stop();
    await node.close(100);
  });

  it('fallback sync --source oso: takes the key from OSO_API_TOKEN and fails without it', async () => {
    const out: string[] = [];
    const io = {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => out.push(t) },
    };
    const args = ['--source', `oso:${dev.url}`, '--store', `file:${tempDir()}`];
    expect(await syncCommand(args, {}, io)).toBe(1);
    expect(out.join('')).toMatch(/set OSO_API_TOKEN/);
    out.length = 0;
    expect(await syncCommand(args, { OSO_API_TOKEN: KEY }, io)).toBe(0);
    expect(out.join('')).toMatch(/^published \S+: 1 facts/m);
    expect(out.join('')).not.toContain('osotesttoken');
  });
});
