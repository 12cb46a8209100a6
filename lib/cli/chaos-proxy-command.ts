/**
 * `fallback chaos-proxy --target <primary-url> [--fail-ratio 0.2] [--port 8090] [--host 127.0.0.1]`: a
 * small HTTP proxy for fallback drills. It forwards requests to the primary and answers a share of them with
 * 503 instead. The choice is made per `X-Request-ID` (which Oso's clients keep across their retries), so a
 * failed request fails on every retry and the client sends it to its fallback URL.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { DomainError } from '../errors.ts';
import { type CliEnv, type CliIo, parseFlags, reportError } from './flags.ts';

export const USAGE =
  'usage: fallback chaos-proxy --target <primary-url> [--fail-ratio 0.2] [--port 8090] [--host 127.0.0.1]\n';

/** Options of {@link startChaosProxy}. */
export interface ChaosProxyOptions {
  /** The primary's base URL, e.g. `https://cloud.osohq.com`. Required. */
  target: string;
  /** Share of requests answered 503, from 0 to 1. Default 0.2. */
  failRatio?: number;
  /** Default 8090 (0 picks a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Draws for requests without an `X-Request-ID`. Default `Math.random`. */
  random?: () => number;
}

/** Counts of what the proxy did: `failed` counts distinct requests (retries of one request count once). */
export interface ChaosStats {
  forwarded: number;
  failedAttempts: number;
  failed: number;
}

/** A request id's fixed draw in [0, 1): the same id fails (or passes) on every retry. */
function draw(requestId: string): number {
  return createHash('sha256').update(requestId).digest().readUInt32BE(0) / 2 ** 32;
}

/** Starts the proxy; resolves once it listens. */
export async function startChaosProxy(o: ChaosProxyOptions) {
  const target = new URL(o.target);
  const failRatio = o.failRatio ?? 0.2;
  const random = o.random ?? Math.random;
  const stats: ChaosStats = { forwarded: 0, failedAttempts: 0, failed: 0 };
  const failedIds = new Set<string>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const id = req.headers['x-request-id'];
    const requestId = Array.isArray(id) ? id[0] : id;
    if ((requestId === undefined ? random() : draw(requestId)) < failRatio) {
      stats.failedAttempts += 1;
      if (requestId === undefined || !failedIds.has(requestId)) stats.failed += 1;
      if (requestId !== undefined) failedIds.add(requestId);
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'chaos-proxy: injected failure' }));
      return;
    }
    stats.forwarded += 1;
    const url = new URL(req.url ?? '/', target);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || k === 'host' || k === 'connection' || k === 'content-length') continue;
      headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    try {
      const upstream = await fetch(url, {
        method: req.method ?? 'GET',
        headers,
        ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
      });
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (k !== 'content-encoding' && k !== 'content-length' && k !== 'transfer-encoding') out[k] = v;
      });
      res.writeHead(upstream.status, out);
      res.end(Buffer.from(await upstream.arrayBuffer()));
    } catch (e) {
      // The primary itself is down: answer like a failing primary, so the client falls back.
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `chaos-proxy: primary unreachable: ${(e as Error).message}` }));
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port ?? 8090, o.host ?? '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host ?? '127.0.0.1'}:${port}`,
    stats: (): ChaosStats => ({ ...stats }),
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function ratio(raw: string | undefined): number {
  if (raw === undefined) return 0.2;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new DomainError('bad-request', `--fail-ratio must be between 0 and 1, got "${raw}"`);
  return n;
}

export async function run(argv: string[], _env: CliEnv, io: CliIo = process): Promise<number> {
  if (argv.includes('--help')) {
    io.stdout.write(USAGE);
    return 0;
  }
  try {
    const flags = parseFlags(argv, ['target', 'fail-ratio', 'port', 'host']);
    if (flags.target === undefined) throw new DomainError('bad-request', '--target is required');
    try {
      new URL(flags.target);
    } catch {
      throw new DomainError('bad-request', `--target must be a URL, got "${flags.target}"`);
    }
    const port = flags.port === undefined ? 8090 : Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new DomainError('bad-request', `--port must be a port number, got "${flags.port}"`);
    const failRatio = ratio(flags['fail-ratio']);
    const proxy = await startChaosProxy({ target: flags.target, failRatio, port, host: flags.host });
    io.stdout.write(
      `chaos-proxy on ${proxy.url} -> ${flags.target}, failing ${Math.round(failRatio * 100)} % of requests with 503\n`,
    );
    const report = () => {
      const s = proxy.stats();
      io.stdout.write(
        `chaos-proxy: ${s.forwarded} forwarded, ${s.failed} requests failed (${s.failedAttempts} attempts)\n`,
      );
    };
    const timer = setInterval(report, 10_000);
    timer.unref();
    const stop = () => {
      clearInterval(timer);
      report();
      void proxy.close();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return 0;
  } catch (e) {
    return reportError(io, e, USAGE);
  }
}
