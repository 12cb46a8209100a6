import { describe, expect, it } from 'vitest';
import { makeApp, post } from './support.ts';

const alice = { actor_type: 'User', actor_id: 'alice' };
const bob = { actor_type: 'User', actor_id: 'bob' };

describe('POST /api/authorize', () => {
  const { app } = makeApp();

  it('answers allowed true and false with a JSON content type', async () => {
    const yes = await post(app, '/api/authorize', {
      ...alice,
      action: 'write',
      resource_type: 'Org',
      resource_id: 'acme',
      context_facts: [],
    });
    expect(yes).toMatchObject({ status: 200, body: { allowed: true } });
    expect(yes.headers.get('content-type')).toMatch(/^application\/json/);
    const no = await post(app, '/api/authorize', {
      ...bob,
      action: 'write',
      resource_type: 'Org',
      resource_id: 'acme',
      context_facts: [],
    });
    expect(no.body).toEqual({ allowed: false });
  });

  it('lets context facts take part', async () => {
    const body = {
      actor_type: 'User',
      actor_id: 'carol',
      action: 'read',
      resource_type: 'Org',
      resource_id: 'acme',
      context_facts: [
        {
          predicate: 'has_role',
          args: [
            { type: 'User', id: 'carol' },
            { type: 'String', id: 'member' },
            { type: 'Org', id: 'acme' },
          ],
        },
      ],
    };
    expect((await post(app, '/api/authorize', body)).body).toEqual({ allowed: true });
    expect((await post(app, '/api/authorize', { ...body, context_facts: [] })).body).toEqual({
      allowed: false,
    });
  });

  it('accepts a trailing empty query string and a missing context_facts', async () => {
    const res = await post(app, '/api/authorize?', {
      ...alice,
      action: 'read',
      resource_type: 'Org',
      resource_id: 'acme',
    });
    expect(res).toMatchObject({ status: 200, body: { allowed: true } });
  });

  it('answers an unknown type with a deny, not an error', async () => {
    const res = await post(app, '/api/authorize', {
      ...alice,
      action: 'read',
      resource_type: 'Nope',
      resource_id: 'x',
      context_facts: [],
    });
    expect(res).toMatchObject({ status: 200, body: { allowed: false } });
  });

  it.each([
    ['{"actor_type":', /request body is not valid json/],
    ['[]', /invalid field "body": expected an object/],
    [
      JSON.stringify({ actor_id: 'a', action: 'r', resource_type: 'O', resource_id: 'x' }),
      /missing field "actor_type"/,
    ],
    [
      JSON.stringify({ ...alice, action: 7, resource_type: 'O', resource_id: 'x' }),
      /invalid field "action": expected a non-empty string, got 7/,
    ],
    [
      JSON.stringify({ ...alice, action: 'r', resource_type: 'O', resource_id: '' }),
      /invalid field "resource_id"/,
    ],
    [
      JSON.stringify({
        ...alice,
        action: 'r',
        resource_type: 'O',
        resource_id: 'x',
        context_facts: [{ predicate: 'p', args: [{ type: 'T' }] }],
      }),
      /missing field "context_facts\[0\]\.args\[0\]\.id"/,
    ],
    [
      JSON.stringify({
        ...alice,
        action: 'r',
        resource_type: 'O',
        resource_id: 'x',
        context_facts: [{ predicate: 'p', args: [] }],
      }),
      /1 to 5 arguments/,
    ],
    [
      JSON.stringify({ ...alice, action: 'r', resource_type: 'O', resource_id: 'x', context_facts: {} }),
      /"context_facts": expected an array/,
    ],
  ])('rejects %s with a 400 naming the field', async (raw, message) => {
    const res = await post(app, '/api/authorize', raw);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });
});

describe('POST /api/list', () => {
  const { app } = makeApp();

  it('returns results and a null next_page_token', async () => {
    const res = await post(app, '/api/list', {
      ...bob,
      action: 'read',
      resource_type: 'Org',
      context_facts: [],
      page_size: 10000,
    });
    expect(res).toMatchObject({ status: 200, body: { results: ['acme', 'beta'], next_page_token: null } });
  });

  it('pages with page_size and page_token', async () => {
    const first = await post(app, '/api/list', {
      ...bob,
      action: 'read',
      resource_type: 'Org',
      page_size: 1,
    });
    expect(first.body).toEqual({ results: ['acme'], next_page_token: expect.any(String) });
    const second = await post(app, '/api/list', {
      ...bob,
      action: 'read',
      resource_type: 'Org',
      page_size: 1,
      page_token: first.body.next_page_token,
    });
    expect(second.body).toEqual({ results: ['beta'], next_page_token: null });
  });

  it('caps page_size at the configured page limit', async () => {
    const { app: small } = makeApp({ config: { maxPageSize: 1 } });
    const res = await post(small, '/api/list', {
      ...bob,
      action: 'read',
      resource_type: 'Org',
      page_size: 10000,
    });
    expect(res.body.results).toEqual(['acme']);
  });

  it('rejects a bad page_size and an unknown type lists nothing', async () => {
    const bad = await post(app, '/api/list', { ...bob, action: 'read', resource_type: 'Org', page_size: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/"page_size": expected a positive integer, got 0/);
    const none = await post(app, '/api/list', { ...bob, action: 'read', resource_type: 'Nope' });
    expect(none.body).toEqual({ results: [], next_page_token: null });
  });
});

describe('POST /api/actions, /api/bulk_actions, /api/authorize_resources', () => {
  const { app } = makeApp();

  it('lists the actions', async () => {
    const res = await post(app, '/api/actions', {
      ...alice,
      resource_type: 'Org',
      resource_id: 'acme',
      context_facts: [],
    });
    expect(res).toMatchObject({ status: 200, body: { results: ['read', 'write'] } });
    const bad = await post(app, '/api/actions', { ...alice, resource_type: 'Org' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/missing field "resource_id"/);
  });

  it('answers bulk_actions in order, the first context facts applying to all', async () => {
    const carolMember = {
      predicate: 'has_role',
      args: [
        { type: 'User', id: 'carol' },
        { type: 'String', id: 'member' },
        { type: 'Org', id: 'beta' },
      ],
    };
    const res = await post(app, '/api/bulk_actions', [
      { ...alice, resource_type: 'Org', resource_id: 'acme', context_facts: [carolMember] },
      { actor_type: 'User', actor_id: 'carol', resource_type: 'Org', resource_id: 'beta' },
    ]);
    expect(res.body).toEqual([{ results: ['read', 'write'] }, { results: ['read'] }]);
    expect((await post(app, '/api/bulk_actions', { x: 1 })).status).toBe(400);
  });

  it('filters authorize_resources preserving order and duplicates', async () => {
    const acme = { type: 'Org', id: 'acme' };
    const beta = { type: 'Org', id: 'beta' };
    const res = await post(app, '/api/authorize_resources', {
      ...bob,
      action: 'read',
      resources: [beta, acme, { type: 'Org', id: 'zed' }, beta],
      context_facts: [],
    });
    expect(res.body).toEqual({ results: [beta, acme, beta] });
    const bad = await post(app, '/api/authorize_resources', {
      ...bob,
      action: 'read',
      resources: [{ type: 'Org' }],
    });
    expect(bad.body.message).toMatch(/missing field "resources\[0\]\.id"/);
  });
});

describe('POST /api/evaluate_query and /api/query', () => {
  const { app } = makeApp();
  const query = {
    predicate: ['allow', ['var_a', 'var_act', 'var_org']],
    calls: [],
    constraints: {
      var_a: { type: 'User', ids: ['bob'] },
      var_act: { type: 'String', ids: ['read'] },
      var_org: { type: 'Org', ids: null },
    },
    context_facts: [],
  };

  it('returns rows keyed by variable', async () => {
    const res = await post(app, '/api/evaluate_query', query);
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { var_a: 'bob', var_act: 'read', var_org: 'acme' },
      { var_a: 'bob', var_act: 'read', var_org: 'beta' },
    ]);
  });

  it('refuses more rows than the limit instead of truncating', async () => {
    const { app: small } = makeApp({ config: { maxQueryRows: 1 } });
    const res = await post(small, '/api/evaluate_query', query);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/more than the limit of 1/);
  });

  it.each([
    [{ ...query, predicate: 'allow' }, /"predicate"/],
    [
      { ...query, constraints: { var_a: query.constraints.var_a } },
      /variable "var_act" of "allow" has no entry in "constraints"/,
    ],
    [{ ...query, calls: [['has_role', ['var_zz']]] }, /variable "var_zz"/],
    [
      { ...query, constraints: { ...query.constraints, var_org: { type: 'Org', ids: 'x' } } },
      /"constraints\.var_org\.ids": expected an array/,
    ],
  ])('rejects a malformed query (%#)', async (body, message) => {
    const res = await post(app, '/api/evaluate_query', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });

  it('answers the v1 query endpoint and validates its pattern', async () => {
    const res = await post(app, '/api/query', {
      fact: {
        predicate: 'has_role',
        args: [null, { type: 'String', id: null }, { type: 'Org', id: 'acme' }],
      },
      context_facts: [],
    });
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.results)).toBe(true);
    const bad = await post(app, '/api/query', {
      fact: { predicate: 'has_role', args: [{ type: null, id: 'x' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/"fact\.args\[0\]\.type"/);
  });
});
