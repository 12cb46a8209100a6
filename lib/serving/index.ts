// Serving: the snapshot holder that loads the latest snapshot and swaps in newer ones.
export {
  type HeldSnapshot,
  type HolderLogger,
  type HolderOptions,
  type OpenedSnapshot,
  type RefreshOutcome,
  type SnapshotChunksOpener,
  SnapshotHolder,
  type SnapshotOpener,
} from './holder.ts';
