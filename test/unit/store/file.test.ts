import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSqlJs } from '../../../lib/engine/sqljs.ts';
import { isDomainError } from '../../../lib/errors.ts';
import type { SnapshotManifest, SnapshotPointer } from '../../../lib/snapshot/index.ts';
import { withLockFile } from '../../../lib/store/fs-atomic.ts';
import { FileSnapshotStore, openStore, pruneSnapshots } from '../../../lib/store/index.ts';
import { snapshotOf, tinyDatabase } from '../../support/snapshot-fixtures.ts';

const sql = await loadSqlJs();
const raw = tinyDatabase(sql);

function pointerTo(manifest: SnapshotManifest): SnapshotPointer {
  return { id: manifest.id, manifest, updatedAt: new Date().toISOString() };
}

function at(i: number): Date {
  return new Date(Date.UTC(2026, 10, 25, 19, 0, i));
}

describe('file store', () => {
  let dir: string;
  let store: FileSnapshotStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-store-'));
    store = new FileSnapshotStore(join(dir, 'store'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is opened from file: urls', () => {
    expect(openStore(`file:${dir}`).location).toBe(`file:${dir}`);
    expect(openStore(`file://${dir}`).location).toBe(`file:${dir}`);
    expect(() => openStore('ftp://x')).toThrow(/unsupported store url "ftp:\/\/x"/);
  });

  it('starts empty', async () => {
    expect(await store.readPointer()).toBeNull();
    expect(await store.listSnapshots()).toEqual([]);
  });

  it('stores, lists and reads snapshots byte for byte, and never overwrites one', async () => {
    const s = snapshotOf(raw, { at: at(1) });
    await store.putSnapshot(s.manifest, s.body);
    expect(await store.listSnapshots()).toEqual([s.manifest.id]);
    const back = await store.getSnapshot(s.manifest.id);
    expect(back.manifest).toEqual(s.manifest);
    expect(Buffer.from(back.body).equals(Buffer.from(s.body))).toBe(true);
    await expect(store.putSnapshot(s.manifest, s.body)).rejects.toThrow(/already exists/);
    // No temporary files are left behind.
    expect(readdirSync(join(dir, 'store', 'snapshots')).sort()).toEqual(
      [`${s.manifest.id}.body`, `${s.manifest.id}.json`].sort(),
    );
  });

  it('reports a missing snapshot as not-found', async () => {
    const err = await store.getSnapshot('20261125T190000000Z-000000').catch((e: unknown) => e);
    expect(isDomainError(err, 'not-found')).toBe(true);
    const streamed = await store.readSnapshotChunks('20261125T190000000Z-000000').catch((e: unknown) => e);
    expect(isDomainError(streamed, 'not-found')).toBe(true);
  });

  it('streams a snapshot body in chunks of at most 1 MiB, byte for byte', async () => {
    const big = tinyDatabase(sql, true, 60_000);
    const s = snapshotOf(big, { at: at(1), encoding: 'none' });
    expect(s.body.byteLength).toBeGreaterThan(1 << 20);
    await store.putSnapshot(s.manifest, s.body);
    const { manifest, chunks } = await store.readSnapshotChunks(s.manifest.id);
    expect(manifest).toEqual(s.manifest);
    const parts: Uint8Array[] = [];
    for await (const c of chunks) parts.push(c);
    expect(parts.length).toBeGreaterThan(1);
    expect(Math.max(...parts.map((p) => p.byteLength))).toBeLessThanOrEqual(1 << 20);
    expect(Buffer.concat(parts).equals(Buffer.from(s.body))).toBe(true);
    // a body gone between the manifest and the read (pruned meanwhile) is not-found, not a crash
    const again = await store.readSnapshotChunks(s.manifest.id);
    rmSync(join(dir, 'store', 'snapshots', `${s.manifest.id}.body`));
    const gone = await (async () => {
      for await (const _ of again.chunks);
    })().catch((e: unknown) => e);
    expect(isDomainError(gone, 'not-found')).toBe(true);
  });

  it('moves the pointer with compare-and-swap and polls with the etag', async () => {
    const a = snapshotOf(raw, { at: at(1) });
    const b = snapshotOf(raw, { at: at(2), previousId: a.manifest.id });
    await store.putSnapshot(a.manifest, a.body);
    await store.putSnapshot(b.manifest, b.body);
    const etagA = await store.writePointer(pointerTo(a.manifest), null);
    const read = await store.readPointer();
    expect(read).not.toBe('not-modified');
    expect(read !== null && read !== 'not-modified' && read.pointer.id).toBe(a.manifest.id);
    expect(await store.readPointer(etagA)).toBe('not-modified');
    // A stale expectation is a conflict.
    await expect(store.writePointer(pointerTo(b.manifest), null)).rejects.toThrow(/changed meanwhile/);
    const etagB = await store.writePointer(pointerTo(b.manifest), etagA);
    expect(etagB).not.toBe(etagA);
    expect(await store.readPointer(etagA)).not.toBe('not-modified');
    // Never backwards, even with the right etag.
    const err = await store.writePointer(pointerTo(a.manifest), etagB).catch((e: unknown) => e);
    expect(isDomainError(err, 'store-conflict')).toBe(true);
    expect(String(err)).toMatch(/backwards/);
  });

  it('refuses to point at a snapshot it does not hold', async () => {
    const a = snapshotOf(raw, { at: at(1) });
    await expect(store.writePointer(pointerTo(a.manifest), null)).rejects.toThrow(/not in file:/);
    expect(await store.readPointer()).toBeNull();
  });

  it('ignores leftovers of a crashed write (temporary files, a body without manifest)', async () => {
    const a = snapshotOf(raw, { at: at(1) });
    await store.putSnapshot(a.manifest, a.body);
    const snaps = join(dir, 'store', 'snapshots');
    writeFileSync(join(snaps, `.${a.manifest.id}.body.tmp-1-abcd`), 'partial');
    writeFileSync(join(snaps, '20261125T190009000Z-aaaaaa.body'), 'orphan body');
    expect(await store.listSnapshots()).toEqual([a.manifest.id]);
  });

  it('reports a damaged pointer as snapshot-corrupt', async () => {
    const a = snapshotOf(raw, { at: at(1) });
    await store.putSnapshot(a.manifest, a.body);
    await store.writePointer(pointerTo(a.manifest), null);
    writeFileSync(join(dir, 'store', 'latest.json'), '{"id":');
    const err = await store.readPointer().catch((e: unknown) => e);
    expect(isDomainError(err, 'snapshot-corrupt')).toBe(true);
  });

  it('lets concurrent writers on one machine only ever move the pointer forwards', async () => {
    const snaps = Array.from({ length: 12 }, (_, i) => snapshotOf(raw, { at: at(i + 1) }));
    for (const s of snaps) await store.putSnapshot(s.manifest, s.body);
    // Each writer reads, then tries to swap; losers get store-conflict and retry from a fresh read.
    const seen: string[] = [];
    await Promise.all(
      [...snaps].reverse().map(async (s) => {
        for (;;) {
          const cur = await store.readPointer();
          const v = cur === 'not-modified' ? null : cur;
          if (v !== null && v.pointer.id >= s.manifest.id) return;
          try {
            await store.writePointer(pointerTo(s.manifest), v?.etag ?? null);
            seen.push(s.manifest.id);
            return;
          } catch (e) {
            if (!isDomainError(e, 'store-conflict')) throw e;
          }
        }
      }),
    );
    expect(seen).toEqual([...seen].sort());
    const final = await store.readPointer();
    expect(final !== null && final !== 'not-modified' && final.pointer.id).toBe(snaps.at(-1)!.manifest.id);
    expect(existsSync(join(dir, 'store', 'latest.json.lock'))).toBe(false);
  });

  it('prunes to the newest N but never the pointed-to snapshot', async () => {
    const snaps = Array.from({ length: 6 }, (_, i) => snapshotOf(raw, { at: at(i + 1) }));
    for (const s of snaps) await store.putSnapshot(s.manifest, s.body);
    await store.writePointer(pointerTo(snaps[0]!.manifest), null);
    const deleted = await pruneSnapshots(store, 2);
    expect(deleted).toEqual(snaps.slice(1, 4).map((s) => s.manifest.id));
    expect(await store.listSnapshots()).toEqual([snaps[0]!, snaps[4]!, snaps[5]!].map((s) => s.manifest.id));
    await expect(pruneSnapshots(store, 0)).rejects.toThrow(/keep must be at least 1/);
  });

  it('takes over a lock left by a crashed process, and times out on a live one', async () => {
    const a = snapshotOf(raw, { at: at(1) });
    await store.putSnapshot(a.manifest, a.body);
    const lock = join(dir, 'store', 'latest.json.lock');
    writeFileSync(lock, '999999 crashed\n');
    const old = new Date(Date.now() - 120_000);
    utimesSync(lock, old, old);
    await store.writePointer(pointerTo(a.manifest), null);
    expect(existsSync(lock)).toBe(false);

    mkdirSync(join(dir, 'locks'));
    const live = join(dir, 'locks', 'x.lock');
    writeFileSync(live, 'held');
    const err = await withLockFile(live, async () => 1, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('ELOCKTIMEOUT');
    expect(await withLockFile(join(dir, 'locks', 'y.lock'), async () => 42)).toBe(42);
  });
});
