import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'sql.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSqlJs } from '../../../lib/engine/sqljs.ts';
import type { Engine } from '../../../lib/engine/types.ts';
import { SnapshotHolder, type SnapshotOpener } from '../../../lib/serving/index.ts';
import { openVerifiedDatabase, type SnapshotManifest, serialiseJson } from '../../../lib/snapshot/index.ts';
import { FileSnapshotStore } from '../../../lib/store/index.ts';
import { snapshotOf, tinyDatabase } from '../../support/snapshot-fixtures.ts';

type SqlJs = Awaited<ReturnType<typeof loadSqlJs>>;
let sql: SqlJs;
const dirs: string[] = [];

beforeAll(async () => {
  sql = await loadSqlJs();
});
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Our Engine port over a verified database: only what the holder touches is real. */
function dbEngine(db: Database): Engine & { isClosed(): boolean } {
  let closed = false;
  const unused = () => {
    throw new Error('not used by the holder');
  };
  return {
    authorize: unused,
    authorizeResources: unused,
    list: unused,
    actions: unused,
    evaluateQuery: unused,
    queryFacts: unused,
    getFacts: unused,
    policyMetadata: unused,
    factCount: () => Number(db.exec('SELECT count(*) FROM t')[0]!.values[0]![0]),
    close() {
      closed = true;
      db.close();
    },
    isClosed: () => closed,
  };
}

const opener: SnapshotOpener = (manifest, body) => ({
  manifest,
  engine: dbEngine(openVerifiedDatabase(sql, manifest, body)),
});

async function newStore() {
  const dir = await mkdtemp(join(tmpdir(), 'holder-'));
  dirs.push(dir);
  return { dir, store: new FileSnapshotStore(dir) };
}

async function publish(
  store: FileSnapshotStore,
  at: string,
  rows = 50,
  corrupt = false,
): Promise<SnapshotManifest> {
  const { manifest, body } = snapshotOf(tinyDatabase(sql, true, rows), { at: new Date(at) });
  if (corrupt) body[body.length - 1] = body[body.length - 1]! ^ 0xff;
  await store.putSnapshot(manifest, body);
  const read = await store.readPointer();
  const etag = read === null || read === 'not-modified' ? null : read.etag;
  await store.writePointer({ id: manifest.id, manifest, updatedAt: at }, etag);
  return manifest;
}

describe('SnapshotHolder', () => {
  it('stays not ready on an empty store, then loads, polls cheaply and swaps to newer snapshots', async () => {
    const { store } = await newStore();
    let now = Date.parse('2026-11-25T19:00:00Z');
    const holder = new SnapshotHolder({ store, open: opener, clock: () => now, refreshIntervalMs: 10_000 });
    expect(await holder.start(false)).toBe(false);
    expect(holder.current()).toBeNull();

    const first = await publish(store, '2026-11-25T19:00:01.000Z', 10);
    expect(await holder.refresh()).toBe('loaded');
    const loaded = holder.current()!;
    expect(loaded.manifest.id).toBe(first.id);
    expect(loaded.engine.factCount()).toBe(10);
    expect(loaded.freshAt).toBe(Date.parse('2026-11-25T19:00:01.000Z'));
    expect(await holder.refresh()).toBe('unchanged');

    // Not due until the interval has passed.
    expect(holder.refreshIfDue()).toBeNull();
    now += 10_000;
    const second = await publish(store, '2026-11-25T19:00:11.000Z', 20);
    expect(await holder.refreshIfDue()).toBe('loaded');
    expect(holder.current()!.manifest.id).toBe(second.id);
    expect(holder.current()!.engine.factCount()).toBe(20);
    // The old engine is released after the swap.
    expect((loaded.engine as ReturnType<typeof dbEngine>).isClosed()).toBe(true);
    expect(holder.stats()).toMatchObject({ loads: 2, refreshFailures: 0 });
    holder.stop();
  });

  it('keeps the current snapshot when a newer one is corrupt, and counts the failure', async () => {
    const { store } = await newStore();
    const holder = new SnapshotHolder({ store, open: opener });
    const good = await publish(store, '2026-11-25T19:00:01.000Z');
    await holder.start(false);
    await publish(store, '2026-11-25T19:00:02.000Z', 50, true);
    expect(await holder.refresh()).toBe('failed');
    expect(holder.current()!.manifest.id).toBe(good.id);
    expect(holder.stats().refreshFailures).toBe(1);
    holder.stop();
  });

  it('never moves to an older snapshot id', async () => {
    const { dir, store } = await newStore();
    const holder = new SnapshotHolder({ store, open: opener });
    const old = await publish(store, '2026-11-25T19:00:01.000Z');
    const newer = await publish(store, '2026-11-25T19:00:02.000Z');
    await holder.start(false);
    expect(holder.current()!.manifest.id).toBe(newer.id);
    // An operator hand-edits the pointer back (the store itself refuses to).
    await writeFile(
      join(dir, 'latest.json'),
      serialiseJson({ id: old.id, manifest: old, updatedAt: old.createdAt }),
    );
    expect(await holder.refresh()).toBe('older');
    expect(holder.current()!.manifest.id).toBe(newer.id);
    holder.stop();
  });

  it('treats a rewritten pointer to the same snapshot as fresh evidence', async () => {
    const { dir, store } = await newStore();
    const holder = new SnapshotHolder({ store, open: opener });
    const m = await publish(store, '2026-11-25T19:00:01.000Z');
    await holder.start(false);
    await writeFile(
      join(dir, 'latest.json'),
      serialiseJson({ id: m.id, manifest: m, updatedAt: '2026-11-25T20:00:00.000Z' }),
    );
    expect(await holder.refresh()).toBe('unchanged');
    expect(holder.current()!.freshAt).toBe(Date.parse('2026-11-25T20:00:00.000Z'));
    expect(holder.stats().loads).toBe(1);
    holder.stop();
  });

  it('backs off while the store is unreachable and loads once it is back', async () => {
    const { dir } = await newStore();
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    let now = 0;
    const broken = new SnapshotHolder({
      store: new FileSnapshotStore(join(blocker, 'store')),
      open: opener,
      clock: () => now,
      retryInitialMs: 100,
      retryMaxMs: 400,
    });
    expect(await broken.start(false)).toBe(false);
    expect(broken.stats().refreshFailures).toBe(1);
    now = 99;
    expect(broken.refreshIfDue()).toBeNull();
    now = 100;
    expect(await broken.refreshIfDue()).toBe('failed');
    now = 100 + 199;
    expect(broken.refreshIfDue()).toBeNull(); // second miss waits 200 ms
    now = 100 + 200;
    expect(await broken.refreshIfDue()).toBe('failed');
    expect(broken.stats().refreshFailures).toBe(3);
    broken.stop();
  });

  it('polls in the background after start()', async () => {
    const { store } = await newStore();
    const holder = new SnapshotHolder({
      store,
      open: opener,
      retryInitialMs: 5,
      retryMaxMs: 5,
      refreshIntervalMs: 5,
    });
    await holder.start();
    const m = await publish(store, '2026-11-25T19:00:01.000Z');
    await expect.poll(() => holder.current()?.manifest.id, { timeout: 5000, interval: 10 }).toBe(m.id);
    holder.stop();
    expect(holder.current()).toBeNull();
  });
});
