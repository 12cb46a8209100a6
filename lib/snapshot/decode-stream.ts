import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { DomainError } from '../errors.ts';
import type { SnapshotManifest } from './manifest.ts';
import { parseManifest } from './manifest-io.ts';

const OUT_CHUNK = 1 << 20;
const COLLECT_EVERY = 16 << 20;

/** Options of `decodeSnapshotChunks`. */
export interface DecodeChunksOptions {
  /**
   * Called after every 16 MiB decoded, to collect the chunks already copied into place (a minor GC): V8
   * collects buffers by the amount of memory outside its heap, which lets many of them wait (a 10M load
   * peaked at 684-686 MiB without it, 669 with it). Default: none.
   */
  collect?: () => void;
}

function corrupt(id: string, message: string, cause?: unknown): DomainError {
  return new DomainError(
    'snapshot-corrupt',
    `snapshot ${id}: ${message}`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * Size, sha256 and decoding of a stored body that arrives in chunks (a file or S3 stream), into one buffer of
 * the manifest's `rawSize`: the compressed body is never held whole beside the image, so loading a gzip
 * snapshot peaks at about the image alone. Same checks and messages as the whole-body path
 * (`verifySnapshot`), in the same order: size, sha256, gzip, database size. Returns the raw SQLite bytes,
 * not yet opened or quick-checked. Throws `DomainError('snapshot-corrupt')`; errors of the chunk source
 * (a store that fails mid-read) pass through.
 */
export async function decodeSnapshotChunks(
  manifest: SnapshotManifest,
  chunks: AsyncIterable<Uint8Array>,
  options: DecodeChunksOptions = {},
): Promise<Uint8Array> {
  const collect = options.collect;
  let sinceCollect = 0;
  const m = parseManifest(manifest);
  const raw = new Uint8Array(m.rawSize);
  const hash = createHash('sha256');
  let stored = 0;
  let written = 0;
  let overflow = false;
  let gzipError: unknown;
  const put = (bytes: Uint8Array) => {
    if (overflow || written + bytes.byteLength > raw.byteLength) {
      overflow = true;
      return;
    }
    raw.set(bytes, written);
    written += bytes.byteLength;
    sinceCollect += bytes.byteLength;
    if (collect !== undefined && sinceCollect >= COLLECT_EVERY) {
      sinceCollect = 0;
      collect();
    }
  };
  // 1 MiB output chunks (zlib's default is 16 KiB): few round trips to the thread pool (64 KiB ones made a
  // 10M load take 8.5 s instead of 7.2), and each is mapped on its own and unmapped when collected (16 KiB
  // ones left about 18 MiB in glibc's heap at 1M)
  const gunzip = m.encoding === 'gzip' ? createGunzip({ chunkSize: OUT_CHUNK }) : undefined;
  // gunzip runs on libuv's pool; each output chunk is copied into place and dropped
  const inflated =
    gunzip === undefined
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          gunzip.on('data', (out: Buffer) => {
            put(out);
            // a gzip bomb stops here, not at the end of its output
            if (overflow) gunzip.destroy();
          });
          gunzip.on('error', (e) => {
            gzipError ??= e;
            resolve();
          });
          gunzip.on('close', () => resolve());
          gunzip.on('end', () => resolve());
        });
  for await (const chunk of chunks) {
    stored += chunk.byteLength;
    // past the stated size: counted (for the message), not kept
    if (stored > m.size) continue;
    hash.update(chunk);
    if (gunzip === undefined) put(chunk);
    else if (!gunzip.destroyed && gzipError === undefined && !gunzip.write(chunk)) {
      await new Promise<void>((resolve) => {
        const go = () => {
          gunzip.off('drain', go);
          gunzip.off('close', go);
          resolve();
        };
        gunzip.on('drain', go);
        gunzip.on('close', go);
      });
    }
  }
  if (gunzip !== undefined && !gunzip.destroyed) gunzip.end();
  await inflated;
  if (stored !== m.size) {
    throw corrupt(m.id, `stored body is ${stored} bytes but the manifest says ${m.size} (truncated?)`);
  }
  const sha = hash.digest('hex');
  if (sha !== m.sha256) throw corrupt(m.id, `sha256 is ${sha} but the manifest says ${m.sha256}`);
  if (gzipError !== undefined) {
    throw corrupt(m.id, `gzip body does not decode: ${String(gzipError)}`, gzipError);
  }
  if (overflow) throw corrupt(m.id, `database is over ${m.rawSize} bytes, the manifest's size`);
  if (written !== m.rawSize) {
    throw corrupt(m.id, `database is ${written} bytes but the manifest says ${m.rawSize}`);
  }
  return raw;
}
