import type { SnapshotManifest, SnapshotPointer } from '../snapshot/manifest.ts';

/** The pointer as read from a store, with the opaque version tag used for conditional requests. */
export interface VersionedPointer {
  pointer: SnapshotPointer;
  /** ETag (S3) or content hash (file): pass it back to `writePointer`/`readPointer`. */
  etag: string;
}

/**
 * Where snapshots live. Snapshots are immutable: written once under their own key, never overwritten;
 * the pointer is written last. Adapters translate their library's errors into `DomainError`
 * (`store-unavailable`, `store-conflict`, `snapshot-corrupt`).
 */
export interface SnapshotStore {
  /** A human-readable location without secrets, e.g. `s3://bucket/prefix` or `file:/data`. */
  readonly location: string;
  /**
   * Reads the pointer. Returns `null` when the store has no snapshot yet, and `'not-modified'` when
   * `ifNoneMatch` equals the current etag (a cheap poll).
   */
  readPointer(ifNoneMatch?: string): Promise<VersionedPointer | 'not-modified' | null>;
  /** Stores a snapshot's database bytes and manifest under its id. Refuses to overwrite an existing id. */
  putSnapshot(manifest: SnapshotManifest, body: Uint8Array): Promise<void>;
  /** Reads a snapshot's stored bytes (as written by `putSnapshot`) and its manifest. */
  getSnapshot(id: string): Promise<{ manifest: SnapshotManifest; body: Uint8Array }>;
  /**
   * Like `getSnapshot`, but the stored bytes arrive in chunks as they are read, so a reader never has to
   * hold them whole (see `decodeSnapshotChunks`). The manifest is read first; a failure while the chunks
   * are read is `store-unavailable`. Optional: a store without it is read with `getSnapshot`.
   */
  readSnapshotChunks?(id: string): Promise<{ manifest: SnapshotManifest; chunks: AsyncIterable<Uint8Array> }>;
  /**
   * Moves the pointer. `expectedEtag` is the etag read before (or `null` when there was no pointer); when
   * the pointer changed meanwhile, throws `DomainError('store-conflict')` where the backend can tell.
   */
  writePointer(pointer: SnapshotPointer, expectedEtag: string | null): Promise<string>;
  /** Snapshot ids present, oldest first. */
  listSnapshots(): Promise<string[]>;
  /** Deletes one snapshot (its bytes and manifest). */
  deleteSnapshot(id: string): Promise<void>;
}
