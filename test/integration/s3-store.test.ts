import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSqlJs } from '../../lib/engine/sqljs.ts';
import { isDomainError } from '../../lib/errors.ts';
import type { SnapshotManifest, SnapshotPointer } from '../../lib/snapshot/index.ts';
import { decodeSnapshotChunks, verifySnapshot } from '../../lib/snapshot/index.ts';
import { openStore, pruneSnapshots, type S3SnapshotStore } from '../../lib/store/index.ts';
import { type RunningS3rver, S3RVER_CREDENTIALS, startS3rver } from '../support/s3rver.ts';
import { snapshotOf, tinyDatabase } from '../support/snapshot-fixtures.ts';

const sql = await loadSqlJs();
const raw = tinyDatabase(sql);

function pointerTo(manifest: SnapshotManifest): SnapshotPointer {
  return { id: manifest.id, manifest, updatedAt: new Date().toISOString() };
}

function at(i: number): Date {
  return new Date(Date.UTC(2026, 10, 25, 19, 0, i));
}

describe('s3 store against a real S3-protocol server', () => {
  let server: RunningS3rver;
  const stores: S3SnapshotStore[] = [];
  function open(url: string): S3SnapshotStore {
    const store = openStore(url, {
      endpoint: server.endpoint,
      credentials: S3RVER_CREDENTIALS,
    }) as S3SnapshotStore;
    stores.push(store);
    return store;
  }

  beforeAll(async () => {
    server = await startS3rver(['snapshots-bucket']);
  });
  afterAll(async () => {
    for (const s of stores) s.destroy();
    await server.stop();
  });

  it('parses s3 urls with and without a prefix', () => {
    expect(open('s3://snapshots-bucket/a/b/').location).toBe('s3://snapshots-bucket/a/b');
    expect(open('s3://snapshots-bucket').location).toBe('s3://snapshots-bucket');
  });

  it('starts empty, stores and reads a snapshot, and never overwrites one', async () => {
    const store = open('s3://snapshots-bucket/basic');
    expect(await store.readPointer()).toBeNull();
    expect(await store.listSnapshots()).toEqual([]);
    const s = snapshotOf(raw, { at: at(1) });
    await store.putSnapshot(s.manifest, s.body);
    const back = await store.getSnapshot(s.manifest.id);
    expect(back.manifest).toEqual(s.manifest);
    expect(() => verifySnapshot(sql, back.manifest, back.body)).not.toThrow();
    await expect(store.putSnapshot(s.manifest, s.body)).rejects.toThrow(/already exists/);
    const missing = await store.getSnapshot('20261125T190000000Z-000000').catch((e: unknown) => e);
    expect(isDomainError(missing, 'not-found')).toBe(true);
  });

  it('uploads large bodies in parts and reads them back intact', async () => {
    const store = new (open('s3://snapshots-bucket').constructor as typeof S3SnapshotStore)(
      'snapshots-bucket',
      'multipart',
      { endpoint: server.endpoint, credentials: S3RVER_CREDENTIALS, partSize: 5 * 1024 * 1024 },
    );
    stores.push(store);
    const big = tinyDatabase(sql, true, 400_000);
    const s = snapshotOf(big, { at: at(2), encoding: 'none' });
    expect(s.body.byteLength).toBeGreaterThan(10 * 1024 * 1024);
    await store.putSnapshot(s.manifest, s.body);
    const back = await store.getSnapshot(s.manifest.id);
    expect(Buffer.from(back.body).equals(Buffer.from(s.body))).toBe(true);
    // streamed: the same bytes in more than one chunk, decoded as they arrive
    const streamed = await store.readSnapshotChunks(s.manifest.id);
    expect(streamed.manifest).toEqual(s.manifest);
    const parts: Uint8Array[] = [];
    for await (const c of streamed.chunks) parts.push(c);
    expect(parts.length).toBeGreaterThan(1);
    expect(Buffer.concat(parts).equals(Buffer.from(s.body))).toBe(true);
    const again = await store.readSnapshotChunks(s.manifest.id);
    expect(
      Buffer.from(await decodeSnapshotChunks(again.manifest, again.chunks)).equals(Buffer.from(big)),
    ).toBe(true);
    const missing = await store.readSnapshotChunks('20261125T190000000Z-000000').catch((e: unknown) => e);
    expect(isDomainError(missing, 'not-found')).toBe(true);
  });

  it('moves the pointer forwards only and answers a poll with not-modified', async () => {
    const store = open('s3://snapshots-bucket/pointer');
    const a = snapshotOf(raw, { at: at(1) });
    const b = snapshotOf(raw, { at: at(2) });
    await store.putSnapshot(a.manifest, a.body);
    await store.putSnapshot(b.manifest, b.body);
    await store.writePointer(pointerTo(a.manifest), null);
    const first = await store.readPointer();
    if (first === null || first === 'not-modified') throw new Error('no pointer');
    expect(first.pointer.id).toBe(a.manifest.id);
    expect(await store.readPointer(first.etag)).toBe('not-modified');
    await expect(store.writePointer(pointerTo(b.manifest), null)).rejects.toThrow(/changed meanwhile/);
    await store.writePointer(pointerTo(b.manifest), first.etag);
    const second = await store.readPointer(first.etag);
    if (second === null || second === 'not-modified') throw new Error('poll missed the change');
    expect(second.pointer.id).toBe(b.manifest.id);
    const back = await store.writePointer(pointerTo(a.manifest), second.etag).catch((e: unknown) => e);
    expect(isDomainError(back, 'store-conflict')).toBe(true);
    expect(String(back)).toMatch(/backwards/);
  });

  it('prunes to the newest N, keeping the pointed-to snapshot', async () => {
    const store = open('s3://snapshots-bucket/prune');
    const snaps = Array.from({ length: 5 }, (_, i) => snapshotOf(raw, { at: at(i + 1) }));
    for (const s of snaps) await store.putSnapshot(s.manifest, s.body);
    await store.writePointer(pointerTo(snaps[1]!.manifest), null);
    await pruneSnapshots(store, 2);
    expect(await store.listSnapshots()).toEqual([snaps[1]!, snaps[3]!, snaps[4]!].map((s) => s.manifest.id));
  });

  it('reports a missing bucket and an unreachable server as store-unavailable', async () => {
    const err = await open('s3://no-such-bucket-here/x')
      .putSnapshot(snapshotOf(raw).manifest, snapshotOf(raw).body)
      .catch((e: unknown) => e);
    expect(isDomainError(err, 'store-unavailable')).toBe(true);
    expect(String(err)).toMatch(/s3:\/\/no-such-bucket-here\/x/);
    const dead = openStore('s3://snapshots-bucket/x', {
      endpoint: 'http://127.0.0.1:1',
      credentials: S3RVER_CREDENTIALS,
    }) as S3SnapshotStore;
    stores.push(dead);
    const down = await dead.readPointer().catch((e: unknown) => e);
    expect(isDomainError(down, 'store-unavailable')).toBe(true);
  });
});
