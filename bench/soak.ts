// `npm run soak -- [--seconds 60] [--facts 1000000] [--swap-seconds 10] [--rate 100] [--connections 8]`:
// constant load over loopback (127.0.0.1 only) on the Node server in its own process, with a snapshot swap
// every --swap-seconds; bounded by --seconds (at most --rate x --seconds requests). Prints p50/p99 and, at each
// swap, RSS and the node's own memory gauges from /metrics. Exits 1 on any failed request, a missed swap, fewer
// than 5 swaps, a swap after which more than one database is open, or RSS growth of 10 % or more. RSS after a
// swap is the lowest of the samples (every 250 ms) until the next swap: garbage not yet collected comes and
// goes, a leaked database stays. Growth compares the mean of the later half of those lows with the earlier
// half; the first swap is a warm-up left out of both, because it is where the process first holds two
// databases at once and its allocators grow to their working size (measured: +10-15 MiB at 100k facts over
// the first two or three swaps, flat afterwards, while V8's heap and external memory stay flat throughout).
// The last stdout line is `@@SOAK {json}` (read by test/integration/soak.test.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { DB_FORMAT, loadSqlJs } from '../lib/engine/index.ts';
import { parsePolicy } from '../lib/polar/index.ts';
import { buildSnapshot, createManifest, createSnapshotId } from '../lib/snapshot/index.ts';
import { FileSnapshotStore } from '../lib/store/index.ts';
import { generateDataset } from './gen/github.ts';
import { DEPLOYED_ENV } from './lib/http-load.ts';
import { freePort, procRssMiB, ROOT, until } from './lib/proc.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    facts: { type: 'string', default: '1000000' },
    'swap-seconds': { type: 'string', default: '10' },
    rate: { type: 'string', default: '100' },
    connections: { type: 'string', default: '8' },
  },
});
const SECONDS = Number(values.seconds);
const FACTS = Number(values.facts);
const SWAP_MS = Number(values['swap-seconds']) * 1000;
const RATE = Number(values.rate);
const CONNECTIONS = Number(values.connections);
// the database format is in the name: a cache built by an older schema is not reused
const STORE_DIR = join(ROOT, '.data', 'soak', `store-${FACTS}-f${DB_FORMAT}`);
/** RSS growth allowed from the earlier half of the swaps to the later half. */
const MAX_GROWTH = 0.1;
/** One warm-up swap, then at least two on each side of the comparison. */
const MIN_SWAPS = 5;

/** Builds (once, cached in .data/soak) the snapshot of the generated data set. */
async function ensureStore(store: FileSnapshotStore) {
  const dataset = generateDataset({ facts: FACTS, seed: 1 });
  if ((await store.readPointer()) !== null) return dataset;
  const t0 = performance.now();
  const now = new Date();
  const built = buildSnapshot(await loadSqlJs(), {
    policy: parsePolicy([{ filename: 'github.polar', src: dataset.policy }]),
    facts: dataset.facts,
    id: createSnapshotId(now),
    createdAt: now.toISOString(),
    source: `soak:github-${FACTS}`,
    policyHash: 'soak',
    dataHash: 'soak',
    previousId: null,
  });
  await store.putSnapshot(built.manifest, built.body);
  await store.writePointer(
    { id: built.manifest.id, manifest: built.manifest, updatedAt: now.toISOString() },
    null,
  );
  console.log(
    `built the ${FACTS.toLocaleString()}-fact snapshot in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return dataset;
}

/** Publishes the current bytes again under a new id (what a sync with new data does to a node). */
async function republish(store: FileSnapshotStore): Promise<string> {
  const read = await store.readPointer();
  if (read === null || read === 'not-modified') throw new Error('no pointer');
  const { manifest, body } = await store.getSnapshot(read.pointer.id);
  const { formatVersion: _f, sha256: _s, size: _z, ...input } = manifest;
  const now = new Date();
  const next = createManifest(
    { ...input, id: createSnapshotId(now), createdAt: now.toISOString(), previousId: manifest.id },
    body,
  );
  await store.putSnapshot(next, body);
  await store.writePointer({ id: next.id, manifest: next, updatedAt: next.createdAt }, read.etag);
  // Keep the folder small: the snapshot two swaps back is no longer read by anyone.
  const ids = await store.listSnapshots();
  for (const old of ids.slice(0, -2)) await store.deleteSnapshot(old);
  return next.id;
}

async function healthId(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${url}/healthcheck`);
    return res.status === 200 ? ((await res.json()) as { snapshot?: string }).snapshot : undefined;
  } catch {
    return undefined;
  }
}

/** The memory gauges of the node's /metrics (bytes, and the open database count). */
async function scrapeMemory(url: string): Promise<{ openDbs: number; externalMiB: number; heapMiB: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => {
    const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
    if (m === null) throw new Error(`/metrics has no ${name}`);
    return Number(m[1]);
  };
  return {
    openDbs: read('oso_fallback_open_databases'),
    externalMiB: read('nodejs_external_memory_bytes') / 2 ** 20,
    heapMiB: read('nodejs_heap_size_used_bytes') / 2 ** 20,
  };
}

const post = (path: string, body: unknown) => ({
  method: 'POST' as const,
  path,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

mkdirSync(STORE_DIR, { recursive: true });
const store = new FileSnapshotStore(STORE_DIR);
const dataset = await ensureStore(store);
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const child: ChildProcess = spawn(
  process.execPath,
  ['--import', 'tsx', join(ROOT, 'functions', 'server.ts')],
  {
    cwd: ROOT,
    env: {
      ...process.env,
      // the deployed server's environment (the Dockerfile's and the Lambda function's): without it glibc's
      // moving mmap threshold lets RSS wander by up to 10 % from swap to swap (+0.3 to +8.2 % over four 24 s
      // runs at two commits, RELIABILITY.md); with it +0.6 to +0.8 % over three
      ...DEPLOYED_ENV,
      FALLBACK_STORE: `file:${STORE_DIR}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      FALLBACK_REFRESH_SECONDS: '0.5',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const killChild = () => child.kill('SIGKILL');
process.once('exit', killChild);

const failures: string[] = [];
const swaps: {
  id: string;
  afterMs: number;
  rssMiB: number;
  peakMiB: number;
  openDbs: number;
  externalMiB: number;
  heapMiB: number;
}[] = [];
/** Lowest RSS seen since the last swap (or since load started). */
let windowMin = Number.POSITIVE_INFINITY;
try {
  const t0 = performance.now();
  await until('the server to load its snapshot', async () => (await healthId(url)) !== undefined);
  console.log(
    `server ready in ${((performance.now() - t0) / 1000).toFixed(1)} s, RSS ${procRssMiB(child.pid!).rss.toFixed(0)} MiB`,
  );

  const checks = dataset.sampleChecks(2000, 11);
  const actor = (c: (typeof checks)[number]) => ({ actor_type: c.actor.type, actor_id: c.actor.id });
  // Authorize, with 1 in 20 requests an `actions` and 1 in 20 a `list` (first page) of the resource's type.
  const requests = checks.map((c, i) =>
    i % 20 === 1
      ? post('/api/actions', {
          ...actor(c),
          resource_type: c.resource.type,
          resource_id: c.resource.id,
          context_facts: [],
        })
      : i % 20 === 2
        ? post('/api/list', {
            ...actor(c),
            action: c.action,
            resource_type: c.resource.type,
            context_facts: [],
          })
        : post('/api/authorize', {
            ...actor(c),
            action: c.action,
            resource_type: c.resource.type,
            resource_id: c.resource.id,
            context_facts: [],
          }),
  );
  const started = performance.now();
  // overallRate (a constant request rate) and timeout are autocannon options its local typings leave out.
  const options = {
    url,
    connections: CONNECTIONS,
    overallRate: RATE,
    duration: SECONDS,
    timeout: 30,
    requests,
  };
  const load = autocannon(options);
  // Swaps while the load runs: publish, wait until the node answers from it, let it settle, sample RSS.
  const swapper = (async () => {
    for (let at = SWAP_MS; at < SECONDS * 1000; at += SWAP_MS) {
      const wait = started + at - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const id = await republish(store);
      try {
        // Loading 1M facts on a busy machine can outlast one interval; a node that never gets there fails.
        await until(`swap to ${id}`, async () => (await healthId(url)) === id, Math.max(SWAP_MS, 60_000));
      } catch (e) {
        failures.push(String(e));
        continue;
      }
      // The previous window ends here: its lowest RSS belongs to the previous swap.
      const previous = swaps.at(-1);
      if (previous !== undefined) previous.rssMiB = windowMin;
      windowMin = Number.POSITIVE_INFINITY;
      const { rss, peak } = procRssMiB(child.pid!);
      const mem = await scrapeMemory(url);
      swaps.push({
        id,
        afterMs: Math.round(performance.now() - started),
        rssMiB: rss,
        peakMiB: peak,
        ...mem,
      });
      console.log(
        `swap ${swaps.length} -> ${id} at ${(swaps.at(-1)!.afterMs / 1000).toFixed(1)} s: RSS ${rss.toFixed(0)} MiB (peak ${peak.toFixed(0)} MiB), external ${mem.externalMiB.toFixed(0)} MiB, V8 heap ${mem.heapMiB.toFixed(0)} MiB, ${mem.openDbs} open database(s)`,
      );
    }
  })();
  const sampler = setInterval(() => {
    windowMin = Math.min(windowMin, procRssMiB(child.pid!).rss);
  }, 250);
  const [r] = await Promise.all([load, swapper]);
  clearInterval(sampler);
  const lastSwap = swaps.at(-1);
  if (lastSwap !== undefined && Number.isFinite(windowMin)) lastSwap.rssMiB = windowMin;
  for (const [i, sw] of swaps.entries()) {
    console.log(`swap ${i + 1}: lowest RSS until the next swap ${sw.rssMiB.toFixed(0)} MiB`);
  }
  const failed = r.errors + r.timeouts + r.non2xx;
  const settled = swaps.slice(1);
  const half = Math.floor(settled.length / 2);
  const meanRss = (xs: typeof swaps) => xs.reduce((a, x) => a + x.rssMiB, 0) / Math.max(1, xs.length);
  const early = meanRss(settled.slice(0, half));
  const late = meanRss(settled.slice(settled.length - half));
  const growth = half === 0 ? 0 : (late - early) / early;
  const openDbsMax = Math.max(0, ...swaps.map((x) => x.openDbs));
  if (failed > 0)
    failures.push(
      `${failed} failed requests (${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx)`,
    );
  if (swaps.length < MIN_SWAPS)
    failures.push(`only ${swaps.length} swap(s) observed; need ${MIN_SWAPS} to compare RSS`);
  if (openDbsMax !== 1)
    failures.push(`after a swap ${openDbsMax} databases were open; the old one must be closed by then`);
  if (growth >= MAX_GROWTH)
    failures.push(`RSS grew ${(growth * 100).toFixed(1)} % from the earlier swaps to the later ones`);
  const result = {
    facts: FACTS,
    seconds: SECONDS,
    requests: r.requests.total,
    ok: r['2xx'],
    failed,
    reqPerSec: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    swaps: swaps.length,
    rssEarlyMiB: Math.round(early),
    rssLateMiB: Math.round(late),
    rssGrowthPct: Number((growth * 100).toFixed(1)),
    peakMiB: Math.round(swaps.at(-1)?.peakMiB ?? 0),
    openDbsMax,
    externalMiB: swaps.map((x) => Math.round(x.externalMiB)),
    failures,
  };
  console.log(
    `${result.requests} requests in ${SECONDS} s (${result.reqPerSec} req/s), ${result.failed} failed; p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms`,
  );
  console.log(
    `${result.swaps} swaps; RSS earlier half ${result.rssEarlyMiB} MiB, later half ${result.rssLateMiB} MiB (${result.rssGrowthPct} %), peak ${result.peakMiB} MiB; at most ${openDbsMax} open database(s) after a swap`,
  );
  console.log(failures.length === 0 ? 'soak passed' : `soak FAILED: ${failures.join('; ')}`);
  console.log(`@@SOAK ${JSON.stringify(result)}`);
  process.exitCode = failures.length === 0 ? 0 : 1;
} finally {
  child.kill('SIGTERM');
}
