// Bench part (own process, a serving node): loads the latest snapshot from a store and reports load time and
// RSS; with --measure also times authorize/actions/list/query against an integer point lookup (the floor)
// on the same database, and answers the peer checks (written to peer-answers.json for the peer parts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Statement } from 'sql.js';
import { type AuthorizeRequest, loadSqlJs } from '../../lib/engine/index.ts';
import { openStore } from '../../lib/store/index.ts';
import { S3RVER_CREDENTIALS } from '../../test/support/s3rver.ts';
import { generateDataset } from '../gen/github.ts';
import { emitResult } from '../lib/proc.ts';
import { loadLatest } from '../lib/snapshot-io.ts';
import { latency, rssAfterGcMiB, timeEach } from '../lib/stats.ts';
import type { PeerCheck } from '../peers/model.ts';

const { values: o } = parseArgs({
  options: {
    store: { type: 'string' },
    s3: { type: 'string' },
    facts: { type: 'string' },
    work: { type: 'string' },
    checks: { type: 'string', default: '20000' },
    measure: { type: 'boolean', default: false },
    'budget-ms': { type: 'string', default: '15000' },
  },
});
const rssStart = rssAfterGcMiB();
const sql = await loadSqlJs();
const store = openStore(o.store!, o.s3 ? { endpoint: o.s3, credentials: S3RVER_CREDENTIALS } : {});
const { opened, download, open } = await loadLatest(sql, store);
const engine = opened.engine;
const rssLoad = rssAfterGcMiB();
const load = {
  downloadSeconds: download / 1000,
  openSeconds: open / 1000,
  rssStartMiB: rssStart,
  rssLoadMiB: rssLoad,
};
if (!o.measure) {
  emitResult(load);
  process.exit(0);
}

const N = Number(o.checks);
const BUDGET = Number(o['budget-ms']);
const ds = generateDataset({ facts: Number(o.facts), seed: 1 });
const checks = ds.sampleChecks(N, 7);
// One untimed pass: compiles every shape and checks the answers known by construction (within the budget).
let wrong = 0;
let allowed = 0;
const verified = timeEach(
  N,
  (i) => {
    const c = checks[i]!;
    const ok = engine.authorize(c);
    if (ok) allowed++;
    if (c.expected !== undefined && ok !== c.expected) wrong++;
  },
  BUDGET,
).length;

// The floor: one indexed integer point lookup on the largest fact table of the same database.
const db = (engine as unknown as { db: import('sql.js').Database }).db;
const ids = (db.exec('SELECT a0, a1, a2 FROM f_has_role_3 ORDER BY random() LIMIT 20000')[0]?.values ??
  []) as number[][];
const point: Statement = db.prepare('SELECT 1 FROM f_has_role_3 WHERE a0 = ? AND a1 = ? AND a2 = ?');
const lookup = (i: number) => {
  point.bind(ids[i % ids.length]!);
  point.step();
  point.reset();
};

const peerChecks = JSON.parse(readFileSync(join(o.work!, 'peer-checks.json'), 'utf8')) as PeerCheck[];
const peerReqs: AuthorizeRequest[] = peerChecks.map((c) => ({
  actor: { type: 'User', id: c.actor },
  action: c.action,
  resource: { type: 'Repository', id: c.repo },
}));
writeFileSync(join(o.work!, 'peer-answers.json'), JSON.stringify(peerReqs.map((r) => engine.authorize(r))));

// Compile every statement shape before timing (first use prepares and caches it). A list statement is
// compiled per combination of the actor's presence bits, so every list call timed below runs once first.
const users = checks.filter((c) => /^u\d+$/.test(c.actor.id)).map((c) => c.actor);
const listRepoCall = (i: number) =>
  engine.list({ actor: users[i]!, action: 'read', resourceType: 'Repository' });
const listIssueCall = (i: number) =>
  engine.list({ actor: users[i + 50]!, action: 'read', resourceType: 'Issue', limit: 10_000 });
for (let i = 0; i < 200; i++) engine.actions({ actor: checks[i]!.actor, resource: checks[i]!.resource });
for (let i = 0; i < 50; i++) listRepoCall(i);
for (let i = 0; i < 10; i++) listIssueCall(i);

// Interleaved rounds so that load from other processes hits every figure alike.
const floor: number[] = [];
const authorize: number[] = [];
const byType: Record<string, number[]> = {};
const peerSubset: number[] = [];
const actions: number[] = [];
for (let round = 0; round < 3; round++) {
  floor.push(...timeEach(N, lookup, BUDGET / 3));
  const a = timeEach(N, (i) => engine.authorize(checks[i]!), BUDGET / 3);
  authorize.push(...a);
  a.forEach((us, i) => {
    const t = checks[i]!.resource.type;
    byType[t] = byType[t] ?? [];
    byType[t].push(us);
  });
  peerSubset.push(...timeEach(peerReqs.length, (i) => engine.authorize(peerReqs[i]!), BUDGET / 3));
  actions.push(
    ...timeEach(
      N / 4,
      (i) => engine.actions({ actor: checks[i]!.actor, resource: checks[i]!.resource }),
      BUDGET / 3,
    ),
  );
}
point.free();

const repoIdCounts: number[] = [];
const listRepo = timeEach(50, (i) => repoIdCounts.push(listRepoCall(i).results.length), BUDGET / 3);
const issueIdCounts: number[] = [];
const listIssue = timeEach(10, (i) => issueIdCounts.push(listIssueCall(i).results.length), BUDGET / 3);
/**
 * Mean ids per call, and the ids of the call that returned the most (e.g. a global admin's full page) with
 * the median of 5 more timings of it (one timing of one call is at the mercy of a scheduler hiccup).
 */
const largest = (us: number[], counts: number[], call: (i: number) => unknown) => {
  let k = 0;
  counts.forEach((c, i) => {
    if (c > counts[k]!) k = i;
  });
  const again = timeEach(5, () => call(k)).sort((a, b) => a - b);
  return {
    meanIds: counts.reduce((a, b) => a + b, 0) / counts.length,
    maxIds: counts[k] ?? 0,
    maxIdsUs: again[2] ?? 0,
    maxIdsFirstUs: us[k] ?? 0,
  };
};
const repos = checks.filter((c) => c.resource.type === 'Repository').map((c) => c.resource.id);
const runQuery = (i: number) =>
  engine.evaluateQuery({
    predicate: ['allow', ['actor', 'action', 'resource']],
    calls: [],
    constraints: {
      actor: { type: 'User', ids: [users[i % users.length]!.id] },
      action: { type: 'String', ids: null },
      resource: {
        type: 'Repository',
        ids: repos.slice((i * 10) % (repos.length - 10), ((i * 10) % (repos.length - 10)) + 10),
      },
    },
  });
runQuery(0);
const query = timeEach(500, runQuery, BUDGET / 3);
emitResult({
  ...load,
  checks: N,
  verified,
  wrongKnownAnswers: wrong,
  allowed,
  floor: latency(floor),
  authorize: latency(authorize),
  authorizeByType: Object.fromEntries(Object.entries(byType).map(([t, xs]) => [t, latency(xs)])),
  authorizePeerSubset: latency(peerSubset),
  actions: latency(actions),
  listRepository: { ...latency(listRepo), ...largest(listRepo, repoIdCounts, listRepoCall) },
  listIssuePage: { ...latency(listIssue), ...largest(listIssue, issueIdCounts, listIssueCall) },
  query: latency(query),
  rssAfterMiB: rssAfterGcMiB(),
  facts: engine.factCount(),
});
engine.close();
