// `npm run bench:sync-oso [-- --facts 1000000]`: the oso: case of the sync benchmark. A dev server (the
// Oso-compatible primary) runs in a child process; the sync pulls every fact from it over loopback and
// builds and publishes a snapshot into a file: store. Prints pull and whole-sync facts per second.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Fact } from '../lib/polar/index.ts';
import { OsoSource, type Source } from '../lib/source/index.ts';
import { openStore } from '../lib/store/index.ts';
import { runSync } from '../lib/sync/index.ts';
import { generateDataset } from './gen/github.ts';

const { values } = parseArgs({ options: { facts: { type: 'string', default: '1000000' } } });
const N = Number(values.facts);
const KEY = 'e_0123456789_12345_osotesttoken01xiIn';
const CHUNK = 100_000;

async function startDev(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/cli.ts', 'dev', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const url = (JSON.parse(line) as { url?: string }).url;
    if (url !== undefined) return { child, url };
  }
  throw new Error('dev server exited before listening');
}

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
}

const dataset = generateDataset({ facts: N });
const { child, url } = await startDev();
const dir = mkdtempSync(join(tmpdir(), 'bench-sync-oso-'));
try {
  let t = performance.now();
  await post(`${url}/api/policy`, { src: dataset.policy, filename: 'github.polar' });
  let chunk: Fact[] = [];
  for (const f of dataset.facts) {
    chunk.push(f);
    if (chunk.length === CHUNK) {
      await post(`${url}/api/bulk_load`, chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) await post(`${url}/api/bulk_load`, chunk);
  console.log(
    `loaded ${N.toLocaleString('en-US')} facts into the dev server in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  const oso = new OsoSource(url, { apiKey: KEY });
  let pullSeconds = 0;
  // Times the pull alone: OsoSource.read() returns once every partition is fetched and parsed.
  const timed: Source = {
    description: oso.description,
    async read() {
      const started = performance.now();
      const data = await oso.read();
      pullSeconds = (performance.now() - started) / 1000;
      return data;
    },
  };
  t = performance.now();
  // When each phase of the sync began (ms since the start), for the breakdown below.
  const phases: Record<string, number> = {};
  const summary = await runSync({
    source: timed,
    store: openStore(`file:${dir}`),
    onProgress: (p) => {
      phases[p.phase] ??= p.elapsedMs;
    },
  });
  const total = (performance.now() - t) / 1000;
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(
    `oso: pull ${summary.facts.toLocaleString('en-US')} facts in ${pullSeconds.toFixed(1)} s ` +
      `(${Math.round(summary.facts / pullSeconds).toLocaleString('en-US')} facts/s)`,
  );
  const at = (k: string) => ((phases[k] ?? 0) / 1000).toFixed(1);
  console.log(
    `oso: phases (s from start): read+check ends ${at('build')}, build ends ${at('publish')}, done ${total.toFixed(1)}`,
  );
  console.log(
    `oso: pull + build + publish ${total.toFixed(1)} s (${Math.round(summary.facts / total).toLocaleString('en-US')} facts/s), ` +
      `snapshot ${(summary.bytes / 2 ** 20).toFixed(1)} MiB, rss ${rss.toFixed(0)} MiB, target < 60 s: ${total < 60 ? 'met' : 'MISSED'}`,
  );
} finally {
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
