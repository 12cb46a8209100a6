// A sync process SIGKILLed before the upload, mid-upload (S3, large body stuck in a proxy), and after the
// upload before the pointer moves: the pointer and the serving node stay on the old snapshot, no reader sees a
// partial one, and the next sync succeeds.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../../lib/cli/runtime.ts';
import { loadSqlJs } from '../../../lib/engine/index.ts';
import { verifySnapshot } from '../../../lib/snapshot/index.ts';
import { openStore, type SnapshotStore } from '../../../lib/store/index.ts';
import { captureLogger, healthOf, startPausingProxy, tempDirs, waitFor } from '../../support/reliability.ts';
import { type RunningS3rver, S3RVER_CREDENTIALS, startS3rver } from '../../support/s3rver.ts';
import { writeExampleSource } from '../../support/sync-fixture.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SCRIPT = join(ROOT, 'test', 'support', 'killable-sync.ts');
const dirs = tempDirs('sync-kill');
const closers: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  dirs.cleanup();
});

/** Runs the sync child; with `pauseAt`, SIGKILLs it once it reports that phase. Resolves with its output. */
function syncChild(
  source: string,
  store: string,
  o: { pauseAt?: string; endpoint?: string; kill?: Promise<void> } = {},
) {
  const args = ['--import', 'tsx', SCRIPT, source, store, ...(o.endpoint === undefined ? [] : [o.endpoint])];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...(o.pauseAt === undefined ? {} : { PAUSE_AT: o.pauseAt }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (o.pauseAt !== undefined && out.includes(`@paused ${o.pauseAt}`)) child.kill('SIGKILL');
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  void o.kill?.then(() => child.kill('SIGKILL'));
  return new Promise<{ code: number | null; signal: string | null; out: string }>((ok) =>
    child.on('exit', (code, signal) => ok({ code, signal, out })),
  );
}

async function pointerId(store: SnapshotStore): Promise<string | null> {
  const read = await store.readPointer();
  return read === null || read === 'not-modified' ? null : read.pointer.id;
}

/** Every snapshot the store lists is complete: its bytes verify against its manifest. */
async function everyListedSnapshotVerifies(store: SnapshotStore): Promise<void> {
  const sql = await loadSqlJs();
  for (const id of await store.listSnapshots()) {
    const { manifest, body } = await store.getSnapshot(id);
    expect(() => verifySnapshot(sql, manifest, body), id).not.toThrow();
  }
}

async function scenario(storeUrl: string, store: SnapshotStore, endpoint?: string) {
  const source = dirs.make();
  writeExampleSource(source, 200, 100); // 20,400 facts: a body of a few MB
  const first = await syncChild(source, storeUrl, endpoint === undefined ? {} : { endpoint });
  expect(first.code, first.out).toBe(0);
  const firstId = (await pointerId(store))!;
  const node: RunningServer = await startServer({
    store: storeUrl,
    storeOptions: { ...(endpoint === undefined ? {} : { endpoint }), credentials: S3RVER_CREDENTIALS },
    port: 0,
    refreshIntervalMs: 20,
    logger: captureLogger(),
  });
  closers.push(() => node.close(100));
  await waitFor('the node to load', async () => (await healthOf(node.url)).snapshot === firstId, 30_000);
  writeExampleSource(source, 201, 100); // new data: a sync that got through would publish
  return { source, firstId, node };
}

async function expectUntouched(store: SnapshotStore, node: RunningServer, firstId: string) {
  expect(await pointerId(store)).toBe(firstId);
  await new Promise((r) => setTimeout(r, 100)); // several refresh intervals
  expect(await healthOf(node.url)).toEqual({ status: 200, snapshot: firstId });
  await everyListedSnapshotVerifies(store);
}

describe('a sync killed at any point (file: store)', () => {
  it('before the upload and after it (before the pointer): nothing is served from it; the next sync succeeds', async () => {
    const dir = dirs.make();
    const url = `file:${dir}`;
    const store = openStore(url);
    const { source, firstId, node } = await scenario(url, store);
    for (const pauseAt of ['before-upload', 'after-upload']) {
      const killed = await syncChild(source, url, { pauseAt });
      expect(killed.signal, killed.out).toBe('SIGKILL');
      expect(killed.out).toContain(`@paused ${pauseAt}`);
      await expectUntouched(store, node, firstId);
    }
    // After the upload the complete snapshot is in the store, but the pointer never named it.
    expect((await store.listSnapshots()).length).toBe(2);
    const next = await syncChild(source, url);
    expect(next.code, next.out).toBe(0);
    const nextId = (await pointerId(store))!;
    expect(next.out).toContain(`@done published ${nextId}`);
    await waitFor('the node to swap', async () => (await healthOf(node.url)).snapshot === nextId);
  });
});

describe('a sync killed mid-upload (s3:// store)', () => {
  it('leaves no object a reader can see; the next sync succeeds', async () => {
    const s3: RunningS3rver = await startS3rver(['fallback']);
    closers.push(() => s3.stop());
    const store = openStore('s3://fallback/prod', { endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS });
    closers.push(() => (store as { destroy?: () => void }).destroy?.());
    const { source, firstId, node } = await scenario('s3://fallback/prod', store, s3.endpoint);
    const before = await store.listSnapshots();
    const proxy = await startPausingProxy(Number(new URL(s3.endpoint).port), 512 * 1024);
    closers.push(() => proxy.close());
    const killed = await syncChild(source, 's3://fallback/prod', {
      endpoint: proxy.endpoint,
      kill: proxy.paused,
    });
    expect(killed.signal, killed.out).toBe('SIGKILL');
    expect(killed.out).toContain('@phase before-upload');
    expect(killed.out).not.toContain('@phase after-upload');
    await proxy.close();
    await expectUntouched(store, node, firstId);
    expect(await store.listSnapshots()).toEqual(before);
    const next = await syncChild(source, 's3://fallback/prod', { endpoint: s3.endpoint });
    expect(next.code, next.out).toBe(0);
    const nextId = (await pointerId(store))!;
    expect(nextId).not.toBe(firstId);
    await waitFor('the node to swap', async () => (await healthOf(node.url)).snapshot === nextId, 30_000);
  });
});
