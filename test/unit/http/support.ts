// Shared setup for the HTTP route tests: a small roles policy served through createApp.
import type { Hono } from 'hono';
import { buildDatabase, createEngine, type Engine, loadSqlJs } from '../../../lib/engine/index.ts';
import {
  type AppDeps,
  createApp,
  type HttpConfig,
  MetricsRegistry,
  type ServingSnapshot,
  type SnapshotProvider,
  silentLogger,
} from '../../../lib/http/index.ts';
import { type Fact, parsePolicy } from '../../../lib/polar/index.ts';
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

const sql = await loadSqlJs();
const policy = parsePolicy([{ filename: 'roles.polar', src: POLICY }]);

/** The real engine over the roles policy and facts above (a fresh database per call). */
export function rolesEngine(facts: Fact[] = FACTS): Engine {
  return createEngine(sql, buildDatabase(sql, policy, facts), policy);
}

/** The real engine with one method replaced (to provoke errors). */
export function engineWith(overrides: Partial<Engine>): Engine {
  const real = rolesEngine();
  return new Proxy(real, {
    get: (target, key, receiver) =>
      key in overrides ? overrides[key as keyof Engine] : Reflect.get(target, key, receiver).bind(target),
  });
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
