import { describe, expect, it } from 'vitest';
import { loadSqlJs } from '../../../lib/engine/sqljs.ts';
import { isDomainError } from '../../../lib/errors.ts';
import { packSnapshot, unpackSnapshot, verifySnapshot } from '../../../lib/snapshot/index.ts';
import { snapshotOf, tinyDatabase } from '../../support/snapshot-fixtures.ts';

const sql = await loadSqlJs();

describe('snapshot export container', () => {
  it('round-trips manifest and body byte for byte', () => {
    const { manifest, body } = snapshotOf(tinyDatabase(sql));
    const back = unpackSnapshot(packSnapshot(manifest, body));
    expect(back.manifest).toEqual(manifest);
    expect(Buffer.from(back.body).equals(Buffer.from(body))).toBe(true);
    expect(() => verifySnapshot(sql, back.manifest, back.body)).not.toThrow();
  });

  it('refuses a file without the header', () => {
    expect(() => unpackSnapshot(new TextEncoder().encode('{"id":1}\n'))).toThrow(
      /missing "oso-fallback-snapshot"/,
    );
  });

  it('refuses a file cut inside the manifest', () => {
    const { manifest, body } = snapshotOf(tinyDatabase(sql));
    const file = packSnapshot(manifest, body);
    try {
      unpackSnapshot(file.subarray(0, 60));
      expect.unreachable();
    } catch (e) {
      expect(isDomainError(e, 'snapshot-corrupt')).toBe(true);
    }
  });

  it('leaves a truncated body to be caught by verification', () => {
    const { manifest, body } = snapshotOf(tinyDatabase(sql));
    const back = unpackSnapshot(packSnapshot(manifest, body).subarray(0, -5));
    expect(() => verifySnapshot(sql, back.manifest, back.body)).toThrow(/truncated/);
  });
});
