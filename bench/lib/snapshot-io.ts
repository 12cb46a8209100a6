// Snapshot load/publish as a serving node and the sync job do them, timed (shared by bench/sync.ts and bench/bench.ts).
import type { SqlJsStatic } from 'sql.js';
import { type OpenedSnapshot, openSnapshot, type SnapshotManifest } from '../../lib/snapshot/index.ts';
import type { SnapshotStore } from '../../lib/store/index.ts';

/** Runs `fn` and returns its result with the elapsed milliseconds. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t = performance.now();
  const out = await fn();
  return [out, performance.now() - t];
}

/** Load = read pointer + download + verify + open (what a serving node does on start); ms per phase. */
export async function loadLatest(
  sql: SqlJsStatic,
  store: SnapshotStore,
): Promise<{ opened: OpenedSnapshot; download: number; open: number }> {
  const [snap, download] = await timed(async () => {
    const p = await store.readPointer();
    if (p === null || p === 'not-modified') throw new Error('no pointer');
    return store.getSnapshot(p.pointer.id);
  });
  const [opened, open] = await timed(() => openSnapshot(sql, snap.manifest, snap.body));
  return { opened, download, open };
}

/** Puts a snapshot and moves the pointer to it (no previous pointer expected); returns ms. */
export async function publishSnapshot(
  store: SnapshotStore,
  manifest: SnapshotManifest,
  body: Uint8Array,
): Promise<number> {
  const [, ms] = await timed(async () => {
    await store.putSnapshot(manifest, body);
    await store.writePointer({ id: manifest.id, manifest, updatedAt: new Date().toISOString() }, null);
  });
  return ms;
}
