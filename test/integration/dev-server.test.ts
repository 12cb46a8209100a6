import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Oso } from 'oso-cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevServer, startDevServer } from '../support/dev-server.ts';

const POLICY = `actor User {}
resource Org {
  roles = ["member", "admin"];
  permissions = ["read", "write"];
  "read" if "member";
  "write" if "admin";
  "member" if "admin";
}
resource Repo {
  roles = ["reader"];
  permissions = ["read"];
  relations = { org: Org };
  "read" if "reader";
  "reader" if "member" on "org";
}
test "admins write" {
  setup { has_role(User{"a"}, "admin", Org{"o"}); }
  assert allow(User{"a"}, "write", Org{"o"});
}
`;

const KEY = 'e_0123456789_12345_osotesttoken01xiIn';
const alice = { type: 'User', id: 'alice' };
const bob = { type: 'User', id: 'bob' };
const acme = { type: 'Org', id: 'acme' };
const anvil = { type: 'Repo', id: 'anvil' };

let dir: string;
let server: RunningDevServer;
let oso: Oso;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oso-dev-'));
  server = await startDevServer(dir);
  // No retry wrapper: the dev server answers at once, and a 400 should surface after one request.
  oso = new Oso(server.url, KEY, { fetchBuilder: (f) => f });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function status(p: Promise<unknown>): Promise<{ statusCode?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { statusCode?: number; message: string };
  }
  throw new Error('expected an OsoError');
}

describe('dev server with the real oso-cloud client', () => {
  it('takes a policy, and answers 202 when it is unchanged', async () => {
    await oso.policy(POLICY);
    const again = await fetch(`${server.url}/api/policy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ src: POLICY, filename: '' }),
    });
    expect(again.status).toBe(202);
    const got = (await (await fetch(`${server.url}/api/policy`)).json()) as { policy: { src: string } };
    expect(got.policy.src).toBe(POLICY);
  });

  it('refuses an invalid policy with Oso-style validation errors and keeps the old one', async () => {
    const err = await status(oso.policy('actor User {}\nresource Org { roles = ["a"]; "b" if "a"; }'));
    expect(err.statusCode).toBe(400);
    const res = await fetch(`${server.url}/api/policy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ src: 'actor User {', filename: 'bad.polar' }),
    });
    const body = (await res.json()) as { error_type: string; errors: { message: string }[] };
    expect(res.status).toBe(400);
    expect(body.error_type).toBe('Validation');
    expect(body.errors[0]!.message).toMatch(/^bad\.polar:\d+:\d+: /);
    const got = (await (await fetch(`${server.url}/api/policy`)).json()) as { policy: { src: string } };
    expect(got.policy.src).toBe(POLICY);
  });

  it('refuses a policy whose tests fail', async () => {
    const failing = POLICY.replace('assert allow(User{"a"}, "write"', 'assert allow(User{"b"}, "write"');
    const err = await status(oso.policy(failing));
    expect(err.statusCode).toBe(400);
    expect(err.message).toMatch(/tests failed/);
  });

  it('writes with insert, batch and delete; reads them back through the check API', async () => {
    await oso.insert(['has_role', alice, 'admin', acme]);
    await oso.batch((tx) => {
      tx.insert(['has_role', bob, 'member', acme]);
      tx.insert(['has_relation', anvil, 'org', acme]);
      tx.insert(['has_role', bob, 'reader', anvil]);
      tx.delete(['has_role', bob, 'reader', null]);
    });
    expect(await oso.get(['has_role', bob, null, null])).toEqual([
      ['has_role', bob, { type: 'String', id: 'member' }, acme],
    ]);
    expect(await oso.authorize(alice, 'write', acme)).toBe(true);
    expect(await oso.authorize(bob, 'write', acme)).toBe(false);
    expect(await oso.list(bob, 'read', 'Repo')).toEqual(['anvil']);
    expect((await oso.actions(alice, acme)).sort()).toEqual(['read', 'write']);
    await oso.delete(['has_role', bob, null, null]);
    expect(await oso.authorize(bob, 'read', acme)).toBe(false);
  });

  it('refuses facts the policy does not declare, or with the wrong arity, and applies nothing', async () => {
    const before = await oso.get(['has_role', null, null, null]);
    const undeclared = await status(oso.insert(['owns', alice, acme]));
    expect(undeclared.statusCode).toBe(400);
    expect(undeclared.message).toMatch(/owns/);
    const arity = await status(oso.insert(['has_role', alice, 'admin'] as never));
    expect(arity.statusCode).toBe(400);
    const batch = await status(
      oso.batch((tx) => {
        tx.insert(['has_role', bob, 'admin', acme]);
        tx.insert(['owns', alice, acme]);
      }),
    );
    expect(batch.statusCode).toBe(400);
    expect(await oso.get(['has_role', null, null, null])).toEqual(before);
  });

  it('answers writes with a growing OsoOffset and serves the legacy endpoints', async () => {
    const post = (path: string, body: unknown, method = 'POST') =>
      fetch(`${server.url}/api${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const fact = {
      predicate: 'has_role',
      args: [{ type: 'User', id: 'carol' }, { type: 'String', id: 'member' }, acme],
    };
    const a = await post('/facts', fact);
    expect(await a.json()).toEqual(fact);
    const b = await post('/bulk_load', [
      { ...fact, args: [{ type: 'User', id: 'dan' }, ...fact.args.slice(1)] },
    ]);
    const c = await post('/bulk', { delete: [fact], tell: [] });
    const d = await post(
      '/facts',
      {
        ...fact,
        args: [
          { type: 'User', id: 'dan' },
          { type: null, id: null },
          { type: null, id: null },
        ],
      },
      'DELETE',
    );
    const offsets = [a, b, c, d].map((r) => Number(r.headers.get('OsoOffset')));
    expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!)).toBe(true);
    expect(await oso.list({ type: 'User', id: 'carol' }, 'read', 'Org')).toEqual([]);
    expect(await oso.list({ type: 'User', id: 'dan' }, 'read', 'Org')).toEqual([]);
  });

  it('keeps policy and facts across a restart', async () => {
    const offset = server.dev.service.store.offset;
    await server.stop();
    server = await startDevServer(dir);
    oso = new Oso(server.url, KEY, { fetchBuilder: (f) => f });
    expect(server.dev.service.store.offset).toBe(offset);
    expect(await oso.authorize(alice, 'write', acme)).toBe(true);
    const cleared = await fetch(`${server.url}/api/clear_data`, { method: 'POST' });
    expect(Number(cleared.headers.get('OsoOffset'))).toBe(offset + 1);
    expect(await oso.authorize(alice, 'write', acme)).toBe(false);
  });

  it('keeps serving when a new policy no longer reads some stored facts', async () => {
    await oso.insert(['has_relation', anvil, 'org', acme]);
    await oso.insert(['has_role', bob, 'member', acme]);
    await oso.policy(
      'actor User {}\nresource Org { roles = ["member"]; permissions = ["read"]; "read" if "member"; }',
    );
    expect(await oso.authorize(bob, 'read', acme)).toBe(true);
    expect(await oso.get(['has_relation', anvil, null, null])).toHaveLength(1);
  });
});
