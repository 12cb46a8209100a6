// The Node server over a real socket: body reading from the socket stream, 413 both ways, trailing `?`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../lib/cli/runtime.ts';
import { silentLogger } from '../../lib/http/index.ts';
import { publishSnapshot, tempStore } from '../support/serve-fixtures.ts';

let server: RunningServer;
let t: Awaited<ReturnType<typeof tempStore>>;
const body = JSON.stringify({
  actor_type: 'User',
  actor_id: 'alice',
  action: 'read',
  resource_type: 'Org',
  resource_id: 'acme',
  context_facts: [],
});

beforeAll(async () => {
  t = await tempStore();
  await publishSnapshot(
    t.store,
    [
      {
        filename: 'p.polar',
        src: 'actor User {}\nresource Org { roles = ["member"]; permissions = ["read"]; "read" if "member"; }\n',
      },
    ],
    [
      {
        predicate: 'has_role',
        args: [
          { type: 'User', id: 'alice' },
          { type: 'String', id: 'member' },
          { type: 'Org', id: 'acme' },
        ],
      },
    ],
  );
  server = await startServer({ store: t.store, port: 0, logger: silentLogger, http: { maxBodyBytes: 1024 } });
  for (let i = 0; i < 1000 && server.holder.current() === null; i++)
    await new Promise((r) => setTimeout(r, 10));
});
afterAll(async () => {
  await server?.close(1000);
  await t?.cleanup();
});

describe('node server', () => {
  it('answers with the body read from the socket, a trailing ? and the request id echoed', async () => {
    const res = await fetch(`${server.url}/api/authorize?`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'sock-1' },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('sock-1');
    expect(await res.json()).toEqual({ allowed: true });
  });

  it('refuses a declared and a streamed (chunked) oversize body with 413, and keeps serving', async () => {
    const declared = await fetch(`${server.url}/api/authorize`, { method: 'POST', body: 'x'.repeat(2000) });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { message: string }).message).toMatch(
      /larger than the limit of 1024 bytes/,
    );
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(600)));
        controller.close();
      },
    });
    const streamed = await fetch(`${server.url}/api/authorize`, {
      method: 'POST',
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    const again = await fetch(`${server.url}/api/authorize`, { method: 'POST', body });
    expect(await again.json()).toEqual({ allowed: true });
  });
});
