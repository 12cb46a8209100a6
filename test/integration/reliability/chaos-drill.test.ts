// The chaos drill of docs/chaos-drill.md, run for real: the oso-cloud client -> `fallback chaos-proxy`
// (a child process) -> the primary (dev server); a share of requests fails and goes to the fallback node;
// the node's `oso_fallback_http_requests` counts exactly that share, and every answer is still right.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Oso } from 'oso-cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as chaosProxyCommand } from '../../../lib/cli/chaos-proxy-command.ts';
import { type RunningServer, startServer } from '../../../lib/cli/runtime.ts';
import { run as syncCommand } from '../../../lib/cli/sync-command.ts';
import { silentLogger } from '../../../lib/http/index.ts';
import { type RunningDevServer, startDevServer } from '../../support/dev-server.ts';
import { freePort, tempDirs, waitFor } from '../../support/reliability.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const KEY = 'e_0123456789_12345_osotesttoken01xiIn';
const POLICY = `actor User {}
resource Org { roles = ["member", "admin"]; permissions = ["read", "write"];
  "read" if "member"; "write" if "admin"; "member" if "admin"; }
`;
const user = (id: string) => ({ type: 'User', id });
const org = (id: string) => ({ type: 'Org', id });
const USERS = Array.from({ length: 10 }, (_, i) => `u${i}`);

const dirs = tempDirs('chaos-drill');
let dev: RunningDevServer;
let node: RunningServer;
let proxy: ChildProcess;
let proxyOut = '';
let proxyUrl: string;

beforeAll(async () => {
  dev = await startDevServer();
  const admin = new Oso(dev.url, KEY);
  await admin.policy(POLICY);
  await admin.batch((tx) => {
    USERS.forEach((u, i) => {
      if (i % 3 !== 2) tx.insert(['has_role', user(u), i % 3 === 0 ? 'admin' : 'member', org('acme')]);
    });
  });
  // The fallback: `fallback sync --source oso:<primary> --store file:<dir>`, then a serving node.
  const dir = dirs.make();
  const io = { stdout: { write: () => true }, stderr: { write: () => true } };
  expect(
    await syncCommand(['--source', `oso:${dev.url}`, '--store', `file:${dir}`], { OSO_API_TOKEN: KEY }, io),
  ).toBe(0);
  node = await startServer({ store: `file:${dir}`, port: 0, logger: silentLogger });
  await waitFor(
    'the fallback to be ready',
    async () => (await fetch(`${node.url}/healthcheck`)).status === 200,
  );
  // The drill's command: npx fallback chaos-proxy --target <primary> --fail-ratio 0.2 --port <port>
  const port = await freePort();
  proxy = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'functions', 'cli.ts'),
      'chaos-proxy',
      '--target',
      dev.url,
      '--fail-ratio',
      '0.2',
      '--port',
      String(port),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  proxy.stdout!.on('data', (d: Buffer) => {
    proxyOut += d.toString();
  });
  proxy.stderr!.on('data', (d: Buffer) => {
    proxyOut += d.toString();
  });
  await waitFor('the proxy to listen', () => proxyOut.includes('chaos-proxy on'), 30_000);
  proxyUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  if (proxy !== undefined && proxy.exitCode === null) proxy.kill('SIGKILL');
  await node?.close(100);
  await dev?.stop();
  dirs.cleanup();
});

/** `oso_fallback_http_requests_count{path="/api/authorize",status_code="200"}` from the node's /metrics. */
async function fallbackAuthorizeCount(): Promise<number> {
  const page = await (await fetch(`${node.url}/metrics`)).text();
  const line = page
    .split('\n')
    .find(
      (l) =>
        l.startsWith('oso_fallback_http_requests_count{') &&
        l.includes('path="/api/authorize"') &&
        l.includes('status_code="200"'),
    );
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('chaos drill: part of the traffic goes to the fallback', () => {
  it('answers every request correctly, and the fallback counts exactly the failed share', async () => {
    const direct = new Oso(dev.url, KEY);
    const app = new Oso(proxyUrl, KEY, { fallbackUrl: node.url });
    const before = await fallbackAuthorizeCount();
    const total = 200;
    for (let i = 0; i < total; i++) {
      const u = user(USERS[i % USERS.length]!);
      const action = i % 2 === 0 ? 'read' : 'write';
      expect(await app.authorize(u, action, org('acme'))).toBe(
        await direct.authorize(u, action, org('acme')),
      );
    }
    const viaFallback = (await fallbackAuthorizeCount()) - before;
    proxy.kill('SIGTERM');
    await waitFor('the proxy report', () =>
      /requests failed/.test(proxyOut.split('chaos-proxy on')[1] ?? ''),
    );
    const report = /(\d+) forwarded, (\d+) requests failed \((\d+) attempts\)/.exec(proxyOut)!;
    const failed = Number(report[2]);
    // Each failed request was tried 3 times (the client's retries) and then answered by the fallback.
    expect(Number(report[3])).toBe(failed * 3);
    expect(viaFallback).toBe(failed);
    // About 20 % (binomial, 200 draws: 10..80 is far outside 5 standard deviations).
    expect(failed).toBeGreaterThan(10);
    expect(failed).toBeLessThan(80);
  });

  it('explains bad flags with exit code 2', async () => {
    for (const argv of [
      [],
      ['--target', 'not a url'],
      ['--target', 'http://127.0.0.1:1', '--fail-ratio', '1.5'],
    ]) {
      let err = '';
      const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) } };
      expect(await chaosProxyCommand(argv, {}, io)).toBe(2);
      expect(err).toMatch(/--target|--fail-ratio/);
      expect(err).toContain('usage: fallback chaos-proxy');
    }
  });
});
