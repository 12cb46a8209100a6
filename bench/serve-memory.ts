// `npx tsx bench/serve-memory.ts [--facts 1000000]`: where a serving process's memory goes. Loads the
// snapshot `npm run bench:http` cached in .data/, then swaps in a copy under a newer id, sampling RSS
// every 5 ms; prints rss/heap/external/arrayBuffers (and /proc's anonymous vs file-backed RSS) after load,
// the peak during the swap and after it settles; writes the database file for a per-table size breakdown.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createServing } from '../lib/cli/runtime.ts';
import { DB_FORMAT } from '../lib/engine/index.ts';
import { silentLogger } from '../lib/http/index.ts';
import { createManifest, createSnapshotId, decodeBody } from '../lib/snapshot/index.ts';
import { FileSnapshotStore, pruneSnapshots } from '../lib/store/index.ts';

const { values } = parseArgs({ options: { facts: { type: 'string', default: '1000000' } } });
const DIR = join(
  resolve(import.meta.dirname, '..'),
  '.data',
  'bench-http',
  `store-${values.facts}-f${DB_FORMAT}`,
);
const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

function procRss(): { anon: number; file: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
}

function report(label: string): void {
  const m = process.memoryUsage();
  const p = procRss();
  console.log(
    `${label.padEnd(22)} rss ${mib(m.rss)} (anon ${mib(p.anon)}, file ${mib(p.file)}) heapUsed ${mib(m.heapUsed)}` +
      ` heapTotal ${mib(m.heapTotal)} external ${mib(m.external)} arrayBuffers ${mib(m.arrayBuffers)}`,
  );
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
};

report('start');
const store = new FileSnapshotStore(DIR);
const serving = await createServing({ store, logger: silentLogger, refreshIntervalMs: 3_600_000 });
report('sql.js loaded');
await serving.holder.start(false);
await settle();
report('after load');

/** Publishes a copy of the current snapshot under a newer id (a real swap of the same size). */
async function publishCopy(): Promise<string> {
  const read = await store.readPointer();
  if (read === null || read === 'not-modified')
    throw new Error(`no snapshot in ${DIR}: run npm run bench:http`);
  const { manifest, body } = await store.getSnapshot(read.pointer.id);
  const { formatVersion: _f, sha256: _s, size: _z, ...input } = manifest;
  const next = createManifest({ ...input, id: createSnapshotId(new Date()), previousId: manifest.id }, body);
  await store.putSnapshot(next, body);
  await store.writePointer({ id: next.id, manifest: next, updatedAt: new Date().toISOString() }, read.etag);
  // sql.js is built without dbstat: the file is for SQLite's CLI (or Python's sqlite3) to break down.
  const file = join(DIR, 'current.sqlite');
  writeFileSync(file, decodeBody(body, manifest.encoding, manifest.id, manifest.rawSize));
  return file;
}
const file = await publishCopy();
await settle();
report('before swap');
let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 5);
const started = performance.now();
const outcome = await serving.holder.refresh();
const swapMs = performance.now() - started;
clearInterval(sampler);
console.log(`swap: ${outcome} in ${swapMs.toFixed(0)} ms; peak rss during swap ${mib(peak)}`);
report('right after swap');
await settle();
report('after swap + gc');
serving.holder.stop();
await pruneSnapshots(store, 2); // the copy stays current; keep the cache from growing
console.log(
  `\nper table and index: sqlite3 ${file} "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"`,
);
