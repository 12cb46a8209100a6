// Snapshot swaps while clients send requests continuously over real sockets: no request fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../lib/cli/runtime.ts';
import { silentLogger } from '../../lib/http/index.ts';
import type { Fact } from '../../lib/polar/index.ts';
import { publishSnapshot, tempStore } from '../support/serve-fixtures.ts';

const POLICY = [
  {
    filename: 'roles.polar',
    src: `actor User {}
resource Org {
  roles = ["member", "admin"];
  permissions = ["read", "write"];
  "read" if "member";
  "write" if "admin";
  "member" if "admin";
}
`,
  },
];

function facts(adminOfAcme: string, extra: number): Fact[] {
  const out: Fact[] = [
    {
      predicate: 'has_role',
      args: [
        { type: 'User', id: adminOfAcme },
        { type: 'String', id: 'admin' },
        { type: 'Org', id: 'acme' },
      ],
    },
  ];
  // Some bulk, so a load takes long enough to overlap with requests.
  for (let i = 0; i < extra; i++) {
    out.push({
      predicate: 'has_role',
      args: [
        { type: 'User', id: `u${i}` },
        { type: 'String', id: 'member' },
        { type: 'Org', id: `o${i % 500}` },
      ],
    });
  }
  return out;
}

let server: RunningServer;
let t: Awaited<ReturnType<typeof tempStore>>;

beforeAll(async () => {
  t = await tempStore();
  await publishSnapshot(t.store, POLICY, facts('alice', 20_000));
  // Polls every 20 ms, so swaps happen on the server's own background timer.
  server = await startServer({ store: t.store, port: 0, logger: silentLogger, refreshIntervalMs: 20 });
  for (let i = 0; i < 1000 && server.holder.current() === null; i++)
    await new Promise((r) => setTimeout(r, 10));
});
afterAll(async () => {
  await server?.close(1000);
  await t?.cleanup();
});

async function ask(user: string): Promise<{ status: number; allowed?: boolean }> {
  const res = await fetch(`${server.url}/api/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      actor_type: 'User',
      actor_id: user,
      action: 'write',
      resource_type: 'Org',
      resource_id: 'acme',
      context_facts: [],
    }),
  });
  const body = (await res.json()) as { allowed?: boolean };
  return { status: res.status, allowed: body.allowed };
}

describe('live refresh', () => {
  it('swaps snapshots under continuous load with zero failed requests, and answers change', async () => {
    const failures: string[] = [];
    const seen: { alice?: boolean; bob?: boolean }[] = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const [a, b] = await Promise.all([ask('alice'), ask('bob')]);
          if (a.status !== 200 || b.status !== 200) failures.push(`status ${a.status}/${b.status}`);
          seen.push({ alice: a.allowed, bob: b.allowed });
        } catch (e) {
          failures.push(String(e));
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    const loadsBefore = server.holder.stats().loads;
    expect(await ask('alice')).toEqual({ status: 200, allowed: true });

    // Three swaps: bob, then alice, then bob again becomes the admin.
    for (const [i, admin] of ['bob', 'alice', 'bob'].entries()) {
      const m = await publishSnapshot(t.store, POLICY, facts(admin, 20_000 + i));
      await expect
        .poll(() => server.holder.current()?.manifest.id, { timeout: 20_000, interval: 5 })
        .toBe(m.id);
      const before = seen.length;
      await expect.poll(() => seen.length > before + 20, { timeout: 20_000, interval: 5 }).toBe(true);
    }
    stop = true;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    expect(server.holder.stats().loads - loadsBefore).toBe(3);
    expect(server.holder.stats().refreshFailures).toBe(0);
    // Both answers were served while swapping, and the final snapshot answers bob.
    expect(seen.some((s) => s.alice === true && s.bob === false)).toBe(true);
    expect(seen.some((s) => s.alice === false && s.bob === true)).toBe(true);
    expect(await ask('bob')).toEqual({ status: 200, allowed: true });
    expect(await ask('alice')).toEqual({ status: 200, allowed: false });
  });
});
