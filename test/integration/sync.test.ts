import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DB_FEATURES, DB_FORMAT, loadSqlJs } from '../../lib/engine/index.ts';
import { type ErrorCode, isDomainError } from '../../lib/errors.ts';
import { openSnapshot } from '../../lib/snapshot/index.ts';
import { openSource, type Source } from '../../lib/source/index.ts';
import { openStore, type S3SnapshotStore, type SnapshotStore } from '../../lib/store/index.ts';
import { runSync } from '../../lib/sync/index.ts';
import { type RunningS3rver, S3RVER_CREDENTIALS, startS3rver } from '../support/s3rver.ts';
import { factLine, writeExampleSource } from '../support/sync-fixture.ts';

const sql = await loadSqlJs();

async function pointerId(store: SnapshotStore): Promise<string | null> {
  const p = await store.readPointer();
  return p === null || p === 'not-modified' ? null : p.pointer.id;
}

/** Runs a sync that must fail with `code` and a message matching `pattern`, and checks nothing was published. */
async function expectRefused(store: SnapshotStore, source: Source, code: ErrorCode, pattern: RegExp) {
  const before = { pointer: await pointerId(store), ids: await store.listSnapshots() };
  const err = await runSync({ source, store, sql }).catch((e: unknown) => e);
  expect(isDomainError(err, code), String(err)).toBe(true);
  expect((err as Error).message).toMatch(pattern);
  expect(await pointerId(store)).toBe(before.pointer);
  expect(await store.listSnapshots()).toEqual(before.ids);
}

describe('sync into a file: store', () => {
  let dir: string;
  let src: string;
  let store: SnapshotStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sync-'));
    src = join(dir, 'src');
    writeExampleSource(src);
    store = openStore(`file:${join(dir, 'store')}`);
    const first = await runSync({ source: openSource(`dir:${src}`), store, sql });
    expect(first.published).toBe(true);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('publishes a snapshot that opens into a working engine', async () => {
    const current = await store.readPointer();
    if (current === null || current === 'not-modified') throw new Error('no pointer');
    const m = current.pointer.manifest;
    expect(m.source).toBe(`dir:${src}`);
    expect(m.factCounts).toEqual({ 'has_role/3': 21, 'has_relation/3': 10 });
    expect(m.previousId).toBeNull();
    const { manifest, body } = await store.getSnapshot(m.id);
    const opened = openSnapshot(sql, manifest, body);
    try {
      const { engine } = opened;
      expect(
        engine.authorize({
          actor: { type: 'User', id: 'u1-0' },
          action: 'push',
          resource: { type: 'Repository', id: 'repo1-1' },
        }),
      ).toBe(true);
      expect(
        engine.authorize({
          actor: { type: 'User', id: 'u1-1' },
          action: 'push',
          resource: { type: 'Repository', id: 'repo1-1' },
        }),
      ).toBe(false);
      expect(
        engine.authorize({
          actor: { type: 'User', id: 'root' },
          action: 'create_repo',
          resource: { type: 'Organization', id: 'acme' },
        }),
      ).toBe(true);
    } finally {
      opened.engine.close();
    }
  });

  it('publishes nothing when policy and data are unchanged, and a new snapshot when they change', async () => {
    const first = await pointerId(store);
    const again = await runSync({ source: openSource(`dir:${src}`), store, sql });
    expect(again).toMatchObject({ published: false, id: first, bytes: 0 });
    expect(await store.listSnapshots()).toHaveLength(1);
    appendFileSync(
      join(src, 'facts', 'roles.jsonl'),
      `${factLine('has_role', ['User', 'zed'], ['String', 'viewer'], ['Organization', 'org0'])}\n`,
    );
    const changed = await runSync({ source: openSource(`dir:${src}`), store, sql });
    expect(changed.published).toBe(true);
    expect(changed.previousId).toBe(first);
    expect(await pointerId(store)).toBe(changed.id);
    expect(changed.id > first!).toBe(true);
  });

  it('rebuilds unchanged data once when the current snapshot has another database format', async () => {
    // a pointer as an older build wrote it: same policy and data, no databaseFormat in the manifest
    const read = await store.readPointer();
    if (read === null || read === 'not-modified') throw new Error('no pointer');
    const { databaseFormat, ...older } = read.pointer.manifest;
    expect(databaseFormat).toBe(DB_FORMAT);
    await store.writePointer({ ...read.pointer, manifest: older }, read.etag);
    const rebuilt = await runSync({ source: openSource(`dir:${src}`), store, sql });
    expect(rebuilt).toMatchObject({ published: true, previousId: read.pointer.id });
    const after = await store.readPointer();
    if (after === null || after === 'not-modified') throw new Error('no pointer');
    expect(after.pointer.manifest.databaseFormat).toBe(DB_FORMAT);
    // and only once: the next sync finds nothing to do
    expect((await runSync({ source: openSource(`dir:${src}`), store, sql })).published).toBe(false);
  });

  it('rebuilds unchanged data once when the current snapshot lacks an optional part of the format', async () => {
    // a pointer as the build before presence pruning wrote it: same format, no databaseFeatures
    const read = await store.readPointer();
    if (read === null || read === 'not-modified') throw new Error('no pointer');
    const { databaseFeatures, ...older } = read.pointer.manifest;
    expect(databaseFeatures).toEqual([...DB_FEATURES]);
    await store.writePointer({ ...read.pointer, manifest: older }, read.etag);
    const rebuilt = await runSync({ source: openSource(`dir:${src}`), store, sql });
    expect(rebuilt).toMatchObject({ published: true, previousId: read.pointer.id });
    const after = await store.readPointer();
    if (after === null || after === 'not-modified') throw new Error('no pointer');
    expect(after.pointer.manifest.databaseFeatures).toEqual([...DB_FEATURES]);
    expect((await runSync({ source: openSource(`dir:${src}`), store, sql })).published).toBe(false);
    // pointers as the builds before total columns, then before heavy values, wrote them
    for (const features of [['presence'], ['presence', 'totals']]) {
      const now = await store.readPointer();
      if (now === null || now === 'not-modified') throw new Error('no pointer');
      await store.writePointer(
        { ...now.pointer, manifest: { ...now.pointer.manifest, databaseFeatures: features } },
        now.etag,
      );
      const again = await runSync({ source: openSource(`dir:${src}`), store, sql });
      expect(again).toMatchObject({ published: true, previousId: now.pointer.id });
      expect((await runSync({ source: openSource(`dir:${src}`), store, sql })).published).toBe(false);
    }
  });

  it('refuses a policy with a syntax error, naming file:line', async () => {
    writeFileSync(join(src, 'policy', 'extra.polar'), 'actor Team {}\nresource Broken {\n  roles = [\n}\n');
    await expectRefused(store, openSource(`dir:${src}`), 'policy-syntax', /extra\.polar:\d+:\d+/);
  });

  it('refuses a policy whose test blocks fail', async () => {
    const policy = readFileSync(join(src, 'policy', 'main.polar'), 'utf8');
    writeFileSync(
      join(src, 'policy', 'main.polar'),
      policy.replace('assert_not allow(User{"bob"}', 'assert allow(User{"bob"}'),
    );
    await expectRefused(
      store,
      openSource(`dir:${src}`),
      'policy-tests-failed',
      /main\.polar:\d+:\d+: test "org admins/,
    );
  });

  it('refuses a malformed fact line, naming file:line', async () => {
    appendFileSync(join(src, 'facts', 'roles.jsonl'), '\n{"predicate": "has_role", "args": [\n');
    const file = join(src, 'facts', 'roles.jsonl');
    await expectRefused(
      store,
      openSource(`dir:${src}`),
      'source-invalid',
      new RegExp(`${file}:22: malformed json`),
    );
  });

  it('refuses a fact for an undeclared predicate, a wrong arity or wrong types, naming file:line', async () => {
    const file = join(src, 'facts', 'relations.jsonl');
    const cases: [string, RegExp][] = [
      [
        factLine('is_banned', ['User', 'x']),
        /relations\.jsonl:11: fact is_banned\(User\) is not used by the policy/,
      ],
      [factLine('has_role', ['User', 'x'], ['String', 'admin']), /relations\.jsonl:11: .*has 2 arguments/],
      [
        factLine('has_role', ['Repository', 'x'], ['String', 'admin'], ['Organization', 'o']),
        /relations\.jsonl:11: .*does not match/,
      ],
    ];
    const original = readFileSync(file, 'utf8');
    for (const [line, pattern] of cases) {
      writeFileSync(file, `${original}${line}\n`);
      await expectRefused(store, openSource(`dir:${src}`), 'source-invalid', pattern);
    }
  });

  it('refuses a source whose folder disappears midway', async () => {
    const real = openSource(`dir:${src}`);
    const vanishing: Source = {
      description: real.description,
      async read() {
        const data = await real.read();
        rmSync(src, { recursive: true, force: true }); // after listing, before the facts are read
        return data;
      },
    };
    await expectRefused(store, vanishing, 'source-unavailable', /relations\.jsonl: cannot be read: ENOENT/);
  });

  it('refuses a missing source folder', async () => {
    await expectRefused(
      store,
      openSource(`dir:${join(dir, 'nope')}`),
      'source-unavailable',
      /source folder ".*nope" cannot be read/,
    );
  });

  it('keeps the newest N snapshots and never the pointed-to one', async () => {
    for (let i = 0; i < 4; i++) {
      appendFileSync(
        join(src, 'facts', 'roles.jsonl'),
        `${factLine('has_role', ['User', `n${i}`], ['String', 'viewer'], ['Organization', 'org0'])}\n`,
      );
      const s = await runSync({ source: openSource(`dir:${src}`), store, sql, keep: 2 });
      expect(s.published).toBe(true);
    }
    const ids = await store.listSnapshots();
    expect(ids).toHaveLength(2);
    expect(ids.at(-1)).toBe(await pointerId(store));
  });

  it('refuses a snapshot whose stored bytes were damaged', async () => {
    const id = (await pointerId(store))!;
    const bodyFile = join(dir, 'store', 'snapshots', `${id}.body`);
    const bytes = readFileSync(bodyFile);
    bytes[100]! ^= 0xff;
    writeFileSync(bodyFile, bytes);
    const { manifest, body } = await store.getSnapshot(id);
    expect(() => openSnapshot(sql, manifest, body)).toThrow(/sha256 is [0-9a-f]+ but the manifest says/);
    writeFileSync(bodyFile, bytes.subarray(0, 1000));
    const cut = await store.getSnapshot(id);
    expect(() => openSnapshot(sql, cut.manifest, cut.body)).toThrow(/truncated/);
  });

  it('never moves the pointer backwards when syncs race, and leaves no losing snapshot behind', async () => {
    const initial = (await pointerId(store))!;
    // Five sources with different data and increasing clocks, started together.
    const runs = Array.from({ length: 5 }, (_, i) => {
      const d = join(dir, `race${i}`);
      writeExampleSource(d, 2 + i, 2);
      return runSync({ source: openSource(`dir:${d}`), store, sql, clock: () => Date.now() + i * 1000 }).then(
        (s) => s.id,
        (e: unknown) => {
          if (!isDomainError(e, 'store-conflict')) throw e;
          return null;
        },
      );
    });
    const published = (await Promise.all(runs)).filter((id): id is string => id !== null);
    expect(published.length).toBeGreaterThan(0);
    expect(await pointerId(store)).toBe([...published].sort().at(-1));
    expect(await store.listSnapshots()).toEqual([initial, ...published].sort());
    expect(readdirSync(join(dir, 'store')).filter((n) => n.includes('lock') || n.includes('tmp'))).toEqual(
      [],
    );
  });
});

describe('sync into an s3:// store', () => {
  let server: RunningS3rver;
  let dir: string;
  const stores: S3SnapshotStore[] = [];
  beforeAll(async () => {
    server = await startS3rver(['sync-bucket']);
    dir = mkdtempSync(join(tmpdir(), 'sync-s3-'));
  });
  afterAll(async () => {
    for (const s of stores) s.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes, skips unchanged data, and publishes nothing on failure', async () => {
    const store = openStore('s3://sync-bucket/tenant-a', {
      endpoint: server.endpoint,
      credentials: S3RVER_CREDENTIALS,
    }) as S3SnapshotStore;
    stores.push(store);
    writeExampleSource(dir);
    const first = await runSync({ source: openSource(`dir:${dir}`), store, sql });
    expect(first.published).toBe(true);
    const { manifest, body } = await store.getSnapshot(first.id);
    const opened = openSnapshot(sql, manifest, body);
    expect(opened.engine.factCount()).toBe(31);
    opened.engine.close();
    expect((await runSync({ source: openSource(`dir:${dir}`), store, sql })).published).toBe(false);
    appendFileSync(join(dir, 'facts', 'roles.jsonl'), 'not json\n');
    await expectRefused(store, openSource(`dir:${dir}`), 'source-invalid', /roles\.jsonl:21: malformed json/);
    expect(await store.listSnapshots()).toEqual([first.id]);
  });
});
