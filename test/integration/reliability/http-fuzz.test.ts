// Hostile bodies against every check route, in-process (app.request) and once through a real socket:
// random JSON, mutated valid bodies, wrong types, huge strings, deep nesting, invalid UTF-8, 10 MiB bodies,
// thousands of context facts. Never a 5xx, a crash or a hang; every error is JSON with a `message`.
import { connect } from 'node:net';
import fc from 'fast-check';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServing, type RunningServer, startServer } from '../../../lib/cli/runtime.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../../../lib/http/index.ts';
import { captureLogger, healthOf, waitFor } from '../../support/reliability.ts';
import { publishSnapshot, tempStore } from '../../support/serve-fixtures.ts';

const SOURCES = [
  {
    filename: 'main.polar',
    src: `actor User {}
resource Org { roles = ["member", "admin"]; permissions = ["read", "write"];
  "read" if "member"; "write" if "admin"; "member" if "admin"; }
`,
  },
];
const fact = (u: string, r: string, o: string) => ({
  predicate: 'has_role',
  args: [
    { type: 'User', id: u },
    { type: 'String', id: r },
    { type: 'Org', id: o },
  ],
});
const CTX = [fact('carol', 'member', 'acme')];
const VALID: Record<string, Record<string, unknown>> = {
  '/api/authorize': {
    actor_type: 'User',
    actor_id: 'bob',
    action: 'read',
    resource_type: 'Org',
    resource_id: 'acme',
    context_facts: CTX,
  },
  '/api/authorize_resources': {
    actor_type: 'User',
    actor_id: 'bob',
    action: 'read',
    resources: [{ type: 'Org', id: 'acme' }],
    context_facts: CTX,
  },
  '/api/list': {
    actor_type: 'User',
    actor_id: 'bob',
    action: 'read',
    resource_type: 'Org',
    context_facts: CTX,
  },
  '/api/actions': {
    actor_type: 'User',
    actor_id: 'bob',
    resource_type: 'Org',
    resource_id: 'acme',
    context_facts: CTX,
  },
  '/api/bulk_actions': {
    actor_type: 'User',
    actor_id: 'bob',
    resources: [{ type: 'Org', id: 'acme' }],
    context_facts: CTX,
  },
  '/api/evaluate_query': {
    predicate: ['allow', ['a', 'b', 'c']],
    calls: [],
    constraints: {
      a: { type: 'User', ids: ['bob'] },
      b: { type: 'String', ids: ['read'] },
      c: { type: 'Org', ids: null },
    },
    context_facts: CTX,
  },
  '/api/query': {
    fact: { predicate: 'has_role', args: [null, { type: 'String', id: null }, null] },
    context_facts: CTX,
  },
};
const PATHS = Object.keys(VALID);

let cleanup: () => Promise<void>;
let app: Hono;
let node: RunningServer;
const log = captureLogger();

beforeAll(async () => {
  const t = await tempStore();
  cleanup = t.cleanup;
  await publishSnapshot(t.store, SOURCES, [fact('alice', 'admin', 'acme'), fact('bob', 'member', 'acme')]);
  const serving = await createServing({ store: t.store, logger: log });
  await serving.holder.refresh();
  app = serving.app;
  node = await startServer({ store: t.store, port: 0, logger: log });
  await waitFor('the node', async () => (await healthOf(node.url)).status === 200);
});

afterAll(async () => {
  await node?.close(100);
  await cleanup?.();
});

/** A JSON value that is not what a field expects. */
const wrongValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 50 }),
  fc.string({ minLength: 100_000, maxLength: 100_000, unit: 'grapheme-ascii' }).map((s) => s || 'x'),
  fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

/** A valid body with fields replaced by wrong values, dropped, or extra ones added. */
const mutated = fc
  .tuple(
    fc.constantFrom(...PATHS),
    fc.array(fc.tuple(fc.nat(), fc.oneof(wrongValue, fc.constant(undefined))), {
      minLength: 1,
      maxLength: 3,
    }),
  )
  .map(([path, edits]) => {
    const body: Record<string, unknown> = structuredClone(VALID[path]!);
    const keys = Object.keys(body);
    for (const [i, value] of edits) {
      const key = keys[i % keys.length]!;
      if (value === undefined) delete body[key];
      else body[key] = value;
    }
    return { path, body: JSON.stringify(body) as string | Uint8Array };
  });

/** Bodies that are never valid: random JSON, non-JSON text, deep nesting, invalid UTF-8. */
const garbage = fc.tuple(
  fc.constantFrom(...PATHS),
  fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.nat({ max: 200_000 }).map((n) => `${'['.repeat(n + 1)}${']'.repeat(n + 1)}`),
    fc.nat({ max: 100_000 }).map((n) => `{"actor_type":${'{"a":'.repeat(n + 1)}1${'}'.repeat(n + 1)}}`),
    fc
      .uint8Array({ minLength: 1, maxLength: 300 })
      .map((b) => Uint8Array.from([0x7b, 0xff, 0xfe, ...b, 0xc3])),
  ),
);

async function send(path: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  const res = await app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, text };
}

function expectJsonError(r: { status: number; text: string }): void {
  expect(r.status, r.text.slice(0, 300)).toBeGreaterThanOrEqual(400);
  expect(r.status, r.text.slice(0, 300)).toBeLessThan(500);
  const body = JSON.parse(r.text) as { message?: unknown };
  expect(typeof body.message).toBe('string');
  expect(r.text).not.toMatch(/\n\s+at /); // no stack trace
}

describe('hostile bodies in-process', () => {
  it('mutated valid bodies: 200, or a 4xx JSON error with a message; never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(mutated, async ({ path, body }) => {
        const r = await send(path, body);
        if (r.status !== 200) expectJsonError(r);
      }),
      { numRuns: 300 },
    );
  });

  it('garbage bodies: always a 4xx JSON error', async () => {
    await fc.assert(
      fc.asyncProperty(garbage, async ([path, body]) => {
        const r = await send(path, body);
        // A random JSON value may happen to be a valid (if odd) request; everything else is a 4xx.
        if (r.status !== 200) expectJsonError(r);
        else expect(typeof body === 'string' && JSON.parse(body) !== undefined).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('a 10 MiB body is refused with 413; thousands of context facts are answered or refused clearly', async () => {
    const big = JSON.stringify({ ...VALID['/api/authorize'], pad: 'x'.repeat(DEFAULT_MAX_BODY_BYTES) });
    expectJsonError(await send('/api/authorize', big));
    expect((await send('/api/authorize', big)).status).toBe(413);
    const many = (n: number) =>
      JSON.stringify({
        ...VALID['/api/authorize'],
        actor_id: 'u4999',
        context_facts: Array.from({ length: n }, (_, i) => fact(`u${i}`, 'member', 'acme')),
      });
    const ok = await send('/api/authorize', many(5000));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ allowed: true });
    const tooMany = await send('/api/authorize', many(10_001));
    expectJsonError(tooMany);
    expect(tooMany.text).toMatch(/10000|10,000/);
  });

  it('logged nothing at error level (no unexpected exception)', () => {
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('hostile bodies through a real socket', () => {
  it('answers each with 4xx JSON, and still serves afterwards', async () => {
    const samples = [
      ...fc.sample(mutated, { numRuns: 40, seed: 7 }).map((m) => [m.path, m.body] as const),
      ...fc.sample(garbage, { numRuns: 40, seed: 7 }),
      ['/api/authorize', JSON.stringify({ pad: 'x'.repeat(DEFAULT_MAX_BODY_BYTES + 1) })] as const,
    ];
    for (const [path, body] of samples) {
      const res = await fetch(`${node.url}${path}`, { method: 'POST', body });
      const text = await res.text();
      expect(res.status, text.slice(0, 200)).toBeLessThan(500);
      if (res.status !== 200) expectJsonError({ status: res.status, text });
    }
    // A request line that is not HTTP: Node's parser answers 400 and closes; the server lives on.
    const raw = await new Promise<string>((ok) => {
      const s = connect(node.port, '127.0.0.1', () => s.end('\u0000\u00ff GARBAGE /\r\n\r\n'));
      let out = '';
      s.on('data', (d) => {
        out += d.toString();
      });
      s.on('close', () => ok(out));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    const res = await fetch(`${node.url}/api/authorize`, {
      method: 'POST',
      body: JSON.stringify(VALID['/api/authorize']),
    });
    expect(await res.json()).toEqual({ allowed: true });
  });
});
