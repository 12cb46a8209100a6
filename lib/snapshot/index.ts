// The snapshot format: ids, manifest, encoding, verification, the one-file export container.

export { type BuildSnapshotInput, type BuiltSnapshot, buildSnapshot, countFacts } from './build.ts';
export { packSnapshot, unpackSnapshot } from './container.ts';
export { type DecodeChunksOptions, decodeSnapshotChunks } from './decode-stream.ts';
export { DEFAULT_ENCODING, decodeBody, encodeBody, type SnapshotEncoding, sha256Hex } from './encode.ts';
export { compareSnapshotIds, createSnapshotId, isSnapshotId } from './id.ts';
export { SNAPSHOT_FORMAT_VERSION, type SnapshotManifest, type SnapshotPointer } from './manifest.ts';
export {
  createManifest,
  type ManifestInput,
  parseJsonBytes,
  parseManifest,
  parsePointer,
  serialiseJson,
} from './manifest-io.ts';
export {
  type OpenedSnapshot,
  type OpenSnapshotInBackgroundOptions,
  type OpenSnapshotOptions,
  openSnapshot,
  openSnapshotChunksInBackground,
  openSnapshotInBackground,
} from './open.ts';
export {
  openCheckedBytes,
  openDecodedDatabase,
  openVerifiedDatabase,
  REQUIRED_TABLES,
  verifySnapshot,
} from './verify.ts';
export {
  type VerifyInWorkerOptions,
  verifySnapshotInWorker,
  verifyWorkerAvailable,
} from './verify-worker.ts';
