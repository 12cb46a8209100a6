import { DomainError } from '../errors.ts';
import type { SnapshotPointer } from '../snapshot/index.ts';
import { compareSnapshotIds } from '../snapshot/index.ts';
import type { VersionedPointer } from './types.ts';

/**
 * The compare-and-swap rule every adapter applies before moving the pointer: the pointer must still be the
 * one the caller read (`expectedEtag`, `null` = none), and it never moves to an older snapshot id.
 */
export function checkPointerMove(
  location: string,
  current: VersionedPointer | null,
  next: SnapshotPointer,
  expectedEtag: string | null,
): void {
  const currentEtag = current?.etag ?? null;
  if (currentEtag !== expectedEtag) {
    throw new DomainError(
      'store-conflict',
      `${location}: the pointer changed meanwhile (now ${current?.pointer.id ?? 'absent'}); not moving it to ${next.id}`,
    );
  }
  if (current !== null && compareSnapshotIds(next.id, current.pointer.id) < 0) {
    throw new DomainError(
      'store-conflict',
      `${location}: refusing to move the pointer backwards from ${current.pointer.id} to ${next.id}`,
    );
  }
}
