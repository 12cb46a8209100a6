import { createHash } from 'node:crypto';
import type { SqlJsStatic } from 'sql.js';
import { DB_FEATURES, DB_FORMAT, loadSqlJs, runPolicyTests } from '../engine/index.ts';
import { DomainError } from '../errors.ts';
import { checkFact, type Policy, parsePolicy, policyHash } from '../polar/index.ts';
import {
  buildSnapshot,
  createSnapshotId,
  openSnapshot,
  type SnapshotEncoding,
  type SnapshotManifest,
} from '../snapshot/index.ts';
import type { Source } from '../source/index.ts';
import { pruneSnapshots, type SnapshotStore, type VersionedPointer } from '../store/index.ts';
import { FactBuffer } from './fact-buffer.ts';

/** Progress of a sync, reported while facts are read and at each phase change. */
export interface SyncProgress {
  phase: 'read' | 'build' | 'publish';
  facts: number;
  bytesRead?: number;
  totalBytes?: number;
  elapsedMs: number;
}

/** What `runSync` did. */
export interface SyncSummary {
  /** False when the data and policy were unchanged (nothing published). */
  published: boolean;
  /** The snapshot now current (the new one, or the unchanged current one). */
  id: string;
  previousId: string | null;
  /** Facts read from the source (before duplicates are merged; `factCounts` has what is stored). */
  facts: number;
  /** Stored snapshot size in bytes (0 when nothing was published). */
  bytes: number;
  seconds: number;
  factCounts: Record<string, number>;
  /** Snapshots deleted by retention. */
  pruned: string[];
}

/** Where the job logs (the HTTP layer's logger and Powertools' logger both fit). */
export interface SyncLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface SyncOptions {
  source: Source;
  store: SnapshotStore;
  /** Default: `loadSqlJs()`. */
  sql?: SqlJsStatic;
  /** Epoch milliseconds; used for snapshot ids and `@current_unix_time` in policy tests. Default `Date.now`. */
  clock?: () => number;
  /** Default: silent. */
  logger?: SyncLogger;
  onProgress?: (p: SyncProgress) => void;
  /** Snapshots to keep. Default 10. */
  keep?: number;
  /** Default `DEFAULT_ENCODING` (gzip). */
  encoding?: SnapshotEncoding;
  /** Publish even when policy and data are unchanged (e.g. to replace a damaged current snapshot). Default false. */
  force?: boolean;
  /**
   * Open the built snapshot exactly as a serving node will (verify, quick_check, policy, engine) before
   * publishing it, so an unloadable snapshot is never made current. Default true.
   */
  verify?: boolean;
  /** Facts between two progress reports. Default 50,000. */
  progressEvery?: number;
}

/** Runs the policy's `test` blocks; any failure refuses the sync, listing the failed assertions. */
function checkPolicyTests(sql: SqlJsStatic, policy: Policy, clock: () => number): void {
  const report = runPolicyTests(sql, policy, { clock: () => Math.floor(clock() / 1000) });
  if (report.failed === 0) return;
  const lines = report.failures
    .slice(0, 20)
    .map((f) => `${f.loc.file}:${f.loc.line}:${f.loc.column}: test "${f.test}": ${f.message}`);
  if (report.failures.length > 20) lines.push(`... and ${report.failures.length - 20} more`);
  throw new DomainError(
    'policy-tests-failed',
    `${report.failed} policy test(s) failed\n${lines.join('\n')}`,
    {
      details: { passed: report.passed, failed: report.failed },
    },
  );
}

/** Reads every fact, checking each against the policy; computes the order-sensitive data hash. */
async function collectFacts(
  source: Awaited<ReturnType<Source['read']>>,
  policy: Policy,
  report: (facts: number) => void,
  every: number,
): Promise<{ facts: FactBuffer; dataHash: string }> {
  const facts = new FactBuffer();
  const hash = createHash('sha256');
  // Canonical text is length-prefixed (unambiguous for any id) and hashed in 64 KiB pieces: one native call
  // per fact would dominate the read time.
  let pending = '';
  const checked = new Map<string, string | null>();
  for await (const { fact, origin } of source.facts) {
    let key = fact.predicate;
    for (const a of fact.args) key += `\u0000${a.type}`;
    let problem = checked.get(key);
    if (problem === undefined) {
      problem = checkFact(policy, fact);
      checked.set(key, problem);
    }
    if (problem !== null) {
      throw new DomainError('source-invalid', `${origin.file}:${origin.line}: ${problem}`, {
        details: { origin },
      });
    }
    pending += `${fact.predicate.length}:${fact.predicate}`;
    for (const a of fact.args) pending += `${a.type.length}:${a.type}${a.id.length}:${a.id}`;
    pending += '\n';
    if (pending.length > 65_536) {
      hash.update(pending);
      pending = '';
    }
    facts.push(fact);
    if (facts.length % every === 0) report(facts.length);
  }
  hash.update(pending);
  report(facts.length);
  return { facts, dataHash: hash.digest('hex') };
}

/**
 * The sync job: read the source, parse and check the policy, run its tests, check and load every fact,
 * build the snapshot, publish it, move the pointer, prune. Any failure publishes nothing and leaves the
 * previous pointer in place; errors name the file and line. When the policy and data hashes equal the
 * current snapshot's, no snapshot is published; the pointer is rewritten with the same id and a fresh
 * `updatedAt` (a heartbeat that nodes measure snapshot age and staleness from).
 */
export async function runSync(options: SyncOptions): Promise<SyncSummary> {
  const { source, store } = options;
  const sql = options.sql ?? (await loadSqlJs());
  const clock = options.clock ?? Date.now;
  const logger = options.logger;
  const started = performance.now();
  const elapsedMs = () => performance.now() - started;

  const data = await source.read();
  const policy = parsePolicy(data.policy);
  checkPolicyTests(sql, policy, clock);
  const progress = (phase: SyncProgress['phase'], facts: number) =>
    options.onProgress?.({
      phase,
      facts,
      ...(data.bytesRead === undefined ? {} : { bytesRead: data.bytesRead() }),
      ...(data.totalBytes === undefined ? {} : { totalBytes: data.totalBytes }),
      elapsedMs: elapsedMs(),
    });
  const { facts, dataHash } = await collectFacts(
    data,
    policy,
    (n) => progress('read', n),
    options.progressEvery ?? 50_000,
  );
  const pHash = policyHash(data.policy);

  const current = await store.readPointer();
  const cur = current === 'not-modified' ? null : current;
  const currentVersion = cur?.pointer.manifest.upstreamVersion;
  if (isOlderVersion(data.upstreamVersion, currentVersion)) {
    // An upstream replica that lags (or was reset) must never move the pointer backwards.
    throw new DomainError(
      'source-invalid',
      `upstream data version ${data.upstreamVersion} is older than the current snapshot's ${currentVersion}: nothing published (if the upstream was reset on purpose, sync into a new store)`,
    );
  }
  if (
    options.force !== true &&
    cur !== null &&
    cur.pointer.manifest.policyHash === pHash &&
    cur.pointer.manifest.dataHash === dataHash &&
    // after an upgrade that changed the database layout, nodes of the new version cannot open the
    // current snapshot: unchanged data is rebuilt once in the new format
    cur.pointer.manifest.databaseFormat === DB_FORMAT &&
    // one that added an optional part (nodes serve the old snapshot without it): rebuilt once as well
    DB_FEATURES.every((f) => cur.pointer.manifest.databaseFeatures?.includes(f) === true)
  ) {
    const confirmedAt = await confirmPointer(store, cur, clock, logger);
    logger?.info('sync: unchanged', { id: cur.pointer.id, facts: facts.length, confirmedAt });
    return summary(false, cur.pointer.manifest, facts.length, 0, elapsedMs(), []);
  }

  progress('build', facts.length);
  const now = clock();
  const built = buildSnapshot(sql, {
    policy,
    facts,
    id: createSnapshotId(new Date(now)),
    createdAt: new Date(now).toISOString(),
    source: source.description,
    policyHash: pHash,
    dataHash,
    ...(data.upstreamVersion === undefined ? {} : { upstreamVersion: data.upstreamVersion }),
    previousId: cur?.pointer.id ?? null,
    ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
  });
  const factsRead = facts.length;
  facts.clear(); // let the facts go before the upload
  const { manifest } = built;
  if (options.verify ?? true) openSnapshot(sql, manifest, built.body).engine.close();
  progress('publish', factsRead);
  await store.putSnapshot(manifest, built.body);
  try {
    await store.writePointer(
      { id: manifest.id, manifest, updatedAt: new Date(clock()).toISOString() },
      cur?.etag ?? null,
    );
  } catch (e) {
    // Drop the snapshot only when it is certainly not current (the write may have landed before the error).
    const after = await store.readPointer().catch(() => undefined);
    const pointed = after === undefined || after === 'not-modified' ? undefined : (after?.pointer.id ?? null);
    if (pointed !== undefined && pointed !== manifest.id) {
      await store.deleteSnapshot(manifest.id).catch(() => undefined);
    }
    throw e;
  }
  let pruned: string[] = [];
  try {
    pruned = await pruneSnapshots(store, options.keep ?? 10);
  } catch (e) {
    logger?.warn('sync: retention failed (the new snapshot is published)', { error: String(e) });
  }
  logger?.info('sync: published', { id: manifest.id, facts: factsRead, bytes: manifest.size });
  return summary(true, manifest, factsRead, manifest.size, elapsedMs(), pruned);
}

/**
 * The heartbeat of an unchanged sync: rewrites the pointer with the same snapshot and a fresh `updatedAt`
 * (conditional on the etag just read, never earlier than the time already there), so serving nodes can
 * tell "nothing changed upstream" from "the sync stopped running". A lost race is not an error: someone
 * else just moved the pointer. Returns the time written, or `null` when the pointer was left alone.
 */
async function confirmPointer(
  store: SnapshotStore,
  cur: VersionedPointer,
  clock: () => number,
  logger: SyncLogger | undefined,
): Promise<string | null> {
  const previous = Date.parse(cur.pointer.updatedAt);
  const now = clock();
  if (!Number.isNaN(previous) && previous >= now) return null;
  const updatedAt = new Date(now).toISOString();
  try {
    await store.writePointer({ ...cur.pointer, updatedAt }, cur.etag);
    return updatedAt;
  } catch (e) {
    logger?.warn('sync: could not confirm the unchanged pointer', { id: cur.pointer.id, error: String(e) });
    return null;
  }
}

function summary(
  published: boolean,
  m: SnapshotManifest,
  facts: number,
  bytes: number,
  ms: number,
  pruned: string[],
): SyncSummary {
  return {
    published,
    id: m.id,
    previousId: m.previousId,
    facts,
    bytes,
    seconds: ms / 1000,
    factCounts: m.factCounts,
    pruned,
  };
}

/** True when both versions are decimal counters (Oso's `OsoOffset`) and `next` is below `current`. */
function isOlderVersion(next: string | undefined, current: string | undefined): boolean {
  if (next === undefined || current === undefined) return false;
  if (!/^\d+$/.test(next) || !/^\d+$/.test(current)) return false;
  return BigInt(next) < BigInt(current);
}
