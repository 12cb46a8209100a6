import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DomainError } from '../errors.ts';
import type { SnapshotManifest } from './manifest.ts';

/** How stored snapshot bytes are encoded. */
export type SnapshotEncoding = SnapshotManifest['encoding'];

/**
 * The encoding new snapshots use. gzip (level 1) shrinks an interned SQLite file about 3x for a few
 * hundred milliseconds per 100 MiB on either side (see bench/sync.ts), which pays on S3 download time and cost.
 */
export const DEFAULT_ENCODING: SnapshotEncoding = 'gzip';

/** Hex sha256 of some bytes. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Encodes raw SQLite bytes for storage. gzip level defaults to 1: most of the gain, a fraction of the time. */
export function encodeBody(raw: Uint8Array, encoding: SnapshotEncoding, level = 1): Uint8Array {
  if (encoding === 'none') return raw;
  const out = gzipSync(raw, { level });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Decodes stored bytes back to the SQLite file; a damaged gzip stream is `snapshot-corrupt`. With the
 * expected size (the manifest's `rawSize`), gunzip writes into one buffer of that size instead of
 * collecting 64 KiB chunks and concatenating them (which holds the image twice). Default: unknown.
 */
export function decodeBody(
  body: Uint8Array,
  encoding: SnapshotEncoding,
  id: string,
  expectedSize?: number,
): Uint8Array {
  if (encoding === 'none') return body;
  try {
    const chunkSize = expectedSize === undefined ? undefined : Math.min(Math.max(expectedSize, 64), 1 << 30);
    const out = gunzipSync(body, chunkSize === undefined ? {} : { chunkSize });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (cause) {
    throw new DomainError('snapshot-corrupt', `snapshot ${id}: gzip body does not decode: ${String(cause)}`, {
      cause,
    });
  }
}
