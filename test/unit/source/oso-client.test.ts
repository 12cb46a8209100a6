import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isDomainError } from '../../../lib/errors.ts';
import {
  keyEnvironment,
  OsoClient,
  type OsoClientEvent,
  parseRetryAfter,
} from '../../../lib/source/oso-client.ts';
import { startScriptedServer } from '../../support/scripted-server.ts';

const KEY = 'e_123_456_supersecretvalue';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function upstream() {
  const s = await startScriptedServer({
    '/api/policy': () => ({ body: { policy: { filename: null, src: '' } } }),
  });
  closers.push(s.close);
  return s;
}

function client(
  url: string,
  events: OsoClientEvent[] = [],
  extra: Partial<ConstructorParameters<typeof OsoClient>[0]> = {},
) {
  return new OsoClient({
    baseUrl: url,
    apiKey: KEY,
    backoffMs: 1,
    retries: 3,
    random: () => 0,
    onEvent: (e) => events.push(e),
    ...extra,
  });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('OsoClient', () => {
  it('sends the headers the Oso clients send, one request id reused across retries', async () => {
    const s = await upstream();
    s.script('/api/policy', { status: 503 });
    const res = await client(s.url).get('/policy');
    expect(res.body).toEqual({ policy: { filename: null, src: '' } });
    expect(s.seen).toHaveLength(2);
    const h = s.seen[1]!.headers;
    expect(h.authorization).toBe(`Bearer ${KEY}`);
    expect(h['x-osoapiversion']).toBe('0');
    expect(h.accept).toBe('application/json');
    expect(h['content-type']).toBe('application/json');
    expect(h['user-agent']).toMatch(/^oso-fallback-serverless\/\d+\.\d+\.\d+ /);
    expect(h['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.seen[0]!.headers['x-request-id']).toBe(h['x-request-id']);
    expect(res.requestId).toBe(h['x-request-id']);
  });

  it('retries 5xx and 429, honouring Retry-After', async () => {
    const s = await upstream();
    s.script(
      '/api/policy',
      { status: 500 },
      { status: 429, headers: { 'Retry-After': '0.05' } },
      { status: 502 },
    );
    const events: OsoClientEvent[] = [];
    await client(s.url, events).get('/policy');
    expect(s.seen).toHaveLength(4);
    expect(events.map((e) => e.fields.delayMs)).toEqual([0, 50, 0]);
    expect(events[1]!.fields.reason).toMatch(/status 429/);
  });

  it('fails at once when Retry-After asks for longer than it waits', async () => {
    const s = await upstream();
    s.script('/api/policy', { status: 429, headers: { 'Retry-After': '3600' } });
    const err = await failure(client(s.url, [], { maxRetryAfterMs: 1000 }).get('/policy'));
    expect(err.message).toContain('asked to retry after 3600 s');
    expect(s.seen).toHaveLength(1);
  });

  it('gives up after the retries with the request id in the message', async () => {
    const s = await upstream();
    s.script('/api/policy', ...Array.from({ length: 4 }, () => ({ status: 500, body: { message: 'boom' } })));
    const err = await failure(client(s.url).get('/policy'));
    expect(isDomainError(err, 'source-unavailable')).toBe(true);
    expect(err.message).toContain('after 4 attempts');
    expect(err.message).toContain('"boom"');
    expect(err.message).toContain(s.seen[0]!.headers['x-request-id']);
  });

  it('fails at once on 401/403, naming the environment and never the key', async () => {
    for (const status of [401, 403]) {
      const s = await upstream();
      s.script('/api/policy', { status, body: { message: 'unauthorized' } });
      const err = await failure(client(s.url).get('/policy'));
      expect(isDomainError(err, 'upstream-auth')).toBe(true);
      expect(err.message).toContain('environment 123');
      expect(err.message).not.toContain('supersecretvalue');
      expect(s.seen).toHaveLength(1);
    }
  });

  it('fails at once on a 2xx that is not JSON (not an Oso API)', async () => {
    const s = await upstream();
    s.script('/api/policy', { body: '<html>hello</html>' });
    const err = await failure(client(s.url).get('/policy'));
    expect(isDomainError(err, 'source-invalid')).toBe(true);
    expect(err.message).toContain('<html>');
    expect(s.seen).toHaveLength(1);
  });

  it('fails at once on other 4xx', async () => {
    const s = await upstream();
    s.script('/api/policy', { status: 404, body: { message: 'no such route' } });
    const err = await failure(client(s.url).get('/policy'));
    expect(isDomainError(err, 'source-invalid')).toBe(true);
    expect(err.message).toContain('404');
    expect(s.seen).toHaveLength(1);
  });

  it('times out a hanging attempt and retries', async () => {
    const s = await upstream();
    s.script('/api/policy', { delayMs: 1000 });
    const events: OsoClientEvent[] = [];
    const res = await client(s.url, events, { timeoutMs: 100 }).get('/policy');
    expect(res.body).toEqual({ policy: { filename: null, src: '' } });
    expect(events[0]!.fields.reason).toBe('timed out after 100 ms');
  });

  it('retries network errors, then fails', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const events: OsoClientEvent[] = [];
    const err = await failure(client(`http://127.0.0.1:${port}`, events, { retries: 2 }).get('/policy'));
    expect(isDomainError(err, 'source-unavailable')).toBe(true);
    expect(err.message).toContain('ECONNREFUSED');
    expect(events).toHaveLength(2);
  });

  it('reads the OsoOffset header', async () => {
    const s = await upstream();
    s.script('/api/policy', { body: { policy: null }, headers: { OsoOffset: '42' } });
    expect((await client(s.url).get('/policy')).offset).toBe('42');
  });

  it('refuses a missing key and a bad url before sending anything', () => {
    expect(() => new OsoClient({ baseUrl: 'http://127.0.0.1:1', apiKey: ' ' })).toThrow(/OSO_API_TOKEN/);
    expect(() => new OsoClient({ baseUrl: 'ftp://x', apiKey: KEY })).toThrow(/http or https/);
  });
});

describe('helpers', () => {
  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('1.5')).toBe(1500);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('Wed, 25 Nov 2026 19:00:10 GMT', Date.parse('2026-11-25T19:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('takes the environment from the key', () => {
    expect(keyEnvironment('e_0123456789_12345_osotesttoken01xiIn')).toBe('0123456789');
    expect(keyEnvironment('secret')).toMatch(/^unknown/);
  });
});
