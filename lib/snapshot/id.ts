import { randomBytes } from 'node:crypto';

const ID_PATTERN = /^\d{8}T\d{9}Z-[0-9a-f]{6}$/;

/**
 * A sortable, time-based, unique snapshot id: UTC time to the millisecond plus a random suffix,
 * e.g. `20261125T190102123Z-3f9a1c`. Plain string order is creation order.
 */
export function createSnapshotId(now: Date, suffix: string = randomBytes(3).toString('hex')): string {
  const iso = now.toISOString(); // 2026-11-25T19:01:02.123Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}${iso.slice(20, 23)}Z`;
  return `${stamp}-${suffix}`;
}

/** True when `id` has the shape `createSnapshotId` produces (also keeps ids safe as file names and keys). */
export function isSnapshotId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** Orders two snapshot ids by creation time (negative when `a` is older). */
export function compareSnapshotIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
