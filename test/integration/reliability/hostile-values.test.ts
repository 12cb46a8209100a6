// Values that break naive SQL (quotes, %, _, NUL, emoji, 384-byte ids) stored by a real sync and matched
// exactly over HTTP; expensive queries (a 20,000-deep chain, a cycle, a 1.1M-row cross product) end with an
// answer, a page or a clear 400; API keys: missing/wrong/other-environment keys are 401 and no key ever
// reaches the logs or the metric labels.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../../lib/cli/runtime.ts';
import { hashApiKey } from '../../../lib/http/index.ts';
import type { Fact } from '../../../lib/polar/index.ts';
import { openSource } from '../../../lib/source/index.ts';
import { FileSnapshotStore } from '../../../lib/store/index.ts';
import { runSync } from '../../../lib/sync/index.ts';
import { captureLogger, healthOf, postJson, tempDirs, waitFor } from '../../support/reliability.ts';
import { publishSnapshot, tempStore } from '../../support/serve-fixtures.ts';

const dirs = tempDirs('hostile-values');
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  dirs.cleanup();
});

const ORG_POLICY = `actor User {}
resource Org { roles = ["member"]; permissions = ["read"]; "read" if "member"; }
`;
const role = (u: string, o: string): Fact => ({
  predicate: 'has_role',
  args: [
    { type: 'User', id: u },
    { type: 'String', id: 'member' },
    { type: 'Org', id: o },
  ],
});
const authorize = (url: string, user: string, org: string, headers: Record<string, string> = {}) =>
  postJson(
    url,
    '/api/authorize',
    {
      actor_type: 'User',
      actor_id: user,
      action: 'read',
      resource_type: 'Org',
      resource_id: org,
      context_facts: [],
    },
    headers,
  );

async function serve(facts: Fact[], http = {}, log = captureLogger()) {
  const t = await tempStore();
  closers.push(t.cleanup);
  await publishSnapshot(t.store, [{ filename: 'main.polar', src: ORG_POLICY }], facts);
  const node = await startServer({ store: t.store, port: 0, logger: log, http });
  closers.push(() => node.close(100));
  await waitFor('the node', async () => (await healthOf(node.url)).status === 200);
  return node;
}

describe('ids that break naive SQL are matched exactly (stored by a real sync, queried over HTTP)', () => {
  const EXACT: [string, string][] = [
    [`o'brien"; DROP TABLE facts; --`, `acme'`],
    ['100%', '%'],
    ['a_b', '_'],
    ['nul\u0000byte', 'org\u0000'],
    ['🙂👩‍💻', '組織'],
    ['x'.repeat(384), '€'.repeat(128)], // 384 bytes each (€ is 3 bytes in UTF-8)
  ];
  const NEAR_MISSES: [string, string][] = [
    ['o', `acme'`],
    [`o'brien"; DROP TABLE facts; --`, 'acme'],
    ['100a', '%'],
    ['100%', 'anything'],
    ['aXb', '_'],
    ['a_b', 'X'],
    ['nul', 'org\u0000'],
    ['nul\u0000byte', 'org'],
    ['🙂', '組織'],
    ['x'.repeat(383), '€'.repeat(128)],
    ['x'.repeat(384), '€'.repeat(127)],
    ['X'.repeat(384), '€'.repeat(128)],
  ];
  let node: RunningServer;

  beforeAll(async () => {
    const source = dirs.make();
    mkdirSync(join(source, 'policy'));
    mkdirSync(join(source, 'facts'));
    writeFileSync(join(source, 'policy', 'main.polar'), ORG_POLICY);
    writeFileSync(
      join(source, 'facts', 'roles.jsonl'),
      `${EXACT.map(([u, o]) => JSON.stringify(role(u, o))).join('\n')}\n`,
    );
    const dir = dirs.make();
    const summary = await runSync({ source: openSource(`dir:${source}`), store: new FileSnapshotStore(dir) });
    expect(summary.facts).toBe(EXACT.length);
    node = await startServer({ store: `file:${dir}`, port: 0, logger: captureLogger() });
    closers.push(() => node.close(100));
    await waitFor('the node', async () => (await healthOf(node.url)).status === 200);
  });

  it.each(EXACT.map(([u, o], i) => [i, u, o] as const))('exact pair %i is allowed', async (_i, user, org) => {
    expect((await authorize(node.url, user, org)).body).toEqual({ allowed: true });
  });

  it.each(NEAR_MISSES.map(([u, o], i) => [i, u, o] as const))(
    'near miss %i is denied',
    async (_i, user, org) => {
      expect((await authorize(node.url, user, org)).body).toEqual({ allowed: false });
    },
  );

  it('list returns exactly the stored ids, byte for byte', async () => {
    for (const [user, org] of EXACT) {
      const res = await postJson(node.url, '/api/list', {
        actor_type: 'User',
        actor_id: user,
        action: 'read',
        resource_type: 'Org',
        context_facts: [],
      });
      expect(res.body.results).toEqual([org]);
    }
    const wildcard = await postJson(node.url, '/api/list', {
      actor_type: 'User',
      actor_id: '%',
      action: 'read',
      resource_type: 'Org',
      context_facts: [],
    });
    expect(wildcard.body.results).toEqual([]);
  });
});

describe('expensive queries are bounded', () => {
  const CHAIN_POLICY = `actor User {}
resource Folder { roles = ["viewer"]; permissions = ["read"]; relations = { parent: Folder };
  "read" if "viewer"; "viewer" if "viewer" on "parent"; }
`;
  const N = 20_000;
  const folder = (i: number) => ({ type: 'Folder', id: `f${i}` });
  const parent = (child: number, of: number): Fact => ({
    predicate: 'has_relation',
    args: [folder(child), { type: 'String', id: 'parent' }, folder(of)],
  });
  const check = (url: string, user: string, f: number) =>
    postJson(url, '/api/authorize', {
      actor_type: 'User',
      actor_id: user,
      action: 'read',
      resource_type: 'Folder',
      resource_id: `f${f}`,
      context_facts: [],
    });

  it(`recursion over a ${N.toLocaleString('en-US')}-deep chain closed into a cycle answers, and the node stays responsive`, async () => {
    const facts: Fact[] = Array.from({ length: N }, (_, i) => parent(i + 1, i));
    facts.push(parent(0, N)); // the cycle
    facts.push({
      predicate: 'has_role',
      args: [{ type: 'User', id: 'alice' }, { type: 'String', id: 'viewer' }, folder(0)],
    });
    const t = await tempStore();
    closers.push(t.cleanup);
    await publishSnapshot(t.store, [{ filename: 'main.polar', src: CHAIN_POLICY }], facts);
    const node = await startServer({ store: t.store, port: 0, logger: captureLogger() });
    closers.push(() => node.close(100));
    await waitFor('the node', async () => (await healthOf(node.url)).status === 200);
    expect((await check(node.url, 'alice', N)).body).toEqual({ allowed: true });
    expect((await check(node.url, 'bob', N)).body).toEqual({ allowed: false });
    // Everything is reachable from f0 through the cycle: a list of N + 1 ids comes back in bounded pages.
    const page = await postJson(node.url, '/api/list', {
      actor_type: 'User',
      actor_id: 'alice',
      action: 'read',
      resource_type: 'Folder',
      context_facts: [],
      page_size: 1000,
    });
    expect((page.body.results as string[]).length).toBe(1000);
    expect(typeof page.body.next_page_token).toBe('string');
    expect((await healthOf(node.url)).status).toBe(200);
  });

  it('a 1.1M-row query is refused with a clear 400 and a 1,000-result list is paged, with bounded heap', async () => {
    const MEMBERS = 1100;
    const REPOS = 1000;
    const src = `actor User {}
resource Org { roles = ["member"]; permissions = ["read"]; "read" if "member"; }
resource Repo { roles = ["reader"]; permissions = ["read"]; relations = { org: Org };
  "read" if "reader"; "reader" if "member" on "org"; }
`;
    const facts: Fact[] = [
      ...Array.from({ length: MEMBERS }, (_, i) => role(`u${i}`, 'acme')),
      ...Array.from({ length: REPOS }, (_, i) => ({
        predicate: 'has_relation',
        args: [
          { type: 'Repo', id: `r${i}` },
          { type: 'String', id: 'org' },
          { type: 'Org', id: 'acme' },
        ],
      })),
    ];
    const t = await tempStore();
    closers.push(t.cleanup);
    await publishSnapshot(t.store, [{ filename: 'main.polar', src }], facts);
    const node = await startServer({ store: t.store, port: 0, logger: captureLogger() });
    closers.push(() => node.close(100));
    await waitFor('the node', async () => (await healthOf(node.url)).status === 200);
    const heapBefore = process.memoryUsage().heapUsed;
    const everything = await postJson(node.url, '/api/evaluate_query', {
      predicate: ['allow', ['u', 'a', 'r']],
      calls: [],
      constraints: {
        u: { type: 'User', ids: null },
        a: { type: 'String', ids: ['read'] },
        r: { type: 'Repo', ids: null },
      },
      context_facts: [],
    });
    expect(everything.status).toBe(400);
    expect(everything.body.message).toMatch(/more than the limit of 100000/);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 1024 * 1024);
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const res = await postJson(node.url, '/api/list', {
        actor_type: 'User',
        actor_id: 'u7',
        action: 'read',
        resource_type: 'Repo',
        context_facts: [],
        page_size: 300,
        ...(token === null ? {} : { page_token: token }),
      });
      expect((res.body.results as string[]).length).toBeLessThanOrEqual(300);
      seen.push(...(res.body.results as string[]));
      token = res.body.next_page_token as string | null;
    } while (token !== null);
    expect(new Set(seen).size).toBe(REPOS);
  });
});

describe('api keys', () => {
  const KEY = 'e_prod1_12345_s3cretT0kenValueAbc';
  const OTHER_ENV = 'e_staging9_12345_s3cretT0kenValueAbc';
  const WRONG = 'e_prod1_12345_notTheRightSecretXyz';

  it('missing, wrong and other-environment keys are 401; the keys appear in no log line and no metric', async () => {
    const log = captureLogger();
    const node = await serve([role('alice', 'acme')], { apiKeyHashes: [hashApiKey(KEY)] }, log);
    const refused: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${WRONG}` },
      { authorization: `Bearer ${OTHER_ENV}` },
      { authorization: WRONG },
    ];
    for (const headers of refused) {
      const res = await authorize(node.url, 'alice', 'acme', headers);
      expect(res.status).toBe(401);
      expect(typeof res.body.message).toBe('string');
      expect(JSON.stringify(res.body)).not.toMatch(/s3cret|notTheRight/);
    }
    expect((await authorize(node.url, 'alice', 'acme', { authorization: `Bearer ${KEY}` })).body).toEqual({
      allowed: true,
    });
    // An error on an authenticated request is logged too: still without the key.
    const bad = await postJson(node.url, '/api/authorize', '{not json', { authorization: `Bearer ${KEY}` });
    expect(bad.status).toBe(400);
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    for (const secret of [KEY, OTHER_ENV, WRONG, 's3cretT0ken', 'notTheRight']) {
      expect(log.text()).not.toContain(secret);
      expect(metrics).not.toContain(secret);
    }
    expect(metrics).toMatch(
      /oso_fallback_http_requests_count\{path="\/api\/authorize",status_code="401"\} 4/,
    );
  });
});
