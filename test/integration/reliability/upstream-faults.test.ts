// An oso: upstream that fails in the middle of a sync (5xx, hang, reset, cut body, garbage): the sync exits 1
// and says why, nothing is published, no snapshot is left behind, and a running node keeps its snapshot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../../lib/cli/runtime.ts';
import { run as syncCommand } from '../../../lib/cli/sync-command.ts';
import type { Fact } from '../../../lib/polar/index.ts';
import { FileSnapshotStore } from '../../../lib/store/index.ts';
import {
  captureLogger,
  healthOf,
  postJson,
  startFaultyUpstream,
  tempDirs,
  type UpstreamFault,
  waitFor,
} from '../../support/reliability.ts';
import { factLines, POLICY } from '../../support/sync-fixture.ts';

const KEY = 'e_0123456789_12345_osotesttoken01xiIn';
const ENV = {
  OSO_API_TOKEN: KEY,
  FALLBACK_OSO_RETRIES: '1',
  FALLBACK_OSO_TIMEOUT_SECONDS: '0.5',
  // One partition at a time, so "after the first good answer" is the middle of the pull.
  FALLBACK_OSO_CONCURRENCY: '1',
};
const { roles, relations } = factLines(3, 3);
const FACTS = [...roles, ...relations].map((l) => JSON.parse(l) as Fact);
const NEW_FACT: Fact = {
  predicate: 'has_role',
  args: [
    { type: 'User', id: 'newcomer' },
    { type: 'String', id: 'admin' },
    { type: 'Organization', id: 'org0' },
  ],
};

const dirs = tempDirs('upstream-faults');
let upstream: Awaited<ReturnType<typeof startFaultyUpstream>>;
let node: RunningServer;
let store: FileSnapshotStore;
let firstId: string;
const nodeLog = captureLogger();

async function sync(): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } };
  const code = await syncCommand(['--source', `oso:${upstream.url}`, '--store', store.location], ENV, io);
  return { code, out, err };
}

const newcomerCanRead = async () =>
  (
    await postJson(node.url, '/api/authorize', {
      actor_type: 'User',
      actor_id: 'newcomer',
      action: 'read',
      resource_type: 'Organization',
      resource_id: 'org0',
      context_facts: [],
    })
  ).body.allowed;

beforeAll(async () => {
  upstream = await startFaultyUpstream(POLICY, FACTS);
  store = new FileSnapshotStore(dirs.make());
  const first = await sync();
  expect(first.code, first.err).toBe(0);
  const read = await store.readPointer();
  firstId = read !== null && read !== 'not-modified' ? read.pointer.id : '';
  node = await startServer({ store, port: 0, refreshIntervalMs: 20, logger: nodeLog });
  await waitFor(
    'the node to load the first snapshot',
    async () => (await healthOf(node.url)).snapshot === firstId,
  );
  // From here on the upstream has new data: any sync that got through would publish a new snapshot.
  upstream.state.facts = [...FACTS, NEW_FACT];
});

afterAll(async () => {
  await node?.close(100);
  await upstream?.close();
  dirs.cleanup();
});

const CASES: [UpstreamFault, RegExp][] = [
  ['5xx', /source-unavailable: upstream failed after 2 attempts: status 503/],
  ['hang', /source-unavailable: upstream failed after 2 attempts: timed out after 500 ms/],
  ['reset', /source-unavailable: upstream failed after 2 attempts: network error/],
  ['cut-body', /source-unavailable: upstream failed after 2 attempts: network error/],
  ['garbage', /source-invalid: upstream answered with non-JSON/],
];

describe('upstream faults in the middle of an oso: sync', () => {
  it.each(CASES)(
    '%s: exit 1 with the reason, nothing published, the node keeps its snapshot',
    async (fault, why) => {
      upstream.failAfter(fault, 1);
      const before = upstream.state.factsRequests;
      const result = await sync();
      expect(result.code).toBe(1);
      expect(result.err).toMatch(why);
      // The first partition was answered: the failure really was midway.
      expect(upstream.state.factsRequests - before).toBeGreaterThan(1);
      const read = await store.readPointer();
      expect(read !== null && read !== 'not-modified' && read.pointer.id).toBe(firstId);
      expect(await store.listSnapshots()).toEqual([firstId]);
      await new Promise((r) => setTimeout(r, 60)); // a few refresh intervals
      expect(await healthOf(node.url)).toEqual({ status: 200, snapshot: firstId });
      expect(await newcomerCanRead()).toBe(false);
      // The key never reaches what a sync prints.
      expect(result.err + result.out).not.toContain(KEY);
    },
  );

  it('once the upstream recovers, the next sync publishes and the node serves the new data', async () => {
    upstream.failAfter('none');
    const result = await sync();
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/^published /);
    await waitFor('the node to swap', async () => (await healthOf(node.url)).snapshot !== firstId);
    expect(await newcomerCanRead()).toBe(true);
    expect(nodeLog.text()).not.toContain(KEY);
  });
});
