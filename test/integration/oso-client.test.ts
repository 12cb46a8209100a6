// The real oso-cloud client, primary unreachable, falling back to our Node server over a real socket.
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Oso, typedVar } from 'oso-cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../lib/cli/runtime.ts';
import { silentLogger } from '../../lib/http/index.ts';
import { parsePolicy, type Term, type Value } from '../../lib/polar/index.ts';
import {
  type ExpectedFixture,
  FIXTURES,
  publishSnapshot,
  readPolicyFile,
  tempStore,
} from '../support/serve-fixtures.ts';

const UNREACHABLE = 'http://127.0.0.1:1';
let server: RunningServer;
let oso: Oso;
let cleanup: () => Promise<void>;
let nowSeconds: number | undefined;
let store: Awaited<ReturnType<typeof tempStore>>['store'];

beforeAll(async () => {
  const t = await tempStore();
  store = t.store;
  cleanup = t.cleanup;
  server = await startServer({
    store,
    port: 0,
    logger: silentLogger,
    engine: { clock: () => nowSeconds ?? Math.floor(Date.now() / 1000) },
  });
  // One attempt at the dead primary (no retry backoff): the fallback path itself is unchanged.
  oso = new Oso(UNREACHABLE, 'e_1_2_test', { fallbackUrl: server.url, fetchBuilder: (f) => f });
});
afterAll(async () => {
  await server?.close(1000);
  await cleanup?.();
});

/** Publishes a snapshot and waits until the server answers from it. */
async function serve(sources: { filename: string; src: string }[], facts: ExpectedFixture['facts']) {
  const m = await publishSnapshot(store, sources, facts);
  // The background poll may be mid-read; refresh until the new snapshot is the one answering.
  const loadedId = async () => {
    await server.holder.refresh();
    return server.holder.current()?.manifest.id;
  };
  await expect.poll(loadedId, { interval: 5 }).toBe(m.id);
}

const v = (type: string, id: string) => ({ type, id });
const sorted = (xs: string[]) => [...xs].sort();

describe('the default client (with its retries) falls back to us', () => {
  it('answers authorize and returns our X-Request-ID errors', async () => {
    await serve(await readPolicyFile('f1-github.polar'), []);
    const plain = new Oso(UNREACHABLE, 'e_1_2_test', { fallbackUrl: server.url });
    expect(await plain.authorize(v('User', 'nobody'), 'read', v('Repository', 'x'))).toBe(false);
    // oso.get() loses its query string on fallback: we refuse rather than answer a different question.
    await expect(plain.get(['has_role', v('User', 'a'), null, null])).rejects.toThrow(
      /missing query parameter "predicate"/,
    );
  });
});

const expectedFiles = readdirSync(FIXTURES).filter((f) => f.endsWith('.expected.json'));

describe.each(expectedFiles)('fixture %s', (file) => {
  it('authorize, list, actions and evaluate equal the expected answers', async () => {
    const fx = JSON.parse(await readFile(join(FIXTURES, file), 'utf8')) as ExpectedFixture;
    nowSeconds = fx.now;
    await serve(await readPolicyFile(file.replace('.expected.json', '.polar')), fx.facts);
    const authz = await Promise.all(
      (fx.authorize ?? []).map(async ([at, ai, act, rt, ri, want]) => ({
        check: `${at}:${ai} ${act} ${rt}:${ri}`,
        got: await oso.authorize(v(at, ai), act, v(rt, ri)),
        query: await oso.buildQuery(['allow', v(at, ai), act, v(rt, ri)]).evaluate(),
        want,
      })),
    );
    for (const a of authz)
      expect({ check: a.check, got: a.got, query: a.query }).toEqual({
        check: a.check,
        got: a.want,
        query: a.want,
      });
    for (const [at, ai, act, rt, ids] of fx.list ?? []) {
      const check = `list ${at}:${ai} ${act} ${rt}`;
      const resource = typedVar(rt);
      const got = sorted(await oso.list(v(at, ai), act, rt));
      const query = sorted(await oso.buildQuery(['allow', v(at, ai), act, resource]).evaluate(resource));
      expect({ check, got, query }).toEqual({ check, got: sorted(ids), query: sorted(ids) });
    }
    for (const [at, ai, rt, ri, acts] of fx.actions ?? []) {
      const check = `actions ${at}:${ai} ${rt}:${ri}`;
      const got = sorted(await oso.actions(v(at, ai), v(rt, ri)));
      expect({ check, got }).toEqual({ check, got: sorted(acts) });
    }
    nowSeconds = undefined;
  });
});

function termValue(t: Term): Value {
  if (t.kind !== 'value') throw new Error(`not a value: ${JSON.stringify(t)}`);
  return t.value;
}

describe.each(['f1-github.polar', 'f2-folders.polar'])('policy tests of %s', (name) => {
  it('every assertion of every test block holds through the client', async () => {
    const sources = await readPolicyFile(name);
    const policy = parsePolicy(sources);
    expect(policy.tests.length).toBeGreaterThan(0);
    for (const t of policy.tests) {
      await serve(sources, t.facts);
      for (const a of t.assertions) {
        const want = a.kind === 'assert';
        const check = `${t.name}: ${a.kind} ${a.atom.pred}(${JSON.stringify(a.atom.args)})`;
        if (a.variable === undefined) {
          const args = a.atom.args.map(termValue);
          const got =
            a.atom.pred === 'allow'
              ? await oso.authorize(args[0]!, args[1]!.id, args[2]!)
              : await oso.buildQuery([a.atom.pred, ...args] as never).evaluate();
          expect({ check, got }).toEqual({ check, got: want });
          continue;
        }
        const variable = typedVar(a.variable.types[0]!);
        const args = a.atom.args.map((x) => (x.kind === 'var' ? variable : termValue(x)));
        const got = sorted(await oso.buildQuery([a.atom.pred, ...args] as never).evaluate(variable));
        if (a.iff !== undefined)
          expect({ check, got }).toEqual({ check, got: sorted(a.iff.map((x) => x.id)) });
        else expect({ check, some: got.length > 0 }).toEqual({ check, some: want });
        if (a.atom.pred === 'allow' && a.atom.args[2]?.kind === 'var' && a.iff !== undefined) {
          const [actor, action] = args as [Value, Value];
          const listed = sorted(await oso.list(actor, action.id, a.variable.types[0]!));
          expect({ check, listed }).toEqual({ check, listed: sorted(a.iff.map((x) => x.id)) });
        }
      }
    }
  });
});
