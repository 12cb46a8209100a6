/**
 * `fallback import --in <file> --store <url> [--endpoint <s3-url>]`: verifies an exported snapshot and
 * publishes it (a node can start from it while the upstream is down). Never moves the pointer backwards.
 */
import { readFile } from 'node:fs/promises';
import { loadSqlJs } from '../engine/index.ts';
import { DomainError, isDomainError } from '../errors.ts';
import { unpackSnapshot, verifySnapshot } from '../snapshot/index.ts';
import { openStore } from '../store/index.ts';
import { type CliEnv, type CliIo, formatBytes, parseFlags, reportError, s3Options } from './flags.ts';

export const USAGE =
  'usage: fallback import --in <file> --store <file:dir|s3://bucket/prefix> [--endpoint <s3-url>]\n';

export async function run(argv: string[], env: CliEnv, io: CliIo = process): Promise<number> {
  if (argv.includes('--help')) {
    io.stdout.write(USAGE);
    return 0;
  }
  try {
    const flags = parseFlags(argv, ['in', 'store', 'endpoint']);
    if (flags.in === undefined || flags.store === undefined) {
      throw new DomainError('bad-request', 'both --in and --store are required');
    }
    const file = await readFile(flags.in).catch((cause: unknown) => {
      throw new DomainError('not-found', `cannot read ${flags.in}: ${(cause as Error).message}`, { cause });
    });
    const { manifest, body } = unpackSnapshot(new Uint8Array(file.buffer, file.byteOffset, file.byteLength));
    verifySnapshot(await loadSqlJs(), manifest, body);
    const store = openStore(flags.store, s3Options(flags, env));
    const current = await store.readPointer();
    const cur = current === 'not-modified' ? null : current;
    if (cur?.pointer.id === manifest.id) {
      io.stdout.write(`${manifest.id} is already current in ${store.location}\n`);
      return 0;
    }
    try {
      await store.putSnapshot(manifest, body);
    } catch (e) {
      // Re-importing a snapshot the store already holds is fine; only the pointer needs moving.
      if (!isDomainError(e, 'store-conflict')) throw e;
    }
    await store.writePointer(
      { id: manifest.id, manifest, updatedAt: new Date().toISOString() },
      cur?.etag ?? null,
    );
    io.stdout.write(`imported ${manifest.id} into ${store.location} (${formatBytes(body.byteLength)})\n`);
    return 0;
  } catch (e) {
    return reportError(io, e, USAGE);
  }
}
