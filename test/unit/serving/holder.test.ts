import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSqlJs } from '../../../lib/engine/sqljs.ts';
import { SnapshotHolder, type SnapshotOpener } from '../../../lib/serving/index.ts';
import {
  createManifest,
  createSnapshotId,
  openSnapshot,
  openSnapshotChunksInBackground,
  type SnapshotManifest,
  serialiseJson,
} from '../../../lib/snapshot/index.ts';
import { FileSnapshotStore } from '../../../lib/store/index.ts';
import { publishSnapshot } from '../../support/serve-fixtures.ts';

type SqlJs = Awaited<ReturnType<typeof loadSqlJs>>;
let sql: SqlJs;
const dirs: string[] = [];

beforeAll(async () => {
  sql = await loadSqlJs();
});
afterAll(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const opener: SnapshotOpener = (manifest, body) => openSnapshot(sql, manifest, body);
const POLICY = [{ filename: 'p.polar', src: 'actor User {}\nresource Org { roles = ["admin"]; }\n' }];

async function newStore() {
  const dir = await mkdtemp(join(tmpdir(), 'holder-'));
  dirs.push(dir);
  return { dir, store: new FileSnapshotStore(dir) };
}

/** Publishes a real snapshot with `n` facts (a real policy and engine database). */
async function publish(store: FileSnapshotStore, n: number): Promise<SnapshotManifest> {
  const facts = Array.from({ length: n }, (_, i) => ({
    predicate: 'has_role',
    args: [
      { type: 'User', id: `u${i}` },
      { type: 'String', id: 'admin' },
      { type: 'Org', id: 'acme' },
    ],
  }));
  return publishSnapshot(store, POLICY, facts);
}

/** Publishes a newer snapshot whose stored bytes do not match its manifest. */
async function publishCorrupt(store: FileSnapshotStore): Promise<void> {
  const read = await store.readPointer();
  if (read === null || read === 'not-modified') throw new Error('no pointer');
  const { manifest, body } = await store.getSnapshot(read.pointer.id);
  const { formatVersion: _f, sha256: _s, size: _z, ...input } = manifest;
  const next = createManifest({ ...input, id: createSnapshotId(new Date(Date.now() + 60_000)) }, body);
  const bad = body.slice();
  bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
  await store.putSnapshot(next, bad);
  await store.writePointer({ id: next.id, manifest: next, updatedAt: next.createdAt }, read.etag);
}

describe('SnapshotHolder', () => {
  it('stays not ready on an empty store, then loads, polls cheaply and swaps to newer snapshots', async () => {
    const { store } = await newStore();
    let now = Date.parse('2026-11-25T19:00:00Z');
    let loads = 0;
    // what was served while the hook ran: nothing before the first load, the new snapshot at a swap
    const serving: (string | null)[] = [];
    const holder: SnapshotHolder = new SnapshotHolder({
      store,
      open: opener,
      clock: () => now,
      refreshIntervalMs: 10_000,
      afterLoad: async () => {
        loads++;
        serving.push(holder.current()?.manifest.id ?? null);
        await new Promise((r) => setImmediate(r));
      },
    });
    expect(await holder.start(false)).toBe(false);
    expect(holder.current()).toBeNull();

    const first = await publish(store, 10);
    expect(await holder.refresh()).toBe('loaded');
    const loaded = holder.current()!;
    expect(loaded.manifest.id).toBe(first.id);
    expect(loaded.engine.factCount()).toBe(10);
    expect(loaded.freshAt).toBe(Date.parse(first.createdAt));
    expect(loads).toBe(1);
    expect(await holder.refresh()).toBe('unchanged');

    // Not due until the interval has passed.
    expect(holder.refreshIfDue()).toBeNull();
    now += 10_000;
    const second = await publish(store, 20);
    expect(await holder.refreshIfDue()).toBe('loaded');
    expect(holder.current()!.manifest.id).toBe(second.id);
    expect(holder.current()!.engine.factCount()).toBe(20);
    // The old engine is released after the swap.
    expect(() => loaded.engine.factCount()).toThrow();
    expect(loads).toBe(2);
    expect(serving).toEqual([null, second.id]);
    expect(holder.stats()).toMatchObject({ loads: 2, refreshFailures: 0 });
    holder.stop();
  });

  it('keeps the current snapshot when a newer one is corrupt, and counts the failure', async () => {
    const { store } = await newStore();
    const holder = new SnapshotHolder({ store, open: opener });
    const good = await publish(store, 5);
    await holder.start(false);
    await publishCorrupt(store);
    expect(await holder.refresh()).toBe('failed');
    expect(holder.current()!.manifest.id).toBe(good.id);
    expect(holder.stats().refreshFailures).toBe(1);
    holder.stop();
  });

  it('never moves to an older snapshot id', async () => {
    const { dir, store } = await newStore();
    const holder = new SnapshotHolder({ store, open: opener });
    const old = await publish(store, 1);
    const newer = await publish(store, 2);
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
    const m = await publish(store, 1);
    await holder.start(false);
    // Later than the snapshot's creation, whenever the test runs.
    const confirmed = new Date(Date.parse(m.createdAt) + 3_600_000).toISOString();
    await writeFile(join(dir, 'latest.json'), serialiseJson({ id: m.id, manifest: m, updatedAt: confirmed }));
    expect(await holder.refresh()).toBe('unchanged');
    expect(holder.current()!.freshAt).toBe(Date.parse(confirmed));
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
    const m = await publish(store, 1);
    await expect.poll(() => holder.current()?.manifest.id, { timeout: 5000, interval: 10 }).toBe(m.id);
    holder.stop();
    expect(holder.current()).toBeNull();
  });

  it('reads the body in chunks when given a chunk opener and the store streams, else whole', async () => {
    const { store } = await newStore();
    const first = await publish(store, 3);
    const whole: string[] = [];
    const streamed: string[] = [];
    const holder = new SnapshotHolder({
      store,
      open: (manifest, body) => {
        whole.push(manifest.id);
        return opener(manifest, body);
      },
      openChunks: async (manifest, chunks) => {
        streamed.push(manifest.id);
        return openSnapshotChunksInBackground(sql, manifest, chunks);
      },
    });
    expect(await holder.refresh()).toBe('loaded');
    expect(holder.current()!.engine.factCount()).toBe(3);
    expect([whole, streamed]).toEqual([[], [first.id]]);
    // a store that cannot stream is read whole
    const plain = Object.assign(Object.create(store) as FileSnapshotStore, { readSnapshotChunks: undefined });
    const second = await publish(store, 4);
    const other = new SnapshotHolder({
      store: plain,
      open: (manifest, body) => {
        whole.push(manifest.id);
        return opener(manifest, body);
      },
      openChunks: async () => {
        throw new Error('not used');
      },
    });
    expect(await other.refresh()).toBe('loaded');
    expect(other.current()!.engine.factCount()).toBe(4);
    expect(whole).toEqual([second.id]);
    holder.stop();
    other.stop();
  });
});
