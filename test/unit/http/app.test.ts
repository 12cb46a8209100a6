import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../lib/errors.ts';
import { hashApiKey } from '../../../lib/http/index.ts';
import { engineWith, MANIFEST, makeApp, NOW, post, servingSnapshot } from './support.ts';

const authz = {
  actor_type: 'User',
  actor_id: 'alice',
  action: 'read',
  resource_type: 'Org',
  resource_id: 'acme',
  context_facts: [],
};

describe('GET read routes', () => {
  const { app } = makeApp();

  it('returns stored facts matching predicate and args', async () => {
    const res = await app.request(
      '/api/facts?predicate=has_role&args.0.type=User&args.0.id=bob&args.2.type=Org',
    );
    expect(res.status).toBe(200);
    const facts = (await res.json()) as { args: { id: string }[] }[];
    expect(facts.map((f) => f.args[2]!.id)).toEqual(['acme', 'beta']);
  });

  it('refuses GET /api/facts without a predicate (what the node client sends on fallback)', async () => {
    const res = await app.request('/api/facts');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /missing query parameter "predicate"/,
    );
  });

  it.each([
    ['/api/facts?predicate=p&bogus=1', /unknown query parameter "bogus"/],
    ['/api/facts?predicate=p&args.5.type=T', /at most 5 arguments/],
    ['/api/facts?predicate=p&args.0.id=x', /"args\.0\.id" needs "args\.0\.type"/],
  ])('rejects %s', async (url, message) => {
    const res = await app.request(url);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(message);
  });

  it('refuses more facts than the limit instead of truncating', async () => {
    const { app: small } = makeApp({ config: { maxFacts: 1 } });
    expect((await small.request('/api/facts?predicate=has_role')).status).toBe(400);
    expect(
      (await small.request('/api/facts?predicate=has_role&args.0.type=User&args.0.id=alice')).status,
    ).toBe(200);
  });

  it('serves policy metadata and the policy', async () => {
    const meta = (await (await app.request('/api/policy_metadata')).json()) as {
      metadata: { resources: Record<string, unknown> };
    };
    expect(Object.keys(meta.metadata.resources)).toContain('Org');
    const policy = (await (await app.request('/api/policy')).json()) as {
      policy: { filename: string; src: string };
    };
    expect(policy.policy.filename).toBe('roles.polar');
    expect(policy.policy.src).toMatch(/resource Org/);
  });
});

describe('writes, unsupported endpoints, limits and errors', () => {
  const { app } = makeApp();

  it.each([
    ['POST', '/api/batch'],
    ['POST', '/api/policy'],
    ['POST', '/api/facts'],
    ['DELETE', '/api/facts'],
    ['POST', '/api/bulk_load'],
    ['POST', '/api/bulk_delete'],
    ['POST', '/api/bulk'],
    ['POST', '/api/clear_data'],
  ])('refuses %s %s as read-only (403)', async (method, path) => {
    const res = await app.request(path, { method, body: '[]' });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { message: string }).message).toMatch(/read-only/);
  });

  it.each(['/api/authorize_query', '/api/list_query', '/api/actions_query', '/api/evaluate_query_local'])(
    'answers %s with 501 not supported',
    async (path) => {
      const res = await post(app, path, { query: {} });
      expect(res.status).toBe(501);
      expect(res.body.message).toMatch(/not supported/);
    },
  );

  it('refuses a body over 10 MiB with 413', async () => {
    const res = await post(app, '/api/authorize', { ...authz, pad: 'x'.repeat(10 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.message).toMatch(/larger than the limit of 10485760 bytes/);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await app.request('/api/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'no route for GET /api/nope', code: 'not-found' });
  });

  it('echoes X-Request-ID on success and error, and makes one up when absent', async () => {
    const ok = await post(app, '/api/authorize', authz, { 'x-request-id': 'rid-1' });
    expect(ok.headers.get('x-request-id')).toBe('rid-1');
    const bad = await post(app, '/api/authorize', '{', { 'x-request-id': 'rid-2' });
    expect(bad.headers.get('x-request-id')).toBe('rid-2');
    const none = await app.request('/api/nope');
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 503 before a snapshot is loaded', async () => {
    const { app: empty } = makeApp({ snapshot: null });
    const res = await post(empty, '/api/authorize', authz);
    expect(res.status).toBe(503);
    expect(res.body.message).toMatch(/no snapshot loaded/);
  });

  it('turns an unexpected error into a generic 500, logged once, without a stack', async () => {
    const logged: unknown[] = [];
    const engine = engineWith({
      authorize: () => {
        throw new Error('secret internals at /x/y.ts:1');
      },
    });
    const { app: broken } = makeApp({
      snapshot: servingSnapshot(engine),
      deps: { logger: { info() {}, warn() {}, error: (m, f) => logged.push([m, f]) } },
    });
    const res = await post(broken, '/api/authorize', authz);
    expect(res).toMatchObject({ status: 500, body: { message: 'internal error' } });
    expect(JSON.stringify(res.body)).not.toMatch(/secret|y\.ts/);
    expect(logged).toHaveLength(1);
    const internal = engineWith({
      authorize: () => {
        throw new DomainError('snapshot-corrupt', 'bad');
      },
    });
    const res2 = await post(makeApp({ snapshot: servingSnapshot(internal) }).app, '/api/authorize', authz);
    expect(res2.status).toBe(500);
  });
});

describe('api keys', () => {
  const { app } = makeApp({ config: { apiKeyHashes: [hashApiKey('e_1_2_good'), hashApiKey('other')] } });

  it('accepts a configured key and refuses a missing or wrong one with 401 JSON', async () => {
    expect((await post(app, '/api/authorize', authz, { authorization: 'Bearer e_1_2_good' })).status).toBe(
      200,
    );
    expect((await post(app, '/api/authorize', authz, { authorization: 'Bearer other' })).status).toBe(200);
    const missing = await post(app, '/api/authorize', authz);
    expect(missing).toMatchObject({
      status: 401,
      body: { message: expect.stringMatching(/missing api key/) },
    });
    const wrong = await post(app, '/api/authorize', authz, { authorization: 'Bearer e_1_2_bad' });
    expect(wrong).toMatchObject({ status: 401, body: { message: 'invalid api key' } });
    expect(JSON.stringify(wrong.body)).not.toMatch(/e_1_2/);
  });

  it('leaves health and metrics open', async () => {
    expect((await app.request('/healthcheck')).status).toBe(200);
    expect((await app.request('/api/healthcheck')).status).toBe(200);
    expect((await app.request('/metrics')).status).toBe(200);
  });

  it('accepts any key when none is configured, and warns once', async () => {
    const warned: string[] = [];
    const { app: open } = makeApp({
      deps: { logger: { info() {}, warn: (m) => warned.push(m), error() {} } },
    });
    expect((await post(open, '/api/authorize', authz, { authorization: 'Bearer anything' })).status).toBe(
      200,
    );
    expect((await post(open, '/api/authorize', authz)).status).toBe(200);
    expect(warned).toEqual([expect.stringMatching(/no api key hashes configured/)]);
  });
});

describe('healthcheck', () => {
  it('is 503 before a snapshot, 200 after, and 503 when stale', async () => {
    const { app, provider } = makeApp({ snapshot: null, config: { maxStalenessMs: 60_000 } });
    expect((await app.request('/healthcheck')).status).toBe(503);
    provider.snapshot = servingSnapshot();
    const ok = await app.request('/healthcheck');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      status: 'ok',
      snapshot: MANIFEST.id,
      age_ms: NOW - Date.parse(MANIFEST.createdAt),
    });
    provider.snapshot = { ...servingSnapshot(), freshAt: NOW - 61_000 };
    const stale = await app.request('/api/healthcheck');
    expect(stale.status).toBe(503);
    expect(((await stale.json()) as { message: string }).message).toMatch(
      /stale: 61000 ms old, limit 60000 ms/,
    );
  });
});
