// Shared parts of the reliability tests: a capturing logger, temp folders, a fault-scriptable Oso upstream
// on a raw node:http server (so it can hang, reset or cut a body), and small HTTP helpers.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../lib/http/index.ts';
import type { Fact } from '../../lib/polar/index.ts';

/** One captured log line. */
export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps every line; `text()` is what a JSON logger would have printed. */
export function captureLogger(): Logger & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      lines.push({ level, message, fields });
    };
  return {
    lines,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () =>
      lines.map((l) => JSON.stringify({ level: l.level, message: l.message, ...l.fields })).join('\n'),
  };
}

/** Temporary folders removed by `cleanup()`. */
export function tempDirs(prefix: string) {
  const dirs: string[] = [];
  return {
    make(): string {
      const d = mkdtempSync(join(tmpdir(), `${prefix}-`));
      dirs.push(d);
      return d;
    },
    cleanup(): void {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** How the upstream answers `GET /api/facts` once the first `okFacts` requests were answered well. */
export type UpstreamFault = 'none' | '5xx' | 'hang' | 'reset' | 'cut-body' | 'garbage';

/** Answers GET /api/facts as Oso Cloud does: filter by predicate and positional type/id. */
function answerFacts(facts: readonly Fact[], q: URLSearchParams): Fact[] {
  return facts.filter(
    (f) =>
      f.predicate === q.get('predicate') &&
      f.args.every(
        (a, i) => (q.get(`args.${i}.type`) ?? a.type) === a.type && (q.get(`args.${i}.id`) ?? a.id) === a.id,
      ),
  );
}

/**
 * A real Oso-compatible upstream on 127.0.0.1 whose `/api/facts` can be made to fail after a number of good
 * answers: 503, never answer, reset the connection, cut the body midway, or send bytes that are not JSON.
 */
export async function startFaultyUpstream(policy: string, initialFacts: Fact[]) {
  const state = { facts: initialFacts, fault: 'none' as UpstreamFault, okFacts: 0, factsRequests: 0 };
  const hanging = new Set<ServerResponse>();
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', OsoOffset: '1' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/api/policy') return json(200, { policy: { filename: 'main.polar', src: policy } });
    if (url.pathname !== '/api/facts') return json(404, { message: 'not found' });
    state.factsRequests += 1;
    const answer = answerFacts(state.facts, url.searchParams);
    if (state.fault === 'none' || state.factsRequests <= state.okFacts) return json(200, answer);
    switch (state.fault) {
      case '5xx':
        return json(503, { message: 'upstream unavailable' });
      case 'hang':
        hanging.add(res);
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'cut-body': {
        // A valid start, a declared length the body never reaches, then the connection drops.
        const text = JSON.stringify([...answer, ...answer, ...answer]);
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(text.length + 100),
        });
        res.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`[{"predicate":"has_role","args":[{"type":"User","id":"x\u0000\ufffd\ud800 <html>oops`);
        return;
    }
  };
  const server = createServer(handle);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    /** From now on, answer `okFacts` more facts requests well, then fail with `fault`. */
    failAfter(fault: UpstreamFault, okFacts = 1) {
      state.fault = fault;
      state.okFacts = state.factsRequests + okFacts;
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Polls `check` every 20 ms until it holds; throws after `timeoutMs` (default 15 s) naming `what`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** GET /healthcheck: status and the snapshot id (absent when not ready or unreachable). */
export async function healthOf(url: string): Promise<{ status: number; snapshot?: string }> {
  try {
    const res = await fetch(`${url}/healthcheck`);
    const body = (await res.json()) as { snapshot?: string };
    return { status: res.status, ...(body.snapshot === undefined ? {} : { snapshot: body.snapshot }) };
  } catch {
    return { status: 0 };
  }
}

/** The value of one unlabelled metric in a Prometheus text page, or `undefined`. */
export function metricValue(page: string, name: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** POST a JSON body to a node; returns status and parsed body. */
export async function postJson(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** An s3rver on a fixed port and folder, so a test can stop it and start it again with the same data. */
export async function startS3rverAt(port: number, directory: string, buckets: string[]) {
  const { default: S3rver } = await import('s3rver');
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => server.close() };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });
}

/**
 * A TCP proxy on 127.0.0.1 to `target` that stops forwarding client bytes once `pauseAfterBytes` have passed
 * (the upload is then stuck midway); `paused` resolves at that moment.
 */
export async function startPausingProxy(target: number, pauseAfterBytes: number) {
  let forwarded = 0;
  let onPause: () => void = () => undefined;
  const paused = new Promise<void>((ok) => {
    onPause = ok;
  });
  const sockets = new Set<import('node:net').Socket>();
  const server = createNetServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      if (forwarded >= pauseAfterBytes) return;
      const room = pauseAfterBytes - forwarded;
      upstream.write(chunk.subarray(0, room));
      forwarded += Math.min(room, chunk.length);
      if (forwarded >= pauseAfterBytes) {
        client.pause();
        onPause();
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paused,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}
