// A running node is pointed at a damaged snapshot (flipped byte, truncation, wrong checksum, future format
// version, valid SQLite missing a table): it refuses it with a clear log line, counts the failure, and keeps
// answering from the snapshot it has; a good snapshot published afterwards is loaded.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../../lib/cli/runtime.ts';
import { buildDatabase, loadSqlJs } from '../../../lib/engine/index.ts';
import { parsePolicy } from '../../../lib/polar/index.ts';
import {
  createManifest,
  createSnapshotId,
  encodeBody,
  SNAPSHOT_FORMAT_VERSION,
  type SnapshotManifest,
} from '../../../lib/snapshot/index.ts';
import type { FileSnapshotStore } from '../../../lib/store/index.ts';
import { captureLogger, healthOf, metricValue, postJson, waitFor } from '../../support/reliability.ts';
import { publishSnapshot, tempStore } from '../../support/serve-fixtures.ts';

const SOURCES = [
  {
    filename: 'main.polar',
    src: 'actor User {}\nresource Org { roles = ["member"]; permissions = ["read"]; "read" if "member"; }\n',
  },
];
const member = (id: string) => ({
  predicate: 'has_role',
  args: [
    { type: 'User', id },
    { type: 'String', id: 'member' },
    { type: 'Org', id: 'acme' },
  ],
});

const sql = await loadSqlJs();
let store: FileSnapshotStore;
let dir: string;
let cleanup: () => Promise<void>;
let node: RunningServer;
let goodId: string;
const log = captureLogger();
let clock = Date.now();

/** A well-formed snapshot of `facts` (optionally with a table dropped), not yet stored. */
function snapshotBytes(facts: ReturnType<typeof member>[], dropTable?: string) {
  const db = buildDatabase(sql, parsePolicy(SOURCES), facts);
  if (dropTable !== undefined) db.run(`DROP TABLE ${dropTable}`);
  const raw = db.export();
  db.close();
  // A private copy: a Buffer's slice() is a view, so damaging it must not touch shared bytes.
  const body = Uint8Array.from(encodeBody(raw, 'gzip'));
  clock = Math.max(Date.now(), clock + 1);
  const at = new Date(clock);
  const manifest = createManifest(
    {
      id: createSnapshotId(at),
      encoding: 'gzip',
      rawSize: raw.byteLength,
      createdAt: at.toISOString(),
      source: 'test:corrupt',
      policyHash: 'p',
      dataHash: String(clock),
      factCounts: { all: facts.length },
      previousId: null,
    },
    body,
  );
  return { manifest, body };
}

async function point(manifest: SnapshotManifest, body: Uint8Array) {
  if (manifest.formatVersion > SNAPSHOT_FORMAT_VERSION) {
    // What a newer build's sync leaves in the folder (this build's store refuses to write it).
    writeFileSync(join(dir, 'snapshots', `${manifest.id}.body`), body);
    writeFileSync(join(dir, 'snapshots', `${manifest.id}.json`), JSON.stringify(manifest));
    const pointer = { id: manifest.id, manifest, updatedAt: new Date().toISOString() };
    writeFileSync(join(dir, 'latest.json'), JSON.stringify(pointer));
    return;
  }
  await store.putSnapshot(manifest, body);
  const read = await store.readPointer();
  const etag = read === null || read === 'not-modified' ? null : read.etag;
  await store.writePointer({ id: manifest.id, manifest, updatedAt: new Date().toISOString() }, etag);
}

const canRead = async (id: string) =>
  (
    await postJson(node.url, '/api/authorize', {
      actor_type: 'User',
      actor_id: id,
      action: 'read',
      resource_type: 'Org',
      resource_id: 'acme',
      context_facts: [],
    })
  ).body.allowed;

beforeAll(async () => {
  ({ store, dir, cleanup } = await tempStore());
  goodId = (await publishSnapshot(store, SOURCES, [member('alice')])).id;
  node = await startServer({ store, port: 0, refreshIntervalMs: 20, logger: log });
  await waitFor('the first load', async () => (await healthOf(node.url)).snapshot === goodId);
});

afterAll(async () => {
  await node?.close(100);
  await cleanup?.();
});

type Damage = (s: { manifest: SnapshotManifest; body: Uint8Array }) => {
  manifest: SnapshotManifest;
  body: Uint8Array;
};
const CASES: [string, Damage | 'missing-table', string, RegExp][] = [
  [
    'one flipped byte',
    ({ manifest, body }) => {
      const bad = Uint8Array.from(body);
      bad[Math.floor(bad.length / 2)]! ^= 0x01;
      return { manifest, body: bad };
    },
    'snapshot-corrupt',
    /sha256 is [0-9a-f]{64} but/,
  ],
  [
    'truncation',
    ({ manifest, body }) => ({ manifest, body: Uint8Array.from(body.subarray(0, body.length - 10)) }),
    'snapshot-corrupt',
    /truncated/,
  ],
  [
    'a wrong checksum',
    ({ manifest, body }) => ({ manifest: { ...manifest, sha256: 'f'.repeat(64) }, body }),
    'snapshot-corrupt',
    /manifest says f{64}/,
  ],
  [
    'a valid SQLite file missing a table',
    'missing-table',
    'snapshot-corrupt',
    /lacks required table\(s\) meta/,
  ],
  [
    'a future format version',
    ({ manifest, body }) => ({ manifest: { ...manifest, formatVersion: 99 }, body }),
    'snapshot-unsupported',
    /format version 99/,
  ],
];

describe('a corrupted snapshot reaches a running node', () => {
  it.each(CASES)(
    '%s: refused with a clear log line; the node keeps its snapshot',
    async (_name, damage, code, why) => {
      const failures = node.holder.stats().refreshFailures;
      const logged = log.lines.length;
      const bad =
        damage === 'missing-table'
          ? snapshotBytes([member('alice'), member('mallory')], 'meta')
          : damage(snapshotBytes([member('alice'), member('mallory')]));
      await point(bad.manifest, bad.body);
      // The node retries the previous bad pointer meanwhile: look for the refusal that names this one.
      const refusal = () =>
        log.lines
          .slice(logged)
          .find(
            (l) =>
              l.message === 'snapshot refresh failed' && String(l.fields.error).includes(bad.manifest.id),
          );
      await waitFor('the refusal', () => refusal() !== undefined);
      const line = refusal();
      expect(line?.level).toBe('warn');
      expect(line?.fields.code).toBe(code);
      expect(String(line?.fields.error)).toMatch(why);
      expect(line?.fields.keeping).toBe(goodId);
      expect(await healthOf(node.url)).toEqual({ status: 200, snapshot: goodId });
      expect(await canRead('alice')).toBe(true);
      expect(await canRead('mallory')).toBe(false);
      const page = await (await fetch(`${node.url}/metrics`)).text();
      expect(metricValue(page, 'oso_fallback_snapshot_refresh_failures_total')).toBeGreaterThan(failures);
    },
  );

  it('then loads the next good snapshot', async () => {
    // This build's store will not move a pointer it cannot read (the newer build's); an operator removes it.
    rmSync(join(dir, 'latest.json'));
    const next = await publishSnapshot(store, SOURCES, [member('alice'), member('bob')]);
    await waitFor('the swap', async () => (await healthOf(node.url)).snapshot === next.id);
    expect(await canRead('bob')).toBe(true);
    expect(await canRead('mallory')).toBe(false);
  });
});
