import { DomainError } from '../errors.ts';
import { sha256Hex } from './encode.ts';
import { SNAPSHOT_FORMAT_VERSION, type SnapshotManifest, type SnapshotPointer } from './manifest.ts';

/** What a caller knows about a new snapshot; the rest of the manifest is computed from the body. */
export type ManifestInput = Omit<SnapshotManifest, 'formatVersion' | 'sha256' | 'size'>;

const ENCODINGS = new Set(['gzip', 'none']);

function fail(what: string, value: unknown): never {
  throw new DomainError('snapshot-corrupt', `manifest field ${what} is invalid: ${JSON.stringify(value)}`);
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') fail(key, v);
  return v;
}

function int(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(key, v);
  return v;
}

/**
 * Checks that an untrusted JSON value is a manifest this build can read. A newer `formatVersion` is
 * `snapshot-unsupported`; anything malformed is `snapshot-corrupt`.
 */
export function parseManifest(value: unknown): SnapshotManifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('(root)', value);
  const o = value as Record<string, unknown>;
  const formatVersion = int(o, 'formatVersion');
  if (formatVersion > SNAPSHOT_FORMAT_VERSION || formatVersion < 1) {
    throw new DomainError(
      'snapshot-unsupported',
      `snapshot ${String(o.id)} has format version ${formatVersion}; this build reads version ${SNAPSHOT_FORMAT_VERSION}`,
    );
  }
  const encoding = o.encoding;
  if (typeof encoding !== 'string' || !ENCODINGS.has(encoding)) fail('encoding', encoding);
  const sha256 = str(o, 'sha256');
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail('sha256', sha256);
  const counts = o.factCounts;
  if (typeof counts !== 'object' || counts === null || Array.isArray(counts)) fail('factCounts', counts);
  for (const [k, n] of Object.entries(counts)) {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) fail(`factCounts.${k}`, n);
  }
  const previousId = o.previousId;
  if (previousId !== null && typeof previousId !== 'string') fail('previousId', previousId);
  const upstreamVersion = o.upstreamVersion;
  if (upstreamVersion !== undefined && typeof upstreamVersion !== 'string')
    fail('upstreamVersion', upstreamVersion);
  const databaseFormat = o.databaseFormat;
  if (databaseFormat !== undefined && typeof databaseFormat !== 'string')
    fail('databaseFormat', databaseFormat);
  const databaseFeatures = o.databaseFeatures;
  if (
    databaseFeatures !== undefined &&
    (!Array.isArray(databaseFeatures) || databaseFeatures.some((f) => typeof f !== 'string'))
  )
    fail('databaseFeatures', databaseFeatures);
  return {
    id: str(o, 'id'),
    formatVersion,
    sha256,
    size: int(o, 'size'),
    encoding: encoding as SnapshotManifest['encoding'],
    rawSize: int(o, 'rawSize'),
    createdAt: str(o, 'createdAt'),
    source: str(o, 'source'),
    policyHash: str(o, 'policyHash'),
    dataHash: str(o, 'dataHash'),
    factCounts: counts as Record<string, number>,
    ...(upstreamVersion === undefined ? {} : { upstreamVersion }),
    ...(databaseFormat === undefined ? {} : { databaseFormat }),
    ...(databaseFeatures === undefined ? {} : { databaseFeatures: [...(databaseFeatures as string[])] }),
    previousId,
  };
}

/** Checks an untrusted `latest.json` value; its copied manifest is checked with `parseManifest`. */
export function parsePointer(value: unknown): SnapshotPointer {
  if (typeof value !== 'object' || value === null) fail('pointer', value);
  const o = value as Record<string, unknown>;
  const manifest = parseManifest(o.manifest);
  const id = str(o, 'id');
  if (id !== manifest.id) fail('pointer.id', id);
  return { id, manifest, updatedAt: str(o, 'updatedAt') };
}

/** Serialises a manifest or pointer the way stores write it (stable key order, trailing newline). */
export function serialiseJson(value: SnapshotManifest | SnapshotPointer): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
}

/** Parses JSON bytes read from a store; unreadable JSON is `snapshot-corrupt` naming `what`. */
export function parseJsonBytes(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new DomainError('snapshot-corrupt', `${what} is not valid json`, { cause });
  }
}

/** Completes a manifest for stored bytes `body` (sha256, size, current format version). */
export function createManifest(input: ManifestInput, body: Uint8Array): SnapshotManifest {
  const { upstreamVersion, ...rest } = input;
  return {
    ...rest,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    sha256: sha256Hex(body),
    size: body.byteLength,
    ...(upstreamVersion === undefined ? {} : { upstreamVersion }),
  };
}
