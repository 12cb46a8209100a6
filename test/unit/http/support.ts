// Shared setup for the HTTP route tests: a small roles policy served through createApp.
import type { Hono } from 'hono';
import type { Engine } from '../../../lib/engine/types.ts';
import { DomainError } from '../../../lib/errors.ts';
import {
  type AppDeps,
  createApp,
  type HttpConfig,
  MetricsRegistry,
  type ServingSnapshot,
  type SnapshotProvider,
  silentLogger,
} from '../../../lib/http/index.ts';
import type { Fact, Value } from '../../../lib/polar/ast.ts';
import type { SnapshotManifest } from '../../../lib/snapshot/index.ts';

export const POLICY = `actor User {}

resource Org {
  roles = ["member", "admin"];
  permissions = ["read", "write"];
  "read" if "member";
  "write" if "admin";
  "member" if "admin";
}
`;

const role = (u: string, r: string, o: string): Fact => ({
  predicate: 'has_role',
  args: [
    { type: 'User', id: u },
    { type: 'String', id: r },
    { type: 'Org', id: o },
  ],
});

export const FACTS: Fact[] = [
  role('alice', 'admin', 'acme'),
  role('bob', 'member', 'acme'),
  role('bob', 'member', 'beta'),
];

export const MANIFEST: SnapshotManifest = {
  id: '20261125T190000000Z-abcdef',
  formatVersion: 1,
  sha256: '0'.repeat(64),
  size: 1,
  encoding: 'none',
  rawSize: 1,
  createdAt: '2026-11-25T19:00:00.000Z',
  source: 'test:roles',
  policyHash: 'p'.repeat(64),
  dataHash: 'd'.repeat(64),
  factCounts: { 'has_role/3': 3 },
  previousId: null,
};

/**
 * The roles policy above, answered by a small TypeScript implementation of our own Engine port.
 * Enough for route shapes; the integration tests run the real engine.
 */
export function rolesEngine(facts: Fact[] = FACTS): Engine & { closed: boolean } {
  const PERMS: Record<string, string[]> = { admin: ['read', 'write'], member: ['read'] };
  const same = (a: Value, b: Value) => a.type === b.type && a.id === b.id;
  const actionsOf = (actor: Value, resource: Value, extra: Fact[] = []) => {
    const set = new Set<string>();
    for (const f of [...facts, ...extra]) {
      if (f.predicate !== 'has_role' || !same(f.args[0]!, actor) || !same(f.args[2]!, resource)) continue;
      for (const p of PERMS[f.args[1]!.id] ?? []) set.add(p);
    }
    return [...set].sort();
  };
  const check = (v: Value) => {
    if (v.type === '' || v.id === '') throw new DomainError('bad-request', 'empty value');
  };
  const engine = {
    closed: false as boolean,
    authorize: (r) => {
      check(r.actor);
      return actionsOf(r.actor, r.resource, r.contextFacts).includes(r.action);
    },
    authorizeResources: (r) =>
      r.resources.filter((res) => actionsOf(r.actor, res, r.contextFacts).includes(r.action)),
    list: (r) => {
      const all = [...facts, ...(r.contextFacts ?? [])].map((f) => f.args[2]!);
      const ids = [
        ...new Set(
          all
            .filter(
              (o) => o.type === r.resourceType && actionsOf(r.actor, o, r.contextFacts).includes(r.action),
            )
            .map((o) => o.id),
        ),
      ].sort();
      const start = r.pageToken === undefined ? 0 : Number(r.pageToken);
      const end = start + (r.limit ?? ids.length);
      return { results: ids.slice(start, end), nextPageToken: end < ids.length ? String(end) : null };
    },
    actions: (r) => actionsOf(r.actor, r.resource, r.contextFacts),
    evaluateQuery: (q) => {
      const [, [a, act, res]] = q.predicate as [string, [string, string, string]];
      const actor = { type: q.constraints[a]!.type, id: q.constraints[a]!.ids![0]! };
      const rows = [];
      for (const f of facts) {
        if (f.args[2]!.type !== q.constraints[res]!.type) continue;
        for (const action of actionsOf(actor, f.args[2]!)) {
          const want = q.constraints[act]!.ids;
          if (want === null || want.includes(action))
            rows.push({ [a]: actor.id, [act]: action, [res]: f.args[2]!.id });
        }
      }
      const seen = new Set<string>();
      return rows
        .filter((r) => !seen.has(JSON.stringify(r)) && seen.add(JSON.stringify(r)))
        .slice(0, q.limit);
    },
    queryFacts: (p) => facts.filter((f) => f.predicate === p.predicate),
    getFacts: (p, limit) =>
      facts
        .filter(
          (f) =>
            (p.predicate === null || f.predicate === p.predicate) &&
            p.args.every(
              (a, i) =>
                (a.type === null || a.type === f.args[i]?.type) && (a.id === null || a.id === f.args[i]?.id),
            ),
        )
        .slice(0, limit),
    policyMetadata: () => ({
      metadata: {
        resources: { Org: { roles: ['member', 'admin'], permissions: ['read', 'write'], relations: {} } },
      },
    }),
    factCount: () => facts.length,
    close() {
      engine.closed = true;
    },
  } satisfies Engine & { closed: boolean };
  return engine;
}

/** A provider whose snapshot the test can set. */
export class TestProvider implements SnapshotProvider {
  snapshot: ServingSnapshot | null;
  constructor(snapshot: ServingSnapshot | null) {
    this.snapshot = snapshot;
  }
  current() {
    return this.snapshot;
  }
  stats() {
    return { lastLoadMs: 42, loads: 1, refreshFailures: 2 };
  }
}

export const NOW = Date.parse('2026-11-25T19:00:05.000Z');

export function servingSnapshot(engine: Engine = rolesEngine()): ServingSnapshot {
  return {
    engine,
    manifest: MANIFEST,
    policy: { sources: [{ filename: 'roles.polar', src: POLICY }] },
    freshAt: Date.parse(MANIFEST.createdAt),
  };
}

export function makeApp(
  options: { config?: HttpConfig; snapshot?: ServingSnapshot | null; deps?: Partial<AppDeps> } = {},
): { app: Hono; provider: TestProvider; metrics: MetricsRegistry } {
  const provider = new TestProvider(options.snapshot === undefined ? servingSnapshot() : options.snapshot);
  const metrics = new MetricsRegistry();
  const app = createApp({
    snapshots: provider,
    config: options.config,
    metrics,
    logger: silentLogger,
    clock: () => NOW,
    ...options.deps,
  }) as unknown as Hono;
  return { app, provider, metrics };
}

/** POSTs JSON (or raw text) and returns status, headers and parsed body. */
export async function post(app: Hono, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}
