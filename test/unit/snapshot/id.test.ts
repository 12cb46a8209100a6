import { describe, expect, it } from 'vitest';
import { compareSnapshotIds, createSnapshotId, isSnapshotId } from '../../../lib/snapshot/index.ts';

describe('snapshot ids', () => {
  it('encode the UTC time to the millisecond plus a random suffix', () => {
    const id = createSnapshotId(new Date('2026-11-25T19:01:02.123Z'), 'abcdef');
    expect(id).toBe('20261125T190102123Z-abcdef');
    expect(isSnapshotId(id)).toBe(true);
  });

  it('sort by creation time as plain strings', () => {
    const times = ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.001Z', '2026-12-31T23:59:59.999Z'];
    const ids = times.map((t) => createSnapshotId(new Date(t)));
    expect([...ids].reverse().sort(compareSnapshotIds)).toEqual(ids);
    expect(compareSnapshotIds(ids[0]!, ids[1]!)).toBeLessThan(0);
  });

  it('differ for the same millisecond', () => {
    const at = new Date();
    const ids = new Set(Array.from({ length: 50 }, () => createSnapshotId(at)));
    expect(ids.size).toBeGreaterThan(45);
  });

  it('reject anything that could escape a folder or key', () => {
    for (const bad of ['../x', '20261125T190102123Z-abcdeg', '', '20261125T190102123Z-abcdef/..']) {
      expect(isSnapshotId(bad)).toBe(false);
    }
  });
});
