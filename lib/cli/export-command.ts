/** `fallback export --store <url> --out <file> [--endpoint <s3-url>]`: the current snapshot as one file. */
import { rename, writeFile } from 'node:fs/promises';
import { loadSqlJs } from '../engine/index.ts';
import { DomainError } from '../errors.ts';
import { packSnapshot, verifySnapshot } from '../snapshot/index.ts';
import { openStore } from '../store/index.ts';
import { type CliEnv, type CliIo, formatBytes, parseFlags, reportError, s3Options } from './flags.ts';

export const USAGE =
  'usage: fallback export --store <file:dir|s3://bucket/prefix> --out <file> [--endpoint <s3-url>]\n';

export async function run(argv: string[], env: CliEnv, io: CliIo = process): Promise<number> {
  if (argv.includes('--help')) {
    io.stdout.write(USAGE);
    return 0;
  }
  try {
    const flags = parseFlags(argv, ['store', 'out', 'endpoint']);
    if (flags.store === undefined || flags.out === undefined) {
      throw new DomainError('bad-request', 'both --store and --out are required');
    }
    const store = openStore(flags.store, s3Options(flags, env));
    const current = await store.readPointer();
    if (current === null || current === 'not-modified') {
      throw new DomainError('not-found', `${store.location} has no current snapshot`);
    }
    const { manifest, body } = await store.getSnapshot(current.pointer.id);
    // Never hand out a damaged copy: the importer would refuse it anyway.
    verifySnapshot(await loadSqlJs(), manifest, body);
    const file = packSnapshot(manifest, body);
    const tmp = `${flags.out}.tmp-${process.pid}`;
    await writeFile(tmp, file);
    await rename(tmp, flags.out);
    io.stdout.write(
      `exported ${manifest.id} from ${store.location} to ${flags.out} (${formatBytes(file.byteLength)})\n`,
    );
    return 0;
  } catch (e) {
    return reportError(io, e, USAGE);
  }
}
