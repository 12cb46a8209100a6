// functions/serve-lambda.ts driven with recorded ALB events (both header shapes) against a real file store.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashApiKey } from '../../lib/http/index.ts';
import type { Fact } from '../../lib/polar/index.ts';
import { publishSnapshot, tempStore } from '../support/serve-fixtures.ts';

type Handler = typeof import('../../functions/serve-lambda.ts').handler;
type Event = Parameters<Handler>[0];

const ALB = join(import.meta.dirname, '..', 'fixtures', 'alb');
const event = (name: string): Event => JSON.parse(readFileSync(join(ALB, name), 'utf8')) as Event;
const CONTEXT = {
  functionName: 'serve',
  awsRequestId: 'c0ffee',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:serve',
};

const POLICY = [
  {
    filename: 'roles.polar',
    src: 'actor User {}\nresource Org {\n  roles = ["admin"];\n  permissions = ["write"];\n  "write" if "admin";\n}\n',
  },
];
const adminOfAcme = (user: string): Fact[] => [
  {
    predicate: 'has_role',
    args: [
      { type: 'User', id: user },
      { type: 'String', id: 'admin' },
      { type: 'Org', id: 'acme' },
    ],
  },
];

let t: Awaited<ReturnType<typeof tempStore>>;
let handler: Handler;
const stdout: string[] = [];

beforeAll(async () => {
  t = await tempStore();
  await publishSnapshot(t.store, POLICY, adminOfAcme('alice'));
  vi.stubEnv('FALLBACK_STORE', `file:${t.dir}`);
  vi.stubEnv('FALLBACK_API_KEY_HASHES', hashApiKey('e_1_2_lambda'));
  vi.stubEnv('FALLBACK_REFRESH_SECONDS', '0.05');
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'oso-fallback-test');
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'OsoFallbackTest');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'WARN');
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
  ({ handler } = await import('../../functions/serve-lambda.ts'));
});
afterAll(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await t?.cleanup();
});

describe('serve-lambda handler', () => {
  it('answers an ALB event with single-value headers in the same shape', async () => {
    const res = await handler(event('authorize-headers.json'), CONTEXT as never);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ allowed: true });
    expect(res.headers?.['content-type']).toMatch(/^application\/json/);
    expect(res.headers?.['x-request-id']).toBe('d810e8dc-0a78-479d-a7eb-40b9574f403f');
    expect(res.multiValueHeaders).toBeUndefined();
  });

  it('answers an ALB event with multiValueHeaders in the same shape', async () => {
    const res = await handler(event('authorize-multi-value-headers.json'), CONTEXT as never);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ allowed: false });
    expect(res.multiValueHeaders?.['x-request-id']).toEqual(['5b8c1f2e-9d4a-4c7b-8e3f-2a1d0c9b8e7f']);
    expect(res.multiValueHeaders?.['content-type']?.[0]).toMatch(/^application\/json/);
    const health = await handler(event('healthcheck-multi-value-headers.json'), CONTEXT as never);
    expect(health.statusCode).toBe(200);
  });

  it('refuses a wrong key with 401 JSON', async () => {
    const e = event('authorize-headers.json') as Event & { headers: Record<string, string> };
    e.headers.authorization = 'Bearer e_1_2_wrong';
    const res = await handler(e, CONTEXT as never);
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body)).toEqual({ message: 'invalid api key', code: 'unauthorized' });
  });

  it('picks up a newer snapshot on a later invocation once a refresh is due', async () => {
    await publishSnapshot(t.store, POLICY, adminOfAcme('bob'));
    const bobAllowed = async () => {
      await new Promise((r) => setTimeout(r, 20));
      const res = await handler(event('authorize-multi-value-headers.json'), CONTEXT as never);
      return JSON.parse(res.body) as { allowed: boolean };
    };
    await expect.poll(bobAllowed, { timeout: 10_000, interval: 10 }).toEqual({ allowed: true });
  });

  it('publishes EMF metrics: requests, latency and snapshot age', () => {
    const emf = stdout
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(emf.length).toBeGreaterThanOrEqual(4);
    expect(emf[0]).toMatchObject({ Requests: 1, path: '/api/authorize', service: 'oso-fallback-test' });
    expect(emf[0]!.Latency).toEqual(expect.any(Number));
    expect(emf[0]!.SnapshotAgeMs).toEqual(expect.any(Number));
  });
});
