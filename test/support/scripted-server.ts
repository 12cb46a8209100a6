import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

/** One scripted answer: a status, a body (string = raw text) and headers, optionally after a delay. */
export interface ScriptedReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

export interface SeenRequest {
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
}

/**
 * A real HTTP server on 127.0.0.1 (random port) that stands in for an Oso-compatible upstream:
 * each path answers from its own queue of scripted replies, then from its default.
 */
export async function startScriptedServer(
  defaults: Record<string, (query: URLSearchParams) => ScriptedReply>,
) {
  const queues = new Map<string, ScriptedReply[]>();
  const seen: SeenRequest[] = [];
  const app = new Hono();
  app.all('*', async (c) => {
    const url = new URL(c.req.url);
    seen.push({
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(c.req.raw.headers),
    });
    const reply = queues.get(url.pathname)?.shift() ??
      defaults[url.pathname]?.(url.searchParams) ?? { status: 404 };
    if (reply.delayMs !== undefined) await new Promise((r) => setTimeout(r, reply.delayMs));
    const text =
      typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? { message: 'scripted' });
    return new Response(text, {
      status: reply.status ?? 200,
      headers: { 'content-type': 'application/json', ...reply.headers },
    });
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    /** Queues replies for a path, answered before its default. */
    script(path: string, ...replies: ScriptedReply[]) {
      queues.set(path, [...(queues.get(path) ?? []), ...replies]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
