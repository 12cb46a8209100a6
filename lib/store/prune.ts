import { DomainError } from '../errors.ts';
import type { SnapshotStore } from './types.ts';

/**
 * Retention: deletes all but the newest `keep` snapshots (default 10), never the one the pointer names
 * (even when it is older, e.g. after an import). Returns the deleted ids.
 */
export async function pruneSnapshots(store: SnapshotStore, keep = 10): Promise<string[]> {
  if (!Number.isInteger(keep) || keep < 1)
    throw new DomainError('bad-request', `keep must be at least 1, got ${keep}`);
  const current = await store.readPointer();
  const pointed = current === null || current === 'not-modified' ? null : current.pointer.id;
  const ids = await store.listSnapshots();
  const doomed = ids.slice(0, Math.max(0, ids.length - keep)).filter((id) => id !== pointed);
  for (const id of doomed) await store.deleteSnapshot(id);
  return doomed;
}
