// The in-process sync loop of a self-syncing node (`fallback serve --source ...`).
import type { Logger } from '../http/index.ts';

/** Default time between the end of one sync and the start of the next. */
export const DEFAULT_SYNC_INTERVAL_MS = 60_000;

export interface SyncLoopOptions {
  /** One sync: pull, build, publish; resolves `true` when it published a new snapshot. Throws on failure. */
  runOnce: () => Promise<boolean>;
  /** Called after a sync published, e.g. to load the new snapshot at once. Default: none. */
  onPublished?: () => Promise<unknown>;
  /** Default {@link DEFAULT_SYNC_INTERVAL_MS}. */
  intervalMs?: number;
  logger: Logger;
}

export interface SyncLoop {
  /** Stops scheduling; a sync in progress finishes. Resolves when it has. */
  stop(): Promise<void>;
  /** Syncs done (successful or not), for tests. */
  runs(): number;
}

/**
 * Runs a sync at once, then again `intervalMs` after each one ends (never two at a time). A failed
 * sync is logged and leaves the current snapshot in place; the loop keeps going.
 */
export function startSyncLoop(o: SyncLoopOptions): SyncLoop {
  const intervalMs = o.intervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
  let stopped = false;
  let count = 0;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const once = async () => {
    const started = Date.now();
    try {
      const published = await o.runOnce();
      o.logger.info('sync finished', { published, seconds: (Date.now() - started) / 1000 });
      if (published) await o.onPublished?.();
    } catch (e) {
      o.logger.error('sync failed; serving the current snapshot', {
        error: e instanceof Error ? e.message : String(e),
        code: (e as { code?: unknown }).code,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      count++;
    }
  };
  const tick = () => {
    current = once().then(() => {
      // Unref'd: the server's socket keeps the process alive, and a closed server lets it exit.
      if (!stopped) timer = setTimeout(tick, intervalMs).unref();
    });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
    runs: () => count,
  };
}
