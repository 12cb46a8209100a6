import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { DomainError } from '../errors.ts';

function tooLarge(max: number): DomainError {
  return new DomainError('payload-too-large', `request body is larger than the limit of ${max} bytes`);
}

function fromNode(incoming: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > max) {
        // Keep draining so the connection stays usable, but stop buffering.
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    incoming.once('end', () =>
      size > max ? reject(tooLarge(max)) : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    incoming.once('error', reject);
  });
}

async function fromWeb(body: ReadableStream<Uint8Array> | null, max: number): Promise<string> {
  if (body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads the request body as text, refusing more than `max` bytes (declared or streamed). On the Node
 * server it reads the socket stream directly: building a web `Request` per call costs more than the
 * authorization itself.
 */
export function readBody(c: Context, max: number): Promise<string> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > max) return Promise.reject(tooLarge(max));
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming !== undefined && typeof incoming.on === 'function' && !incoming.readableEnded) {
    return fromNode(incoming, max);
  }
  return fromWeb(c.req.raw.body, max);
}
