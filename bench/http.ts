// `npm run bench:http [-- --facts 1000000 --seconds 10 --connections 16]`: the bundled Node server in its own
// process over loopback, driven by autocannon (authorize only, then a mix of authorize/list/actions);
// prints req/s, p50/p99, RSS after load and peak RSS across a snapshot swap; then the cold start of the
// bundled Lambda handler (process start to first answer, snapshot load included).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DB_FORMAT, loadSqlJs } from '../lib/engine/index.ts';
import { parsePolicy } from '../lib/polar/index.ts';
import { buildSnapshot, createManifest, createSnapshotId } from '../lib/snapshot/index.ts';
import { FileSnapshotStore } from '../lib/store/index.ts';
import { generateDataset } from './gen/github.ts';
import { coldStarts, DEPLOYED_ENV, drive, requestSets } from './lib/http-load.ts';
import { bundle, freePort, procRssMiB, ROOT, until } from './lib/proc.ts';

const { values } = parseArgs({
  options: {
    facts: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
  },
});
const FACTS = Number(values.facts);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const WORK = join(ROOT, '.data', 'bench-http');
// the database format is in the name: a cache built by an older schema is not reused
const STORE_DIR = join(WORK, `store-${FACTS}-f${DB_FORMAT}`);
const ms = (n: number) => `${n.toFixed(2)} ms`;
const mib = (n: number) => `${n.toFixed(0)} MiB`;

/** Builds (once, cached in .data/) the snapshot of the generated data set. */
async function ensureStore(store: FileSnapshotStore) {
  const dataset = generateDataset({ facts: FACTS, seed: 1 });
  if ((await store.readPointer()) !== null) return dataset;
  const started = performance.now();
  const built = buildSnapshot(await loadSqlJs(), {
    policy: parsePolicy([{ filename: 'github.polar', src: dataset.policy }]),
    facts: dataset.facts,
    id: createSnapshotId(new Date()),
    createdAt: new Date().toISOString(),
    source: `bench:github-${FACTS}`,
    policyHash: 'bench',
    dataHash: 'bench',
    previousId: null,
  });
  await store.putSnapshot(built.manifest, built.body);
  await store.writePointer(
    { id: built.manifest.id, manifest: built.manifest, updatedAt: built.manifest.createdAt },
    null,
  );
  console.log(
    `built ${FACTS.toLocaleString()}-fact snapshot in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return dataset;
}

/** Publishes the current snapshot's bytes again under a new id: a swap with the same data. */
async function republish(store: FileSnapshotStore): Promise<string> {
  const read = await store.readPointer();
  if (read === null || read === 'not-modified') throw new Error('no pointer');
  const { manifest, body } = await store.getSnapshot(read.pointer.id);
  const { formatVersion: _f, sha256: _s, size: _z, ...input } = manifest;
  const next = createManifest({ ...input, id: createSnapshotId(new Date()), previousId: manifest.id }, body);
  await store.putSnapshot(next, body);
  await store.writePointer({ id: next.id, manifest: next, updatedAt: next.createdAt }, read.etag);
  return next.id;
}

async function health(url: string): Promise<{ status: number; snapshot?: string }> {
  try {
    const res = await fetch(`${url}/healthcheck`);
    const body = (await res.json()) as { snapshot?: string };
    return { status: res.status, snapshot: body.snapshot };
  } catch {
    return { status: 0 };
  }
}

async function load(url: string, name: string, requests: ReturnType<typeof requestSets>['authorize']) {
  const r = await drive(url, requests, SECONDS, CONNECTIONS);
  console.log(
    `${name.padEnd(24)} ${r.reqPerSec.toFixed(0).padStart(7)} req/s  p50 ${ms(r.p50Ms)}  p99 ${ms(r.p99Ms)}  (${r.ok} ok, ${r.failed} failed)`,
  );
}

mkdirSync(WORK, { recursive: true });
const store = new FileSnapshotStore(STORE_DIR);
const dataset = await ensureStore(store);
const serverJs = await bundle('functions/server.ts', join(WORK, 'server.mjs'));
const lambdaJs = await bundle('functions/serve-lambda.ts', join(WORK, 'serve-lambda.mjs'));
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const env = {
  ...process.env,
  FALLBACK_STORE: `file:${STORE_DIR}`,
  PORT: String(port),
  HOST: '127.0.0.1',
  FALLBACK_REFRESH_SECONDS: '1',
  ...DEPLOYED_ENV,
};
const child: ChildProcess = spawn(process.execPath, [serverJs], {
  env,
  stdio: ['ignore', 'ignore', 'inherit'],
});
try {
  const t0 = performance.now();
  await until('the server to load its snapshot', async () => (await health(url)).status === 200);
  console.log(
    `node server ready (${FACTS.toLocaleString()} facts) in ${ms(performance.now() - t0)}; RSS ${mib(procRssMiB(child.pid!).rss)}`,
  );

  const checks = dataset.sampleChecks(2000, 7);
  const { authorize, mix } = requestSets(checks);
  await load(url, 'warm-up (authorize)', authorize.slice(0, 200));
  await load(url, 'authorize', authorize);
  // Folder checks walk a 10-deep recursive chain; without them the figure shows the non-recursive path.
  const flat = authorize.filter((_, i) => checks[i]!.resource.type !== 'Folder');
  await load(url, 'authorize (no Folder)', flat);
  await load(url, 'mix 80/10/10 auth/list/act', mix);
  const after = procRssMiB(child.pid!);
  console.log(`RSS after load ${mib(after.rss)} (peak so far ${mib(after.peak)})`);

  const next = await republish(store);
  await until('the swap', async () => (await health(url)).snapshot === next);
  const swapped = procRssMiB(child.pid!);
  // The old WASM heap goes when V8 collects it; keep some traffic going meanwhile.
  await load(url, 'authorize after swap', authorize);
  console.log(
    `snapshot swap: peak RSS ${mib(swapped.peak)}, RSS right after ${mib(swapped.rss)}, ${SECONDS} s later ${mib(procRssMiB(child.pid!).rss)}`,
  );
} finally {
  child.kill('SIGTERM');
}

// Cold start: a fresh process imports the Lambda bundle, loads the snapshot and answers one ALB event.
const cold = await coldStarts(lambdaJs, `file:${STORE_DIR}`, dataset.sampleChecks(1, 7)[0]!, 3, WORK);
const colds = cold.seconds.map((s) => s * 1000).sort((a, b) => a - b);
console.log(`lambda bundle first answer: ${cold.answer}`);
console.log(
  `lambda cold start (process start to first answer, ${FACTS.toLocaleString()} facts from file:): median ${ms(colds[1]!)} (min ${ms(colds[0]!)}, max ${ms(colds[2]!)})`,
);
if (!existsSync(STORE_DIR)) process.exitCode = 1;
