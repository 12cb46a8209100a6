// The store goes away: at start the node is not ready and retries with backoff until the store is back
// (s3rver stopped, then started on the same port and folder); during refreshes it keeps serving and
// `oso_fallback_snapshot_age_ms` keeps growing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../../lib/cli/runtime.ts';
import { openStore, type S3SnapshotStore } from '../../../lib/store/index.ts';
import {
  captureLogger,
  freePort,
  healthOf,
  metricValue,
  postJson,
  startS3rverAt,
  tempDirs,
  waitFor,
} from '../../support/reliability.ts';
import { S3RVER_CREDENTIALS } from '../../support/s3rver.ts';
import { publishSnapshot } from '../../support/serve-fixtures.ts';

const POLICY = [
  {
    filename: 'main.polar',
    src: `actor User {}
resource Org { roles = ["member"]; permissions = ["read"]; "read" if "member"; }
`,
  },
];
const member = (id: string) => ({
  predicate: 'has_role',
  args: [
    { type: 'User', id },
    { type: 'String', id: 'member' },
    { type: 'Org', id: 'acme' },
  ],
});
const canRead = async (url: string, id: string) =>
  (
    await postJson(url, '/api/authorize', {
      actor_type: 'User',
      actor_id: id,
      action: 'read',
      resource_type: 'Org',
      resource_id: 'acme',
      context_facts: [],
    })
  ).body.allowed;
const metrics = async (url: string) => (await fetch(`${url}/metrics`)).text();

const dirs = tempDirs('store-faults');
let port: number;
let folder: string;
let s3: { endpoint: string; stop(): Promise<void> } | undefined;
let node: RunningServer | undefined;
let writer: S3SnapshotStore;
const log = captureLogger();

beforeAll(async () => {
  port = await freePort();
  folder = dirs.make();
  s3 = await startS3rverAt(port, folder, ['fallback']);
  writer = openStore('s3://fallback/prod', {
    endpoint: s3.endpoint,
    credentials: S3RVER_CREDENTIALS,
  }) as S3SnapshotStore;
  await publishSnapshot(writer, POLICY, [member('alice')]);
  await s3.stop();
  s3 = undefined;
});

afterAll(async () => {
  await node?.close(100);
  writer?.destroy();
  await s3?.stop();
  dirs.cleanup();
});

describe('the store is unreachable', () => {
  it('at start: not ready (503), retries with backoff, ready once the store is back', async () => {
    node = await startServer({
      store: 's3://fallback/prod',
      storeOptions: {
        endpoint: `http://127.0.0.1:${port}`,
        credentials: S3RVER_CREDENTIALS,
        idleTimeoutMs: 1000,
      },
      port: 0,
      refreshIntervalMs: 100,
      logger: log,
    });
    const url = node.url;
    await waitFor('two failed attempts', async () => node!.holder.stats().refreshFailures >= 2);
    expect((await healthOf(url)).status).toBe(503);
    const page = await metrics(url);
    expect(metricValue(page, 'oso_fallback_ready')).toBe(0);
    expect(metricValue(page, 'oso_fallback_snapshot_refresh_failures_total')).toBeGreaterThanOrEqual(2);
    expect(metricValue(page, 'oso_fallback_snapshot_age_ms')).toBeUndefined();
    const failed = log.lines.filter((l) => l.message === 'snapshot refresh failed');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed[0]!.fields.code).toBe('store-unavailable');
    // A check is answered 503 JSON while not ready, so a client sees a clear error.
    const check = await postJson(url, '/api/authorize', {
      actor_type: 'User',
      actor_id: 'alice',
      action: 'read',
      resource_type: 'Org',
      resource_id: 'acme',
      context_facts: [],
    });
    expect(check.status).toBe(503);
    expect(typeof check.body.message).toBe('string');
    // Backoff: the attempts are spread out rather than hammering a store that is down.
    const attempts = node.holder.stats().refreshFailures;
    await new Promise((r) => setTimeout(r, 1500));
    expect(node.holder.stats().refreshFailures - attempts).toBeLessThanOrEqual(3);

    s3 = await startS3rverAt(port, folder, ['fallback']);
    await waitFor('the node to become ready', async () => (await healthOf(url)).status === 200, 60_000);
    expect(await canRead(url, 'alice')).toBe(true);
  });

  it('during refreshes: keeps serving, its age keeps growing, and it catches up when the store is back', async () => {
    const url = node!.url;
    const loadedId = (await healthOf(url)).snapshot;
    await s3!.stop();
    s3 = undefined;
    const failures = node!.holder.stats().refreshFailures;
    await waitFor('a failed refresh', () => node!.holder.stats().refreshFailures > failures);
    const age1 = metricValue(await metrics(url), 'oso_fallback_snapshot_age_ms')!;
    await waitFor('another failed refresh', () => node!.holder.stats().refreshFailures > failures + 1);
    const page = await metrics(url);
    expect(metricValue(page, 'oso_fallback_snapshot_age_ms')!).toBeGreaterThan(age1);
    expect(metricValue(page, 'oso_fallback_ready')).toBe(1);
    expect(await healthOf(url)).toEqual({ status: 200, snapshot: loadedId });
    expect(await canRead(url, 'alice')).toBe(true);

    s3 = await startS3rverAt(port, folder, ['fallback']);
    const next = await publishSnapshot(writer, POLICY, [member('alice'), member('bob')]);
    await waitFor(
      'the node to load the newer snapshot',
      async () => (await healthOf(url)).snapshot === next.id,
      60_000,
    );
    expect(await canRead(url, 'bob')).toBe(true);
  });
});
