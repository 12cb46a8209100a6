import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isDomainError } from '../../../lib/errors.ts';
import { type Fact, parsePolicy } from '../../../lib/polar/index.ts';
import { OsoSource } from '../../../lib/source/index.ts';
import { OsoClient } from '../../../lib/source/oso-client.ts';
import { factPartitions, pullFromOso, requestPlan } from '../../../lib/source/oso-pull.ts';
import { openStore } from '../../../lib/store/index.ts';
import { runSync } from '../../../lib/sync/index.ts';
import { startScriptedServer } from '../../support/scripted-server.ts';

const POLICY = `actor User {}
resource Org { roles = ["member", "admin"]; permissions = ["read", "write"];
  "read" if "member"; "write" if "admin"; "member" if "admin"; }
resource Repo { roles = ["reader"]; permissions = ["read"]; relations = { org: Org };
  "read" if "reader"; "reader" if "member" on "org"; }
has_role(u: User, "admin", _: Org) if is_super(u);
declare is_super(User);
`;

const u = (id: string) => ({ type: 'User', id });
const s = (id: string) => ({ type: 'String', id });
const FACTS: Fact[] = [
  { predicate: 'has_role', args: [u('alice'), s('admin'), { type: 'Org', id: 'acme' }] },
  { predicate: 'has_role', args: [u('bob'), s('reader'), { type: 'Repo', id: 'anvil' }] },
  { predicate: 'has_relation', args: [{ type: 'Repo', id: 'anvil' }, s('org'), { type: 'Org', id: 'acme' }] },
  { predicate: 'is_super', args: [u('root')] },
  // Not usable by the policy (wrong types): must not be pulled.
  { predicate: 'has_role', args: [u('eve'), s('admin'), { type: 'Team', id: 't' }] },
];

/** Answers GET /api/facts the way Oso Cloud does: filter by predicate and positional type/id. */
function answerFacts(q: URLSearchParams): Fact[] {
  return FACTS.filter(
    (f) =>
      f.predicate === q.get('predicate') &&
      f.args.every(
        (a, i) => (q.get(`args.${i}.type`) ?? a.type) === a.type && (q.get(`args.${i}.id`) ?? a.id) === a.id,
      ),
  );
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function upstream(offset?: () => string) {
  const headers = (): Record<string, string> => (offset === undefined ? {} : { OsoOffset: offset() });
  const srv = await startScriptedServer({
    '/api/policy': () => ({ body: { policy: { filename: null, src: POLICY } }, headers: headers() }),
    '/api/facts': (q) => ({ body: answerFacts(q), headers: headers() }),
  });
  closers.push(srv.close);
  const client = new OsoClient({ baseUrl: srv.url, apiKey: 'e_1_2_k', backoffMs: 1, random: () => 0 });
  return { srv, client };
}

const key = (f: Fact) => JSON.stringify(f);

describe('factPartitions', () => {
  it('has one partition per predicate and type combination, dropping covered ones', () => {
    const policy = parsePolicy([{ filename: 'p.polar', src: POLICY }]);
    const shown = factPartitions(policy).map(
      (p) => `${p.predicate}(${p.types.map((t) => t ?? '_').join(',')})`,
    );
    expect(shown).toEqual([
      'has_permission(_,_,_)',
      'has_relation(Repo,String,Org)',
      'has_role(User,String,Org)',
      'has_role(User,String,Repo)',
      'is_super(User)',
    ]);
  });

  it('widens positions when the combinations would be too many', () => {
    const policy = {
      ...parsePolicy([]),
      signatures: [
        {
          predicate: 'p',
          argTypes: [
            ['A', 'B', 'C'],
            ['D', 'E'],
          ],
        },
      ],
    };
    expect(factPartitions(policy, 6)).toHaveLength(6);
    expect(factPartitions(policy, 5).map((p) => p.types)).toEqual([
      [null, 'D'],
      [null, 'E'],
    ]);
  });
});

describe('requestPlan', () => {
  it('asks once for partitions that a shorter query already returns', () => {
    const parts = [
      { predicate: 'has_role', types: ['Group', 'String', 'Repo'] },
      { predicate: 'has_role', types: ['User', 'String'] },
      { predicate: 'has_role', types: ['User', 'String', 'Org'] },
      { predicate: 'has_role', types: ['User', 'String', 'Repo'] },
      { predicate: 'is_super', types: ['User'] },
      { predicate: 'is_super', types: ['User', null] },
    ];
    expect(requestPlan(parts).map((r) => [r.query.types.join(','), r.serves])).toEqual([
      ['Group,String,Repo', [0]],
      ['User,String', [1, 2, 3]],
      ['User', [4, 5]],
    ]);
  });
});

describe('pullFromOso', () => {
  it('pulls the policy and every fact it can use, by predicate and argument types', async () => {
    const { srv, client } = await upstream();
    const result = await pullFromOso(client, parsePolicy);
    expect(result.sources).toEqual([{ filename: 'policy.polar', src: POLICY }]);
    expect(result.facts.map(key).sort()).toEqual(FACTS.slice(0, 4).map(key).sort());
    expect(result.upstreamVersion).toBeUndefined();
    const factQueries = srv.seen.filter((r) => r.path === '/api/facts').map((r) => r.query);
    expect(factQueries).toContainEqual({
      predicate: 'has_role',
      'args.0.type': 'User',
      'args.1.type': 'String',
      'args.2.type': 'Repo',
    });
    expect(result.requests).toBe(factQueries.length);
  });

  it('records the OsoOffset as the upstream version', async () => {
    const { client } = await upstream(() => '17');
    expect((await pullFromOso(client, parsePolicy)).upstreamVersion).toBe('17');
  });

  it('reads again when the offset moves during a read', async () => {
    let n = 0;
    // Moves on every response of the first read only.
    const { srv, client } = await upstream(() => String(n++ < 6 ? n : 100));
    const result = await pullFromOso(client, parsePolicy);
    expect(result.upstreamVersion).toBe('100');
    expect(srv.seen.filter((r) => r.path === '/api/policy')).toHaveLength(2);
  });

  it('fails loudly on a response that may be truncated', async () => {
    const { client } = await upstream();
    const err = await pullFromOso(client, parsePolicy, { responseLimit: 1 }).catch((e: Error) => e);
    expect(isDomainError(err, 'source-invalid')).toBe(true);
    expect((err as Error).message).toMatch(/may be truncated/);
  });

  it('fails on a malformed fact, a non-array answer and a missing policy', async () => {
    const { srv, client } = await upstream();
    srv.script('/api/facts', { body: [{ predicate: 'has_role', args: [{ type: 'User' }] }] });
    await expect(pullFromOso(client, parsePolicy, { concurrency: 1 })).rejects.toThrow(/malformed fact/);
    srv.script('/api/facts', { body: { facts: [] } });
    await expect(pullFromOso(client, parsePolicy, { concurrency: 1 })).rejects.toThrow(/not an array/);
    srv.script('/api/policy', { body: { policy: null } });
    await expect(pullFromOso(client, parsePolicy)).rejects.toThrow(/no policy/);
  });

  it('fails when the upstream policy is invalid', async () => {
    const { srv, client } = await upstream();
    srv.script('/api/policy', { body: { policy: { src: 'actor User {' } } });
    await expect(pullFromOso(client, parsePolicy)).rejects.toThrow(/syntax/);
  });

  it('a sync whose upstream fails midway publishes nothing and keeps the previous snapshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oso-midway-'));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const { srv } = await upstream(() => '5');
    const store = openStore(`file:${dir}`);
    const source = new OsoSource(srv.url, { apiKey: 'e_7_8_secret', retries: 1 });
    const first = await runSync({ source, store });
    expect(first.published).toBe(true);
    // The policy answers, then every facts request fails: the upstream went down during the pull.
    srv.script(
      '/api/facts',
      ...Array.from({ length: 50 }, () => ({ status: 503, body: { message: 'down' } })),
    );
    await expect(runSync({ source, store })).rejects.toThrow(
      /upstream failed after 2 attempts: status 503 "down"/,
    );
    const pointer = await store.readPointer();
    expect(pointer !== null && pointer !== 'not-modified' && pointer.pointer.id).toBe(first.id);
    expect(await store.listSnapshots()).toEqual([first.id]);
  });
});
