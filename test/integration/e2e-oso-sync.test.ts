// The whole data path with real parts: oso-cloud client -> dev server (primary) -> sync (oso: source)
// -> s3rver store -> fallback node -> the same client with a dead primary and the node as fallbackUrl.
import { Oso, typedVar } from 'oso-cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../lib/cli/runtime.ts';
import { silentLogger } from '../../lib/http/index.ts';
import { openSource } from '../../lib/source/index.ts';
import { openStore, type S3SnapshotStore } from '../../lib/store/index.ts';
import { runSync } from '../../lib/sync/index.ts';
import { type RunningDevServer, startDevServer } from '../support/dev-server.ts';
import { type RunningS3rver, S3RVER_CREDENTIALS, startS3rver } from '../support/s3rver.ts';

const POLICY = `actor User {}
resource Org {
  roles = ["member", "admin"];
  permissions = ["read", "write", "invite"];
  "read" if "member";
  "write" if "admin";
  "invite" if "admin";
  "member" if "admin";
}
resource Repo {
  roles = ["reader", "maintainer"];
  permissions = ["read", "push"];
  relations = { org: Org };
  "read" if "reader";
  "push" if "maintainer";
  "reader" if "maintainer";
  "reader" if "member" on "org";
  "maintainer" if "admin" on "org";
}
has_role(u: User, "admin", _: Org) if is_super(u);
declare is_super(User);
test "admins push" {
  setup { has_role(User{"a"}, "admin", Org{"o"}); has_relation(Repo{"r"}, "org", Org{"o"}); }
  assert allow(User{"a"}, "push", Repo{"r"});
}
`;

const KEY = 'e_0123456789_12345_osotesttoken01xiIn';
const user = (id: string) => ({ type: 'User', id });
const org = (id: string) => ({ type: 'Org', id });
const repo = (id: string) => ({ type: 'Repo', id });
const USERS = ['alice', 'bob', 'carol', 'root'].map(user);
const ORGS = ['acme', 'globex'].map(org);
const REPOS = ['anvil', 'rocket', 'sprocket'].map(repo);

let s3: RunningS3rver;
let dev: RunningDevServer;
let node: RunningServer;
let primary: Oso;
let viaFallback: Oso;
const stores: S3SnapshotStore[] = [];

function store() {
  const s = openStore('s3://e2e-bucket/fallback', {
    endpoint: s3.endpoint,
    credentials: S3RVER_CREDENTIALS,
  }) as S3SnapshotStore;
  stores.push(s);
  return s;
}

async function sync() {
  const source = openSource(`oso:${dev.url}`, { apiKey: KEY });
  return runSync({ source, store: store(), logger: silentLogger });
}

/** Every authorize, list and actions answer, plus one query, for the whole small universe. */
async function answers(oso: Oso) {
  const out: Record<string, unknown> = {};
  for (const u of USERS) {
    for (const r of [...ORGS, ...REPOS]) {
      out[`actions ${u.id} ${r.id}`] = (await oso.actions(u, r)).sort();
      for (const action of ['read', 'write', 'push'])
        out[`authorize ${u.id} ${action} ${r.id}`] = await oso.authorize(u, action, r);
    }
    for (const type of ['Org', 'Repo'])
      out[`list ${u.id} read ${type}`] = (await oso.list(u, 'read', type)).sort();
    const r = typedVar('Repo');
    out[`query ${u.id}`] = (await oso.buildQuery(['allow', u, 'push', r]).evaluate(r)).sort();
  }
  return out;
}

beforeAll(async () => {
  s3 = await startS3rver(['e2e-bucket']);
  dev = await startDevServer();
  primary = new Oso(dev.url, KEY);
  await primary.policy(POLICY);
  await primary.insert(['has_role', user('alice'), 'admin', org('acme')]);
  await primary.batch((tx) => {
    tx.insert(['has_role', user('bob'), 'member', org('acme')]);
    tx.insert(['has_role', user('carol'), 'reader', repo('rocket')]);
    tx.insert(['has_role', user('carol'), 'maintainer', repo('sprocket')]);
    tx.insert(['has_relation', repo('anvil'), 'org', org('acme')]);
    tx.insert(['has_relation', repo('rocket'), 'org', org('globex')]);
    tx.insert(['is_super', user('root')]);
    tx.insert(['has_role', user('bob'), 'reader', repo('sprocket')]);
  });
  await primary.delete(['has_role', user('bob'), 'reader', null]);
  const first = await sync();
  expect(first.published).toBe(true);
  node = await startServer({
    store: store(),
    port: 0,
    refreshIntervalMs: 100,
    logger: silentLogger,
  });
  await node.holder.refresh();
  // Default client settings: each call retries the dead primary (3 tries), then asks the fallback once.
  viaFallback = new Oso('http://127.0.0.1:1', KEY, { fallbackUrl: node.url });
});

afterAll(async () => {
  await node?.close(100);
  await dev?.stop();
  for (const s of stores) s.destroy();
  await s3?.stop();
});

describe('oso: sync end to end', () => {
  it('gives the same answers through the fallback node as the dev server does directly', async () => {
    const direct = await answers(primary);
    expect(direct['authorize alice push anvil']).toBe(true);
    expect(direct['authorize root write globex']).toBe(true);
    expect(direct['authorize bob read sprocket']).toBe(false);
    expect(await answers(viaFallback)).toEqual(direct);
  });

  it('records the upstream offset in the manifest', () => {
    const manifest = node.holder.current()?.manifest;
    expect(manifest?.source).toBe(`oso:${dev.url}`);
    expect(Number(manifest?.upstreamVersion)).toBe(dev.dev.service.store.offset);
  });

  it('picks up a change after a second sync and the refresh interval', async () => {
    expect(await viaFallback.authorize(user('bob'), 'write', org('acme'))).toBe(false);
    await primary.insert(['has_role', user('bob'), 'admin', org('acme')]);
    await primary.delete(['is_super', user('root')]);
    const second = await sync();
    expect(second.published).toBe(true);
    await expect
      .poll(() => viaFallback.authorize(user('bob'), 'write', org('acme')), { timeout: 10_000, interval: 50 })
      .toBe(true);
    expect(await answers(viaFallback)).toEqual(await answers(primary));
  });

  it('publishes nothing when nothing changed', async () => {
    expect((await sync()).published).toBe(false);
  });
});
