// Persistent-storage mode with real processes: `fallback serve --source oso:<upstream> --store file:<dir>`
// syncs, is SIGKILLed, the upstream goes down, and the restarted process serves the last snapshot from disk;
// `fallback export` + `fallback import` seed an empty store that a new node then serves.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Oso } from 'oso-cloud';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningDevServer, startDevServer } from '../../support/dev-server.ts';
import { freePort, healthOf, postJson, tempDirs, waitFor } from '../../support/reliability.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(ROOT, 'functions', 'cli.ts');
const KEY = 'e_0123456789_12345_osotesttoken01xiIn';
const ENV = {
  ...process.env,
  OSO_API_TOKEN: KEY,
  FALLBACK_OSO_RETRIES: '0',
  FALLBACK_OSO_TIMEOUT_SECONDS: '1',
};
const dirs = tempDirs('restart');
const children: ChildProcess[] = [];
let dev: RunningDevServer | undefined;
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await dev?.stop();
  dirs.cleanup();
});

function cli(...args: string[]) {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: ENV });
}

async function serve(port: number, ...args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', String(port), ...args], {
    cwd: ROOT,
    env: ENV,
    stdio: 'ignore',
  });
  children.push(child);
  return { child, url: `http://127.0.0.1:${port}` };
}

const aliceCanRead = async (url: string) =>
  (
    await postJson(url, '/api/authorize', {
      actor_type: 'User',
      actor_id: 'alice',
      action: 'read',
      resource_type: 'Org',
      resource_id: 'acme',
      context_facts: [],
    })
  ).body.allowed;

describe('restart with a file: store while the upstream is down', () => {
  it('the restarted process serves the last snapshot; import seeds an empty store from an export', async () => {
    dev = await startDevServer();
    const admin = new Oso(dev.url, KEY);
    await admin.policy(
      'actor User {}\nresource Org { roles = ["member"]; permissions = ["read"]; "read" if "member"; }\n',
    );
    await admin.insert(['has_role', { type: 'User', id: 'alice' }, 'member', { type: 'Org', id: 'acme' }]);
    const upstream = dev.url;
    const dir = dirs.make();
    const port = await freePort();
    const first = await serve(
      port,
      '--store',
      `file:${dir}`,
      '--source',
      `oso:${upstream}`,
      '--sync-seconds',
      '0.5',
    );
    await waitFor(
      'the self-syncing node to be ready',
      async () => (await healthOf(first.url)).status === 200,
      60_000,
    );
    const synced = (await healthOf(first.url)).snapshot;
    first.child.kill('SIGKILL');
    await dev.stop();
    dev = undefined;

    const again = await serve(
      port,
      '--store',
      `file:${dir}`,
      '--source',
      `oso:${upstream}`,
      '--sync-seconds',
      '0.5',
    );
    await waitFor(
      'the restarted node to be ready',
      async () => (await healthOf(again.url)).status === 200,
      60_000,
    );
    expect((await healthOf(again.url)).snapshot).toBe(synced);
    expect(await aliceCanRead(again.url)).toBe(true);

    const file = join(dirs.make(), 'snapshot.fallback');
    await cli('export', '--store', `file:${dir}`, '--out', file);
    const empty = dirs.make();
    await cli('import', '--in', file, '--store', `file:${empty}`);
    const seededPort = await freePort();
    const seeded = await serve(seededPort, '--store', `file:${empty}`);
    await waitFor(
      'the node on the seeded store',
      async () => (await healthOf(seeded.url)).status === 200,
      60_000,
    );
    expect((await healthOf(seeded.url)).snapshot).toBe(synced);
    expect(await aliceCanRead(seeded.url)).toBe(true);
  });
});
