// The sync job: source -> checked policy and facts -> snapshot -> store.
export {
  runSync,
  type SyncLogger,
  type SyncOptions,
  type SyncProgress,
  type SyncSummary,
} from './run-sync.ts';
