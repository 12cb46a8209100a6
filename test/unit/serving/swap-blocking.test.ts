// A snapshot swap must not stall requests: the heavy checks (sha256, gunzip, quick_check) run in a worker
// thread. The bound is relative (the longest event-loop gap against the whole refresh), not a benchmark:
// with verification on the main thread the gap is nearly the whole refresh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotOpener } from '../../../lib/cli/runtime.ts';
import { loadSqlJs } from '../../../lib/engine/sqljs.ts';
import { SnapshotHolder } from '../../../lib/serving/index.ts';
import {
  createManifest,
  createSnapshotId,
  encodeBody,
  openSnapshotInBackground,
  type SnapshotManifest,
  verifySnapshot,
  verifySnapshotInWorker,
  verifyWorkerAvailable,
} from '../../../lib/snapshot/index.ts';
import type { FileSnapshotStore } from '../../../lib/store/index.ts';
import { publishSnapshot, tempStore } from '../../support/serve-fixtures.ts';

const POLICY = [
  {
    filename: 'p.polar',
    src: 'actor User {}\nresource Org {\n  roles = ["admin"];\n  permissions = ["read"];\n  "read" if "admin";\n}\n',
  },
];

function facts(n: number, tag: string) {
  return Array.from({ length: n }, (_, i) => ({
    predicate: 'has_role',
    args: [
      { type: 'User', id: `${tag}-user-${i}` },
      { type: 'String', id: 'admin' },
      { type: 'Org', id: `org-${i % 997}` },
    ],
  }));
}

let t: Awaited<ReturnType<typeof tempStore>>;
beforeAll(async () => {
  t = await tempStore();
});
afterAll(() => t.cleanup());

/** Measures the longest gap between 1 ms ticks while `work` runs. */
async function longestGap<T>(work: () => Promise<T>): Promise<{ result: T; gapMs: number; totalMs: number }> {
  let last = performance.now();
  let gapMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
  }, 1);
  const started = performance.now();
  try {
    const result = await work();
    const end = performance.now();
    // The stall that ends with the work itself never sees a tick afterwards: count it here.
    return { result, gapMs: Math.max(gapMs, end - last), totalMs: end - started };
  } finally {
    clearInterval(ticker);
  }
}

async function stored(store: FileSnapshotStore, m: SnapshotManifest) {
  return store.getSnapshot(m.id);
}

describe('snapshot swap off the event loop', () => {
  it('a worker can verify here (tests and the Node server run with node_modules)', () => {
    expect(verifyWorkerAvailable()).toBe(true);
  });

  it('keeps the event loop free while a multi-megabyte snapshot is verified and swapped in', async () => {
    await publishSnapshot(t.store, POLICY, facts(80_000, 'a'));
    const holder = new SnapshotHolder({ store: t.store, open: snapshotOpener(loadSqlJs) });
    expect(await holder.start(false)).toBe(true);
    const next = await publishSnapshot(t.store, POLICY, facts(80_000, 'b'));
    expect(next.rawSize).toBeGreaterThan(4_000_000);
    const { result, gapMs, totalMs } = await longestGap(() => holder.refresh());
    expect(result).toBe('loaded');
    expect(holder.current()?.manifest.id).toBe(next.id);
    // Verifying on the main thread blocks for most of the refresh; in a worker only the open is left.
    expect(gapMs, `longest gap ${gapMs.toFixed(0)} ms of a ${totalMs.toFixed(0)} ms refresh`).toBeLessThan(
      totalMs / 2,
    );
    holder.stop();
  });

  it('returns the same raw bytes as the in-thread check, and moves the body only when asked', async () => {
    const sql = await loadSqlJs();
    const m = await publishSnapshot(t.store, POLICY, facts(50, 'c'));
    const { manifest, body } = await stored(t.store, m);
    const expected = verifySnapshot(sql, manifest, body);
    const copy = await verifySnapshotInWorker(manifest, body);
    expect(body.byteLength).toBe(manifest.size);
    expect(copy).toEqual(expected);
    const moved = await verifySnapshotInWorker(manifest, body, { transferBody: true });
    expect(moved).toEqual(expected);
    expect(body.byteLength).toBe(0);
  });

  it('reports damaged bytes as snapshot-corrupt with the same checks as verifySnapshot', async () => {
    const sql = await loadSqlJs();
    const m = await publishSnapshot(t.store, POLICY, facts(50, 'd'));
    const { manifest, body } = await stored(t.store, m);
    const bad = body.slice();
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    await expect(openSnapshotInBackground(sql, manifest, bad)).rejects.toMatchObject({
      code: 'snapshot-corrupt',
      message: expect.stringContaining('sha256 is'),
    });
    await expect(verifySnapshotInWorker(manifest, body.subarray(1))).rejects.toMatchObject({
      code: 'snapshot-corrupt',
      message: expect.stringContaining('(truncated?)'),
    });
    // Right sha256 and size, but the gzip stream is damaged.
    const broken = body.slice();
    broken[20] = broken[20]! ^ 0xff;
    const { formatVersion: _f, sha256: _s, size: _z, ...input } = manifest;
    const relabelled = createManifest({ ...input, id: createSnapshotId(new Date()) }, broken);
    await expect(openSnapshotInBackground(sql, relabelled, broken)).rejects.toMatchObject({
      code: 'snapshot-corrupt',
    });
    // A valid gzip of bytes that are not a SQLite database.
    const junk = encodeBody(new Uint8Array(8192).fill(7), 'gzip');
    const junkManifest = createManifest({ ...input, rawSize: 8192, id: createSnapshotId(new Date()) }, junk);
    await expect(verifySnapshotInWorker(junkManifest, junk)).rejects.toMatchObject({
      code: 'snapshot-corrupt',
      message: expect.stringMatching(/not a readable sqlite database|quick_check/),
    });
  });
});
