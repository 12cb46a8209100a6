import type { Engine } from '../engine/types.ts';
import { DomainError } from '../errors.ts';
import type { ServingSnapshot, SnapshotProvider, SnapshotStats } from '../http/index.ts';
import type { Fact, Policy } from '../polar/ast.ts';
import { SNAPSHOT_FORMAT_VERSION } from '../snapshot/index.ts';
import type { DevFactStore, FactChange } from './fact-store.ts';

/** What dev mode needs from the parser, the checker, the test runner and the engine. */
export interface DevPolicyPort {
  /** Parses and checks; throws `DomainError` (`policy-syntax`/`policy-invalid`) with diagnostics. */
  compile(sources: { filename: string; src: string }[]): Policy;
  /** Throws `DomainError('bad-request')` when the policy does not accept the fact (predicate, arity, types). */
  checkFact(policy: Policy, fact: Fact): void;
  /** Runs the policy's `test` blocks; returns one message per failed assertion (empty: all passed). */
  runTests(policy: Policy): Promise<string[]>;
  /** A fresh engine over the policy and the stored facts. */
  createEngine(policy: Policy, facts: Fact[]): Engine;
}

/** Result of `POST /api/policy`: `updated` (200) or `unchanged` (202). */
export type PolicyOutcome = { kind: 'updated' | 'unchanged'; offset: number };

/**
 * The dev server's state: the store, the checked policy, and an engine rebuilt lazily on the first read
 * after a write (so a bulk load of many requests costs one rebuild, not one per request).
 * Writes run one at a time, and each is on disk before it is answered.
 */
export class DevService implements SnapshotProvider {
  private compiled: Policy | null = null;
  private serving: ServingSnapshot | null = null;
  private dirty = true;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly counters: SnapshotStats = { lastLoadMs: null, loads: 0, refreshFailures: 0 };

  constructor(
    readonly store: DevFactStore,
    private readonly port: DevPolicyPort,
    private readonly clock: () => number = Date.now,
  ) {
    const saved = store.policy();
    this.compiled = port.compile(saved === null ? [] : [saved]);
  }

  /** The checked policy (an empty one before the first `POST /api/policy`). */
  get policy(): Policy {
    return this.compiled!;
  }

  current(): ServingSnapshot | null {
    if (this.dirty) this.rebuild();
    return this.serving;
  }

  stats(): SnapshotStats {
    return this.counters;
  }

  /** Checks the policy and runs its tests before storing it; unchanged text is a no-op. */
  setPolicy(source: { filename: string; src: string }): Promise<PolicyOutcome> {
    return this.serialise(async () => {
      const saved = this.store.policy();
      if (saved !== null && saved.src === source.src && saved.filename === source.filename) {
        return { kind: 'unchanged', offset: this.store.offset } as const;
      }
      const policy = this.port.compile([source]);
      const failures = await this.port.runTests(policy);
      if (failures.length > 0) {
        throw new DomainError('policy-tests-failed', `policy tests failed:\n${failures.join('\n')}`, {
          details: { failures },
        });
      }
      const offset = this.store.write([], source);
      await this.store.persist();
      this.compiled = policy;
      this.dirty = true;
      return { kind: 'updated', offset } as const;
    });
  }

  /** Applies inserts and deletes in order, all or nothing; returns the new offset. */
  write(changes: FactChange[]): Promise<number> {
    return this.serialise(async () => {
      for (const change of changes) {
        if (change.kind === 'insert') for (const f of change.facts) this.port.checkFact(this.policy, f);
      }
      const offset = this.store.write(changes);
      await this.store.persist();
      this.dirty = true;
      return offset;
    });
  }

  /** Deletes every fact; the policy stays. */
  clear(): Promise<number> {
    return this.serialise(async () => {
      const offset = this.store.clear();
      await this.store.persist();
      this.dirty = true;
      return offset;
    });
  }

  /** Waits for pending writes, then releases the engine and the store. */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.serving?.engine.close();
    this.serving = null;
    this.store.close();
  }

  private serialise<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stored facts the policy can read; facts left over from an earlier policy stay stored but unused. */
  private usableFacts(policy: Policy): Fact[] {
    const fits = new Map<string, boolean>();
    return this.store.facts(null).filter((f) => {
      let key = f.predicate;
      for (const a of f.args) key += `\u0000${a.type}`;
      let ok = fits.get(key);
      if (ok === undefined) {
        try {
          this.port.checkFact(policy, f);
          ok = true;
        } catch {
          ok = false;
        }
        fits.set(key, ok);
      }
      return ok;
    });
  }

  private rebuild(): void {
    const started = this.clock();
    const policy = this.policy;
    const engine = this.port.createEngine(policy, this.usableFacts(policy));
    const offset = this.store.offset;
    const old = this.serving;
    const now = this.clock();
    this.serving = {
      engine,
      policy: { sources: policy.sources },
      freshAt: now,
      manifest: {
        id: `dev-${offset}`,
        formatVersion: SNAPSHOT_FORMAT_VERSION,
        sha256: '',
        size: 0,
        encoding: 'none',
        rawSize: 0,
        createdAt: new Date(now).toISOString(),
        source: 'dev',
        policyHash: '',
        dataHash: '',
        factCounts: {},
        upstreamVersion: String(offset),
        previousId: null,
      },
    };
    this.dirty = false;
    this.counters.loads++;
    this.counters.lastLoadMs = now - started;
    // Requests grab the engine synchronously and never across an await, so closing the old one is safe.
    old?.engine.close();
  }
}
