import { DomainError } from '../errors.ts';
import type { SnapshotManifest } from './manifest.ts';
import { parseJsonBytes, parseManifest } from './manifest-io.ts';

// One-file export: a magic line, the manifest as one JSON line, then the stored body bytes verbatim.
const MAGIC = 'oso-fallback-snapshot 1\n';

/** Packs a snapshot into one portable file (see `unpackSnapshot`); the body is not re-encoded. */
export function packSnapshot(manifest: SnapshotManifest, body: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`${MAGIC}${JSON.stringify(manifest)}\n`);
  const out = new Uint8Array(head.byteLength + body.byteLength);
  out.set(head, 0);
  out.set(body, head.byteLength);
  return out;
}

/**
 * Splits a file written by `packSnapshot` into manifest and body. Only the framing is checked here;
 * call `verifySnapshot` on the result before trusting it.
 */
export function unpackSnapshot(file: Uint8Array): { manifest: SnapshotManifest; body: Uint8Array } {
  const magic = new TextEncoder().encode(MAGIC);
  if (file.byteLength < magic.byteLength || magic.some((b, i) => file[i] !== b)) {
    throw new DomainError(
      'snapshot-corrupt',
      'not a snapshot export file: missing "oso-fallback-snapshot" header',
    );
  }
  const end = file.indexOf(0x0a, magic.byteLength);
  if (end < 0) throw new DomainError('snapshot-corrupt', 'snapshot export file ends inside its manifest');
  const manifest = parseManifest(parseJsonBytes(file.subarray(magic.byteLength, end), 'export manifest'));
  return { manifest, body: file.subarray(end + 1) };
}
