// Where snapshots live: the SnapshotStore port, its file and S3 adapters, and retention.
import { fileURLToPath } from 'node:url';
import { DomainError } from '../errors.ts';
import { FileSnapshotStore } from './file.ts';
import { S3SnapshotStore, type S3StoreOptions } from './s3.ts';
import type { SnapshotStore } from './types.ts';

export { FileSnapshotStore } from './file.ts';
export { pruneSnapshots } from './prune.ts';
export { S3SnapshotStore, type S3StoreOptions } from './s3.ts';
export type { SnapshotStore, VersionedPointer } from './types.ts';

/** Options of `openStore`; only the S3 adapter uses them. */
export type StoreOptions = S3StoreOptions;

/**
 * Opens a store from its URL: `file:<dir>` (also `file:///abs/dir`) or `s3://<bucket>[/<prefix>]`.
 * A bad URL is `DomainError('bad-request')` showing the value.
 */
export function openStore(url: string, options: StoreOptions = {}): SnapshotStore {
  if (url.startsWith('file://')) return new FileSnapshotStore(fileURLToPath(url));
  if (url.startsWith('file:') && url.length > 'file:'.length)
    return new FileSnapshotStore(url.slice('file:'.length));
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (s3 !== null) return new S3SnapshotStore(s3[1]!, s3[2] ?? '', options);
  throw new DomainError(
    'bad-request',
    `unsupported store url "${url}": use file:<dir> or s3://<bucket>/<prefix>`,
  );
}
