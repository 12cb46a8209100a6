// `npm run bench:sync [-- --facts 100000,1000000]`: builds snapshots from a generated dir: source into a
// file: store and a local s3rver, with and without gzip; prints build, size, upload and load figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSqlJs } from '../lib/engine/index.ts';
import {
  createManifest,
  decodeBody,
  encodeBody,
  type SnapshotEncoding,
  type SnapshotManifest,
} from '../lib/snapshot/index.ts';
import { openSource } from '../lib/source/index.ts';
import { openStore, type S3SnapshotStore, type SnapshotStore } from '../lib/store/index.ts';
import { runSync, type SyncProgress } from '../lib/sync/index.ts';
import { S3RVER_CREDENTIALS, startS3rver } from '../test/support/s3rver.ts';
import { writeDatasetDir } from './gen/github.ts';
import { loadLatest, publishSnapshot as publish, timed } from './lib/snapshot-io.ts';

const { values } = parseArgs({
  options: { facts: { type: 'string', default: '100000,1000000' }, oso: { type: 'string', default: 'run' } },
});
const SIZES = values.facts.split(',').map(Number);
const sql = await loadSqlJs();
const MiB = 1024 * 1024;
const secs = (ms: number) => (ms / 1000).toFixed(2);

/** Load = read pointer + download + verify + open (what a serving node does on start). */
async function load(store: SnapshotStore): Promise<{ download: number; open: number }> {
  const { opened, download, open } = await loadLatest(sql, store);
  opened.engine.close();
  return { download, open };
}

const work = mkdtempSync(join(tmpdir(), 'bench-sync-'));
const s3 = await startS3rver(['bench-bucket']);
const rows: string[] = [];
try {
  for (const n of SIZES) {
    const dir = join(work, `src-${n}`);
    const [, genMs] = await timed(() => writeDatasetDir(dir, { facts: n, seed: 1 }));
    const phases: Partial<Record<SyncProgress['phase'], number>> = {};
    const fileStore = openStore(`file:${join(work, `file-${n}-gzip`)}`);
    const summary = await runSync({
      source: openSource(`dir:${dir}`),
      store: fileStore,
      sql,
      onProgress: (p) => {
        phases[p.phase] ??= p.elapsedMs;
      },
    });
    const total = summary.seconds * 1000;
    const readMs = phases.build ?? 0;
    const buildMs = (phases.publish ?? total) - readMs;
    const publishMs = total - (phases.publish ?? total);
    console.log(
      `${n} facts: generated in ${secs(genMs)} s; sync ${secs(total)} s = read+check ${secs(readMs)} s ` +
        `(${Math.round(n / (readMs / 1000))} facts/s) + build+encode ${secs(buildMs)} s + publish ${secs(publishMs)} s`,
    );
    const gz = await fileStore.getSnapshot(summary.id);
    const raw = decodeBody(gz.body, 'gzip', summary.id);
    const variants: Record<SnapshotEncoding, { manifest: SnapshotManifest; body: Uint8Array }> = {
      gzip: gz,
      none: { manifest: createManifest({ ...gz.manifest, encoding: 'none' }, raw), body: raw },
    };
    const [, gzipMs] = await timed(() => encodeBody(raw, 'gzip'));
    const [, gunzipMs] = await timed(() => decodeBody(gz.body, 'gzip', summary.id));
    console.log(`  gzip level 1: encode ${secs(gzipMs)} s, decode ${secs(gunzipMs)} s`);
    for (const enc of ['gzip', 'none'] as const) {
      const { manifest, body } = variants[enc];
      const file = enc === 'gzip' ? fileStore : openStore(`file:${join(work, `file-${n}-none`)}`);
      if (enc === 'none') await publish(file, manifest, body);
      const fl = await load(file);
      const s3Store = openStore(`s3://bench-bucket/${n}-${enc}`, {
        endpoint: s3.endpoint,
        credentials: S3RVER_CREDENTIALS,
      }) as S3SnapshotStore;
      const uploadMs = await publish(s3Store, manifest, body);
      const sl = await load(s3Store);
      s3Store.destroy();
      rows.push(
        `| ${n.toLocaleString('en-US')} | ${enc} | ${enc === 'gzip' ? secs(total) : '(same build)'} | ${(body.byteLength / MiB).toFixed(1)} | ` +
          `${(raw.byteLength / MiB).toFixed(1)} | ${secs(uploadMs)} | ${secs(fl.download + fl.open)} ` +
          `(${secs(fl.download)} + ${secs(fl.open)}) | ${secs(sl.download + sl.open)} (${secs(sl.download)} + ${secs(sl.open)}) |`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    '\n| facts | encoding | sync s (build) | stored MiB | raw MiB | s3 upload s | file load s (read + verify/open) | s3 load s (download + verify/open) |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
} finally {
  await s3.stop();
  rmSync(work, { recursive: true, force: true });
}

// --- oso: case (bench/sync-oso.ts): pull the largest size from a dev server over loopback, then build. ---
if (values.oso !== 'skip') {
  const { spawnSync } = await import('node:child_process');
  const largest = String(Math.max(...SIZES));
  console.log(`\noso: case, ${Number(largest).toLocaleString('en-US')} facts (skip with --oso skip):`);
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/sync-oso.ts', '--facts', largest], {
    stdio: 'inherit',
  });
}
