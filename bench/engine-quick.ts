// Quick engine measurement (not a test): ~1M GitHub-like facts on the F1 policy; authorize p50/p99
// against an integer point lookup in the same process, actions, list, build time and RSS.
// Run: npx tsx bench/engine-quick.ts [scale=1]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDatabase, createEngine, loadSqlJs } from '../lib/engine/index.ts';
import type { Fact, Value } from '../lib/polar/index.ts';
import { parsePolicy } from '../lib/polar/index.ts';

const scale = Number(process.argv[2] ?? 1);
const SERVE = process.argv[3] === '--serve';
let seed = 42;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (n: number) => Math.floor(rnd() * n);
const U = (i: number): Value => ({ type: 'User', id: i === 0 ? 'alice' : `user${i}` });
const O = (i: number): Value => ({ type: 'Organization', id: `org${i}` });
const R = (i: number): Value => ({ type: 'Repository', id: `repo${i}` });
const I = (i: number): Value => ({ type: 'Issue', id: `issue${i}` });
const S = (s: string): Value => ({ type: 'String', id: s });
const users = 50_000 * scale;
const orgs = 2_000 * scale;
const repos = 100_000 * scale;
const repoOrg = (r: number) => (r < 10_000 ? 0 : int(orgs));

function* facts(): Generator<Fact> {
  for (let r = 0; r < repos; r++)
    yield { predicate: 'has_relation', args: [R(r), S('organization'), O(repoOrg(r))] };
  // alice administers org0 (10k repos): list push ~10k ids
  yield { predicate: 'has_role', args: [U(0), S('admin'), O(0)] };
  for (let k = 0; k < 100_000 * scale; k++) {
    yield { predicate: 'has_role', args: [U(int(users)), S(rnd() < 0.9 ? 'member' : 'admin'), O(int(orgs))] };
  }
  for (let k = 0; k < 600_000 * scale; k++) {
    const x = rnd();
    yield {
      predicate: 'has_role',
      args: [U(int(users)), S(x < 0.6 ? 'reader' : x < 0.9 ? 'writer' : 'admin'), R(int(repos))],
    };
  }
  for (let k = 1; k <= 10; k++) yield { predicate: 'has_role', args: [U(users - k), S('admin')] };
  for (let k = 0; k < 20_000 * scale; k++)
    yield { predicate: 'is_public', args: [R(int(repos)), { type: 'Boolean', id: 'true' }] };
  for (let k = 0; k < 1_000 * scale; k++) yield { predicate: 'is_banned', args: [U(1 + int(users - 1))] };
  for (let k = 0; k < 200_000 * scale; k++)
    yield { predicate: 'has_relation', args: [I(k), S('repository'), R(int(repos))] };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const time = (fn: () => unknown, n: number): number[] => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return out;
};
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(2)} µs  p99 ${pct(xs, 99).toFixed(2)} µs`;

const SQL = await loadSqlJs();
const src = readFileSync('test/fixtures/policies/f1-github.polar', 'utf8');
const policy = parsePolicy([{ filename: 'f1-github.polar', src }]);
const DBFILE = join(tmpdir(), `engine-quick-${scale}.db`);
if (SERVE) {
  // serving process: open the file, drop the buffer, answer 1000 checks, report RSS
  const e = createEngine(SQL, new SQL.Database(readFileSync(DBFILE)), policy);
  for (let i = 0; i < 1000; i++)
    e.authorize({ actor: U(int(users)), action: 'read', resource: R(int(repos)) });
  e.list({ actor: U(0), action: 'push', resourceType: 'Repository' });
  global.gc?.();
  console.log(`serving rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  process.exit(0);
}
let t0 = performance.now();
const built = buildDatabase(SQL, policy, facts());
const bytes = built.export();
built.close();
console.log(
  `build ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(bytes.byteLength / 2 ** 20).toFixed(1)} MiB`,
);
writeFileSync(DBFILE, bytes);
const db = new SQL.Database(bytes);
const engine = createEngine(SQL, db, policy);
console.log(`facts ${engine.factCount()}`);
global.gc?.();
const N = 20_000;
const reqs = Array.from({ length: N }, () => ({
  actor: U(int(users)),
  action: ['read', 'push', 'delete'][int(3)]!,
  resource: R(int(repos)),
}));
t0 = performance.now();
for (const r of reqs.slice(0, 100)) engine.authorize(r);
console.log(`first 100 authorize incl. compile ${(performance.now() - t0).toFixed(1)} ms`);
// integer point lookup baseline in the same process
const ids = db.exec(`SELECT a0, a1, a2 FROM f_has_role_3 LIMIT 20000`)[0]!.values as number[][];
const point = db.prepare('SELECT 1 FROM f_has_role_3 WHERE a0 = ? AND a1 = ? AND a2 = ?');
let k = 0;
for (let round = 0; round < 3; round++) {
  const pl = time(() => {
    const row = ids[k++ % ids.length]!;
    point.bind(row);
    point.step();
    point.reset();
  }, N);
  let i = 0;
  const au = time(() => engine.authorize(reqs[i++ % N]!), N);
  i = 0;
  const ac = time(() => engine.actions({ actor: reqs[i]!.actor, resource: reqs[i++ % N]!.resource }), N / 4);
  console.log(
    `round ${round}: point ${fmt(pl)} | authorize ${fmt(au)} (${(pct(au, 50) / pct(pl, 50)).toFixed(1)}x) | actions ${fmt(ac)}`,
  );
}
const allowed = reqs.filter((r) => engine.authorize(r)).length;
console.log(`allowed ${allowed}/${N}`);
const ls = time(() => engine.list({ actor: U(0), action: 'push', resourceType: 'Repository' }), 20);
const n = engine.list({ actor: U(0), action: 'push', resourceType: 'Repository' }).results.length;
console.log(`list alice push Repository: ${n} ids, p50 ${(pct(ls, 50) / 1000).toFixed(1)} ms`);
const lr = time(() => engine.list({ actor: U(0), action: 'read', resourceType: 'Repository' }), 10);
const n2 = engine.list({ actor: U(0), action: 'read', resourceType: 'Repository' }).results.length;
console.log(`list alice read Repository (page of ${n2}), p50 ${(pct(lr, 50) / 1000).toFixed(1)} ms`);
global.gc?.();
const m = process.memoryUsage();
console.log(
  `rss ${(m.rss / 2 ** 20).toFixed(0)} MiB, heap ${(m.heapUsed / 2 ** 20).toFixed(0)} MiB, external ${(m.external / 2 ** 20).toFixed(0)} MiB`,
);
engine.close();
console.log(
  execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', process.argv[1]!, String(scale), '--serve'],
    {
      encoding: 'utf8',
    },
  ).trim(),
);
