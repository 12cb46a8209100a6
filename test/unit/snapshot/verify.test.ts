import { describe, expect, it } from 'vitest';
import { loadSqlJs } from '../../../lib/engine/sqljs.ts';
import { isDomainError } from '../../../lib/errors.ts';
import {
  createManifest,
  encodeBody,
  openDecodedDatabase,
  verifySnapshot,
} from '../../../lib/snapshot/index.ts';
import { snapshotOf, tinyDatabase } from '../../support/snapshot-fixtures.ts';

const sql = await loadSqlJs();

function expectRefused(
  fn: () => unknown,
  code: 'snapshot-corrupt' | 'snapshot-unsupported',
  pattern: RegExp,
) {
  try {
    fn();
  } catch (e) {
    expect(isDomainError(e, code), String(e)).toBe(true);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  expect.unreachable('the snapshot was accepted');
}

describe('verifySnapshot', () => {
  const raw = tinyDatabase(sql);

  it.each(['gzip', 'none'] as const)(
    'accepts an intact %s snapshot and returns the database bytes',
    (encoding) => {
      const { manifest, body } = snapshotOf(raw, { encoding });
      expect(Buffer.from(verifySnapshot(sql, manifest, body)).equals(Buffer.from(raw))).toBe(true);
    },
  );

  it('refuses a flipped byte', () => {
    const { manifest, body } = snapshotOf(raw);
    const bad = body.slice();
    bad[Math.floor(bad.length / 2)]! ^= 0x01;
    expectRefused(() => verifySnapshot(sql, manifest, bad), 'snapshot-corrupt', /sha256 is [0-9a-f]{64} but/);
  });

  it('refuses a truncated body', () => {
    const { manifest, body } = snapshotOf(raw);
    expectRefused(
      () => verifySnapshot(sql, manifest, body.subarray(0, body.length - 10)),
      'snapshot-corrupt',
      /truncated/,
    );
  });

  it('refuses a manifest with the wrong checksum', () => {
    const { manifest, body } = snapshotOf(raw);
    expectRefused(
      () => verifySnapshot(sql, { ...manifest, sha256: '0'.repeat(64) }, body),
      'snapshot-corrupt',
      /manifest says 0{64}/,
    );
  });

  it('refuses a future format version as unsupported', () => {
    const { manifest, body } = snapshotOf(raw);
    expectRefused(
      () => verifySnapshot(sql, { ...manifest, formatVersion: 99 }, body),
      'snapshot-unsupported',
      /format version 99; this build reads version 1/,
    );
  });

  it('refuses a valid SQLite database that lacks a required table', () => {
    const { manifest, body } = snapshotOf(tinyDatabase(sql, false));
    expectRefused(
      () => verifySnapshot(sql, manifest, body),
      'snapshot-corrupt',
      /lacks required table\(s\) meta/,
    );
  });

  it('refuses bytes that are not SQLite even when the checksum matches', () => {
    const junk = new TextEncoder().encode('this is not a database '.repeat(100));
    const { manifest, body } = snapshotOf(junk);
    expectRefused(
      () => verifySnapshot(sql, manifest, body),
      'snapshot-corrupt',
      /not a readable sqlite database/,
    );
  });

  it('refuses a damaged database whose checksum was recomputed (quick_check)', () => {
    const big = tinyDatabase(sql, true, 3000);
    const bad = big.slice(0, 4096 * 3); // header says more pages than are present
    const body = encodeBody(bad, 'none');
    const { manifest } = snapshotOf(big, { encoding: 'none' });
    const forged = createManifest({ ...manifest, rawSize: bad.length }, body);
    expectRefused(
      () => verifySnapshot(sql, forged, body),
      'snapshot-corrupt',
      /quick_check|not a readable sqlite/,
    );
  });

  it('refuses a gzip stream that does not decode', () => {
    const { manifest } = snapshotOf(raw);
    const junk = new Uint8Array(100).fill(7);
    const forged = createManifest({ ...manifest }, junk);
    expectRefused(() => verifySnapshot(sql, forged, junk), 'snapshot-corrupt', /gzip body does not decode/);
  });

  it('refuses a malformed manifest field, showing the value', () => {
    const { manifest, body } = snapshotOf(raw);
    expectRefused(
      () => verifySnapshot(sql, { ...manifest, encoding: 'zstd' as 'gzip' }, body),
      'snapshot-corrupt',
      /encoding is invalid: "zstd"/,
    );
    expectRefused(
      () => verifySnapshot(sql, { ...manifest, databaseFeatures: [7] as unknown as string[] }, body),
      'snapshot-corrupt',
      /databaseFeatures is invalid: \[7\]/,
    );
  });

  it('checks decoded bytes with SQLite alone (openDecodedDatabase, the streamed load without a worker)', () => {
    const db = openDecodedDatabase(sql, 'x', raw.slice());
    expect(db.exec('SELECT count(*) FROM t')[0]!.values[0]![0]).toBe(50);
    db.close();
    expectRefused(
      () => openDecodedDatabase(sql, 'x', tinyDatabase(sql, false)),
      'snapshot-corrupt',
      /lacks required table\(s\) meta/,
    );
    const junk = new TextEncoder().encode('this is not a database '.repeat(100));
    expectRefused(
      () => openDecodedDatabase(sql, 'x', junk),
      'snapshot-corrupt',
      /not a readable sqlite database/,
    );
  });
});
