import type { Engine } from '../engine/types.ts';
import type { Policy } from '../polar/ast.ts';
import { compareSnapshotIds, type SnapshotManifest, type SnapshotPointer } from '../snapshot/index.ts';
import type { SnapshotStore } from '../store/index.ts';

/** A verified snapshot opened into an engine (what `openSnapshot` returns). */
export interface OpenedSnapshot {
  engine: Engine;
  manifest: SnapshotManifest;
  policy?: Pick<Policy, 'sources'>;
}

/** Verifies and opens stored snapshot bytes; throws `DomainError('snapshot-corrupt')` on bad bytes. */
export type SnapshotOpener = (
  manifest: SnapshotManifest,
  body: Uint8Array,
) => OpenedSnapshot | Promise<OpenedSnapshot>;

/**
 * Like `SnapshotOpener`, for stored bytes that arrive in chunks (`SnapshotStore.readSnapshotChunks`), so
 * they are never held whole beside the decoded image.
 */
export type SnapshotChunksOpener = (
  manifest: SnapshotManifest,
  chunks: AsyncIterable<Uint8Array>,
) => Promise<OpenedSnapshot>;

/** What a request reads: the opened snapshot plus when its data was last known current. */
export interface HeldSnapshot extends OpenedSnapshot {
  /** Epoch ms: the later of the snapshot's creation and the pointer's last rewrite. */
  freshAt: number;
}

export interface HolderLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface HolderOptions {
  store: SnapshotStore;
  open: SnapshotOpener;
  /** Used instead of `open` when the store can stream (`readSnapshotChunks`). Default: none (`open`). */
  openChunks?: SnapshotChunksOpener;
  /** How often to poll the pointer once loaded. Default: 10,000 ms. */
  refreshIntervalMs?: number;
  /** First retry delay while nothing is loaded; doubles per failure. Default: 500 ms. */
  retryInitialMs?: number;
  /** Largest retry delay while nothing is loaded. Default: 30,000 ms. */
  retryMaxMs?: number;
  /** Epoch ms. Default: `Date.now`. */
  clock?: () => number;
  /** Default: silent. */
  logger?: HolderLogger;
  /**
   * Called after every load, and awaited: the runtime then reclaims what loading left behind (the stored
   * body, the old image). The first load calls it before the snapshot is served, so the first request
   * meets the memory the node keeps; a swap calls it once the old engine is closed. Default: none.
   */
  afterLoad?: () => void | Promise<void>;
}

/** How one refresh ended. */
export type RefreshOutcome = 'loaded' | 'unchanged' | 'empty' | 'older' | 'failed';

const SILENT: HolderLogger = { info() {}, warn() {}, error() {} };

function freshness(manifest: SnapshotManifest, pointer: SnapshotPointer): number {
  const created = Date.parse(manifest.createdAt);
  const updated = Date.parse(pointer.updatedAt);
  return Math.max(Number.isNaN(created) ? 0 : created, Number.isNaN(updated) ? 0 : updated);
}

/**
 * Holds the current snapshot and replaces it with newer ones from the store. A swap is one assignment:
 * a request grabs the engine once and runs synchronously on it, so in-flight requests finish on the old
 * engine, which is closed right after the swap to release its memory. Never moves to an older id; a
 * failed refresh keeps the current snapshot and counts a failure.
 */
export class SnapshotHolder {
  readonly #o: Required<Omit<HolderOptions, 'logger' | 'afterLoad' | 'openChunks'>> &
    Pick<HolderOptions, 'afterLoad' | 'openChunks'> & { logger: HolderLogger };
  #current: HeldSnapshot | null = null;
  #etag: string | undefined;
  #inflight: Promise<RefreshOutcome> | null = null;
  #nextAttemptAt = 0;
  #missesInRow = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #stats = { lastLoadMs: null as number | null, loads: 0, refreshFailures: 0 };

  constructor(options: HolderOptions) {
    this.#o = {
      refreshIntervalMs: 10_000,
      retryInitialMs: 500,
      retryMaxMs: 30_000,
      clock: Date.now,
      ...options,
      logger: options.logger ?? SILENT,
    };
  }

  /** The snapshot to answer from, or `null` before the first load. */
  current(): HeldSnapshot | null {
    return this.#current;
  }

  stats(): { lastLoadMs: number | null; loads: number; refreshFailures: number } {
    return { ...this.#stats };
  }

  /** Polls the pointer once and loads a newer snapshot if there is one. Concurrent calls share one run. */
  refresh(): Promise<RefreshOutcome> {
    this.#inflight ??= this.#refresh().finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  /** Starts a refresh when one is due (interval, or backoff while not loaded); otherwise `null`. */
  refreshIfDue(): Promise<RefreshOutcome> | null {
    if (this.#inflight !== null) return this.#inflight;
    return this.#o.clock() >= this.#nextAttemptAt ? this.refresh() : null;
  }

  /**
   * Makes the first attempt and resolves with whether a snapshot is loaded; with `background` (default
   * true) keeps polling on an unref'd timer until `stop()`.
   */
  async start(background = true): Promise<boolean> {
    await this.refresh();
    if (background) this.#schedule();
    return this.#current !== null;
  }

  /** Stops polling and closes the current engine. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const old = this.#current;
    this.#current = null;
    old?.engine.close();
  }

  #schedule(): void {
    if (this.#stopped) return;
    const delay = Math.max(0, this.#nextAttemptAt - this.#o.clock());
    this.#timer = setTimeout(() => {
      void this.refresh().finally(() => this.#schedule());
    }, delay);
    this.#timer.unref();
  }

  async #refresh(): Promise<RefreshOutcome> {
    const { store, logger, clock } = this.#o;
    const started = clock();
    let outcome: RefreshOutcome;
    try {
      outcome = await this.#poll(started);
    } catch (e) {
      outcome = 'failed';
      this.#stats.refreshFailures += 1;
      logger.warn('snapshot refresh failed', {
        store: store.location,
        error: e instanceof Error ? e.message : String(e),
        code: (e as { code?: unknown }).code,
        keeping: this.#current?.manifest.id ?? null,
      });
    }
    // While nothing is loaded, retry with exponential backoff; once loaded, poll at the interval.
    this.#missesInRow = outcome === 'failed' || outcome === 'empty' ? this.#missesInRow + 1 : 0;
    const backoff = Math.min(
      this.#o.retryMaxMs,
      this.#o.retryInitialMs * 2 ** Math.max(0, this.#missesInRow - 1),
    );
    this.#nextAttemptAt = clock() + (this.#current === null ? backoff : this.#o.refreshIntervalMs);
    return outcome;
  }

  async #poll(started: number): Promise<RefreshOutcome> {
    const { store, logger, clock } = this.#o;
    const read = await store.readPointer(this.#current === null ? undefined : this.#etag);
    if (read === 'not-modified') return 'unchanged';
    if (read === null) {
      logger.info('store has no snapshot yet', { store: store.location });
      return 'empty';
    }
    const { pointer, etag } = read;
    const cur = this.#current;
    if (cur !== null && pointer.id === cur.manifest.id) {
      // A rewritten pointer naming the same snapshot confirms the data is still current.
      cur.freshAt = Math.max(cur.freshAt, freshness(cur.manifest, pointer));
      this.#etag = etag;
      return 'unchanged';
    }
    if (cur !== null && compareSnapshotIds(pointer.id, cur.manifest.id) < 0) {
      logger.warn('pointer names an older snapshot; keeping the current one', {
        pointer: pointer.id,
        current: cur.manifest.id,
      });
      this.#etag = etag;
      return 'older';
    }
    const openChunks = this.#o.openChunks;
    let opened: OpenedSnapshot;
    if (openChunks !== undefined && store.readSnapshotChunks !== undefined) {
      const { manifest, chunks } = await store.readSnapshotChunks(pointer.id);
      opened = await openChunks(manifest, chunks);
    } else {
      const { manifest, body } = await store.getSnapshot(pointer.id);
      opened = await this.#o.open(manifest, body);
    }
    const old = this.#current;
    if (old === null) await this.#o.afterLoad?.();
    if (this.#stopped) {
      opened.engine.close();
      return 'unchanged';
    }
    const next: HeldSnapshot = { ...opened, freshAt: freshness(opened.manifest, pointer) };
    this.#current = next;
    this.#etag = etag;
    old?.engine.close();
    if (old !== null) await this.#o.afterLoad?.();
    const loadMs = clock() - started;
    this.#stats.lastLoadMs = loadMs;
    this.#stats.loads += 1;
    logger.info('snapshot loaded', {
      id: opened.manifest.id,
      previous: old?.manifest.id ?? null,
      loadMs,
      facts: Object.values(opened.manifest.factCounts).reduce((a, b) => a + b, 0),
    });
    return 'loaded';
  }
}
