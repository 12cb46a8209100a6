import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as runExport } from '../../lib/cli/export-command.ts';
import type { CliIo } from '../../lib/cli/flags.ts';
import { run as runImport } from '../../lib/cli/import-command.ts';
import { run as runSyncCommand } from '../../lib/cli/sync-command.ts';
import { loadSqlJs } from '../../lib/engine/index.ts';
import { openSnapshot } from '../../lib/snapshot/index.ts';
import { openStore, type SnapshotStore } from '../../lib/store/index.ts';
import { type RunningS3rver, startS3rver } from '../support/s3rver.ts';
import { writeExampleSource } from '../support/sync-fixture.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function captureIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    out: () => out,
    err: () => err,
  };
}

async function pointerId(store: SnapshotStore): Promise<string | null> {
  const p = await store.readPointer();
  return p === null || p === 'not-modified' ? null : p.pointer.id;
}

/** Runs the real `fallback` CLI in a child process. */
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'fallback.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe('fallback sync / export / import', () => {
  let dir: string;
  let s3: RunningS3rver;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sync-cli-'));
    writeExampleSource(join(dir, 'src'));
    s3 = await startS3rver(['cli-bucket']);
  });
  afterAll(async () => {
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs with a one-line summary, then reports unchanged data', async () => {
    const io = captureIo();
    const store = `file:${join(dir, 'store-a')}`;
    expect(await runSyncCommand(['--source', `dir:${join(dir, 'src')}`, '--store', store], {}, io)).toBe(0);
    expect(io.out()).toMatch(/^published \d{8}T\d{9}Z-[0-9a-f]{6}: 30 facts, [\d.]+ KiB, [\d.]+ s\n$/);
    expect(io.err()).toMatch(/facts\/s/);
    const again = captureIo();
    expect(await runSyncCommand(['--source', `dir:${join(dir, 'src')}`, '--store', store], {}, again)).toBe(
      0,
    );
    expect(again.out()).toMatch(/^unchanged /);
    const forced = captureIo();
    expect(
      await runSyncCommand(['--force', '--source', `dir:${join(dir, 'src')}`, '--store', store], {}, forced),
    ).toBe(0);
    expect(forced.out()).toMatch(/^published /);
    expect(await openStore(store).listSnapshots()).toHaveLength(2);
  });

  it('explains usage errors and failures with exit codes 2 and 1', async () => {
    const usage = captureIo();
    expect(await runSyncCommand(['--store', 'file:x'], {}, usage)).toBe(2);
    expect(usage.err()).toMatch(/both --source and --store are required\nusage: fallback sync/);
    const bad = captureIo();
    expect(
      await runSyncCommand(
        ['--source', `dir:${join(dir, 'missing')}`, '--store', `file:${join(dir, 'x')}`],
        {},
        bad,
      ),
    ).toBe(1);
    expect(bad.err()).toMatch(/^source-unavailable: source folder/);
  });

  it('exports the current snapshot of an s3 store and imports it into an empty file store', async () => {
    const env = {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
    const prevEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    // The SDK's default credential chain reads these; the test server accepts S3RVER/S3RVER.
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    try {
      const io = captureIo();
      expect(
        await runSyncCommand(
          ['--source', `dir:${join(dir, 'src')}`, '--store', 's3://cli-bucket/prod'],
          env,
          io,
        ),
      ).toBe(0);
      const file = join(dir, 'snapshot.fbs');
      const exp = captureIo();
      expect(await runExport(['--store', 's3://cli-bucket/prod', '--out', file], env, exp), exp.err()).toBe(
        0,
      );
      expect(exp.out()).toMatch(/^exported \d{8}T/);

      const target = openStore(`file:${join(dir, 'offline')}`);
      const imp = captureIo();
      expect(
        await runImport(['--in', file, '--store', `file:${join(dir, 'offline')}`], {}, imp),
        imp.err(),
      ).toBe(0);
      const id = await pointerId(target);
      expect(io.out()).toContain(`published ${id}:`);
      const { manifest, body } = await target.getSnapshot(id!);
      const opened = openSnapshot(await loadSqlJs(), manifest, body);
      expect(opened.engine.factCount()).toBe(31);
      opened.engine.close();

      // Importing the same file again is a no-op; a damaged file is refused and publishes nothing.
      const twice = captureIo();
      expect(await runImport(['--in', file, '--store', `file:${join(dir, 'offline')}`], {}, twice)).toBe(0);
      expect(twice.out()).toMatch(/already current/);
      const bytes = readFileSync(file);
      bytes[bytes.length - 50]! ^= 0xff;
      writeFileSync(join(dir, 'bad.fbs'), bytes);
      const bad = captureIo();
      expect(
        await runImport(['--in', join(dir, 'bad.fbs'), '--store', `file:${join(dir, 'empty')}`], {}, bad),
      ).toBe(1);
      expect(bad.err()).toMatch(/^snapshot-corrupt: snapshot .*sha256/);
      expect(await openStore(`file:${join(dir, 'empty')}`).listSnapshots()).toEqual([]);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = prevEnv.id;
      process.env.AWS_SECRET_ACCESS_KEY = prevEnv.secret;
      if (prevEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (prevEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  it('lets concurrent sync processes on one machine only move the pointer forwards', async () => {
    const store = `file:${join(dir, 'shared')}`;
    const sources = [0, 1, 2].map((i) => {
      const d = join(dir, `proc${i}`);
      writeExampleSource(d, 3 + i, 3);
      return d;
    });
    const results = await Promise.all(
      sources.map((d) => cli(['sync', '--source', `dir:${d}`, '--store', store])),
    );
    const published: string[] = [];
    for (const r of results) {
      if (r.code === 0) published.push(/published (\S+):/.exec(r.out)![1]!);
      else expect(r.err).toMatch(/^store-conflict: /m);
    }
    expect(published.length).toBeGreaterThan(0);
    expect(await pointerId(openStore(store))).toBe(published.sort().at(-1));
  });
});
