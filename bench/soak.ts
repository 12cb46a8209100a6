// `npm run soak -- [--seconds 60] [--facts 1000000] [--swap-seconds 10] [--rate 100] [--connections 8]`:
// constant load over loopback (127.0.0.1 only) on the Node server in its own process, with a snapshot swap
// every --swap-seconds; bounded by --seconds (at most --rate x --seconds requests). Prints p50/p99 and RSS at each
// swap; exits 1 on any failed request, a missed swap, or RSS growth of 10 % or more from the first to the
// last swap. RSS after a swap is the lowest of the samples (every 250 ms) until the next swap: garbage not yet
// collected comes and goes, a leaked database stays. The last stdout line is `@@SOAK {json}` (read by
// test/integration/soak.test.ts).
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
/** RSS growth allowed from the first swap to the last one. */
const MAX_GROWTH = 0.1;

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
const swaps: { id: string; afterMs: number; rssMiB: number; peakMiB: number }[] = [];
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
  // Authorize with 1 in 20 actions; list stays out so that runs compare with earlier ones (see RELIABILITY.md).
  const requests = checks.map((c, i) =>
    i % 20 === 1
      ? post('/api/actions', {
          ...actor(c),
          resource_type: c.resource.type,
          resource_id: c.resource.id,
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
      swaps.push({ id, afterMs: Math.round(performance.now() - started), rssMiB: rss, peakMiB: peak });
      console.log(
        `swap ${swaps.length} -> ${id} at ${(swaps.at(-1)!.afterMs / 1000).toFixed(1)} s: RSS ${rss.toFixed(0)} MiB (peak ${peak.toFixed(0)} MiB)`,
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
  const first = swaps[0];
  const last = swaps.at(-1);
  const growth = first === undefined || last === undefined ? 0 : (last.rssMiB - first.rssMiB) / first.rssMiB;
  if (failed > 0)
    failures.push(
      `${failed} failed requests (${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx)`,
    );
  if (swaps.length < 2) failures.push(`only ${swaps.length} swap(s) observed; need 2 to compare RSS`);
  if (growth >= MAX_GROWTH)
    failures.push(`RSS grew ${(growth * 100).toFixed(1)} % from the first to the last swap`);
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
    rssFirstSwapMiB: Math.round(first?.rssMiB ?? 0),
    rssLastSwapMiB: Math.round(last?.rssMiB ?? 0),
    rssGrowthPct: Number((growth * 100).toFixed(1)),
    peakMiB: Math.round(last?.peakMiB ?? 0),
    failures,
  };
  console.log(
    `${result.requests} requests in ${SECONDS} s (${result.reqPerSec} req/s), ${result.failed} failed; p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms`,
  );
  console.log(
    `${result.swaps} swaps; RSS first swap ${result.rssFirstSwapMiB} MiB, last swap ${result.rssLastSwapMiB} MiB (${result.rssGrowthPct} %), peak ${result.peakMiB} MiB`,
  );
  console.log(failures.length === 0 ? 'soak passed' : `soak FAILED: ${failures.join('; ')}`);
  console.log(`@@SOAK ${JSON.stringify(result)}`);
  process.exitCode = failures.length === 0 ? 0 : 1;
} finally {
  child.kill('SIGTERM');
}
