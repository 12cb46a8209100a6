// Builds real snapshots (parser + engine database + snapshot encoding) and publishes them to a real store.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDatabase, loadSqlJs } from '../../lib/engine/index.ts';
import { type Fact, parsePolicy } from '../../lib/polar/index.ts';
import {
  createManifest,
  createSnapshotId,
  encodeBody,
  type SnapshotManifest,
  sha256Hex,
} from '../../lib/snapshot/index.ts';
import { FileSnapshotStore, type SnapshotStore } from '../../lib/store/index.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'policies');

/** One `*.expected.json` fixture (written beside its `.polar`). */
export interface ExpectedFixture {
  description?: string;
  facts: Fact[];
  authorize?: [string, string, string, string, string, boolean][];
  list?: [string, string, string, string, string[]][];
  actions?: [string, string, string, string, string[]][];
  /** Unix seconds for `@current_unix_time`. */
  now?: number;
}

let lastMs = 0;

/** Builds a snapshot of `src` + `facts` and moves the store's pointer to it. Ids always increase. */
export async function publishSnapshot(
  store: SnapshotStore,
  sources: { filename: string; src: string }[],
  facts: Fact[],
): Promise<SnapshotManifest> {
  const sql = await loadSqlJs();
  const policy = parsePolicy(sources);
  const db = buildDatabase(sql, policy, facts);
  const raw = db.export();
  db.close();
  const body = encodeBody(raw, 'gzip');
  lastMs = Math.max(Date.now(), lastMs + 1);
  const at = new Date(lastMs);
  const manifest = createManifest(
    {
      id: createSnapshotId(at),
      encoding: 'gzip',
      rawSize: raw.byteLength,
      createdAt: at.toISOString(),
      source: 'test:fixture',
      policyHash: sha256Hex(sources.map((s) => s.src).join('\n')),
      dataHash: sha256Hex(JSON.stringify(facts)),
      factCounts: { all: facts.length },
      previousId: null,
    },
    body,
  );
  await store.putSnapshot(manifest, body);
  const read = await store.readPointer();
  const etag = read === null || read === 'not-modified' ? null : read.etag;
  await store.writePointer({ id: manifest.id, manifest, updatedAt: at.toISOString() }, etag);
  return manifest;
}

/** A temporary `file:` store, removed by `cleanup()`. */
export async function tempStore(): Promise<{
  dir: string;
  store: FileSnapshotStore;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'oso-fallback-'));
  return { dir, store: new FileSnapshotStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function readPolicyFile(name: string): Promise<{ filename: string; src: string }[]> {
  return [{ filename: name, src: await readFile(join(FIXTURES, name), 'utf8') }];
}
