import { createReadStream } from 'node:fs';
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DomainError } from '../errors.ts';
import type { SnapshotManifest, SnapshotPointer } from '../snapshot/index.ts';
import {
  compareSnapshotIds,
  isSnapshotId,
  parseJsonBytes,
  parseManifest,
  parsePointer,
  serialiseJson,
  sha256Hex,
} from '../snapshot/index.ts';
import { readFileOrNull, withLockFile, writeFileAtomic } from './fs-atomic.ts';
import { checkPointerMove } from './pointer-rules.ts';
import type { SnapshotStore, VersionedPointer } from './types.ts';

const POINTER = 'latest.json';

function unavailable(location: string, e: unknown): DomainError {
  if (e instanceof DomainError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  return new DomainError('store-unavailable', `${location}: ${code ?? ''} ${(e as Error).message}`.trim(), {
    cause: e,
  });
}

/**
 * The `file:<dir>` store. Layout: `<dir>/latest.json` (pointer), `<dir>/snapshots/<id>.body` (stored bytes)
 * and `<dir>/snapshots/<id>.json` (manifest, written after the body, so its presence marks a complete
 * snapshot). Every write is atomic; the pointer is moved under an O_EXCL lock file with a compare-and-swap on
 * the sha256 of its content, so concurrent syncs on one machine never move it backwards.
 */
export class FileSnapshotStore implements SnapshotStore {
  readonly location: string;
  private readonly dir: string;
  private readonly snapshots: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.snapshots = join(this.dir, 'snapshots');
    this.location = `file:${this.dir}`;
  }

  private path(id: string, ext: 'body' | 'json'): string {
    if (!isSnapshotId(id)) throw new DomainError('bad-request', `invalid snapshot id "${id}"`);
    return join(this.snapshots, `${id}.${ext}`);
  }

  async readPointer(ifNoneMatch?: string): Promise<VersionedPointer | 'not-modified' | null> {
    const bytes = await readFileOrNull(join(this.dir, POINTER)).catch((e: unknown) => {
      throw unavailable(this.location, e);
    });
    if (bytes === null) return null;
    const etag = sha256Hex(bytes);
    if (ifNoneMatch === etag) return 'not-modified';
    return { pointer: parsePointer(parseJsonBytes(bytes, `${this.location}/${POINTER}`)), etag };
  }

  async putSnapshot(manifest: SnapshotManifest, body: Uint8Array): Promise<void> {
    const bodyPath = this.path(manifest.id, 'body');
    try {
      await mkdir(this.snapshots, { recursive: true });
      await writeFileAtomic(bodyPath, body, true);
      await writeFileAtomic(this.path(manifest.id, 'json'), serialiseJson(manifest), true);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new DomainError('store-conflict', `snapshot ${manifest.id} already exists in ${this.location}`);
      }
      throw unavailable(this.location, e);
    }
  }

  async getSnapshot(id: string): Promise<{ manifest: SnapshotManifest; body: Uint8Array }> {
    const [json, body] = await Promise.all([
      readFileOrNull(this.path(id, 'json')),
      readFileOrNull(this.path(id, 'body')),
    ]).catch((e: unknown) => {
      throw unavailable(this.location, e);
    });
    if (json === null || body === null) {
      throw new DomainError('not-found', `snapshot ${id} not found in ${this.location}`);
    }
    const manifest = parseManifest(parseJsonBytes(json, `manifest of snapshot ${id}`));
    return { manifest, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
  }

  async readSnapshotChunks(
    id: string,
  ): Promise<{ manifest: SnapshotManifest; chunks: AsyncIterable<Uint8Array> }> {
    const json = await readFileOrNull(this.path(id, 'json')).catch((e: unknown) => {
      throw unavailable(this.location, e);
    });
    if (json === null) throw new DomainError('not-found', `snapshot ${id} not found in ${this.location}`);
    const manifest = parseManifest(parseJsonBytes(json, `manifest of snapshot ${id}`));
    const path = this.path(id, 'body');
    const location = this.location;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new DomainError('not-found', `snapshot ${id} not found in ${location}`);
        }
        throw unavailable(location, e);
      }
    }
    return { manifest, chunks: chunks() };
  }

  async writePointer(pointer: SnapshotPointer, expectedEtag: string | null): Promise<string> {
    const path = join(this.dir, POINTER);
    const manifestPresent = await readFileOrNull(this.path(pointer.id, 'json'));
    if (manifestPresent === null) {
      throw new DomainError('not-found', `cannot point at snapshot ${pointer.id}: not in ${this.location}`);
    }
    try {
      return await withLockFile(`${path}.lock`, async () => {
        const current = await this.readPointer();
        checkPointerMove(this.location, current === 'not-modified' ? null : current, pointer, expectedEtag);
        const bytes = serialiseJson(pointer);
        await writeFileAtomic(path, bytes);
        return sha256Hex(bytes);
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOCKTIMEOUT') {
        throw new DomainError('store-conflict', `${this.location}: ${(e as Error).message}`, { cause: e });
      }
      throw unavailable(this.location, e);
    }
  }

  async listSnapshots(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.snapshots);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw unavailable(this.location, e);
    }
    return names
      .filter((n) => n.endsWith('.json'))
      .map((n) => n.slice(0, -'.json'.length))
      .filter(isSnapshotId)
      .sort(compareSnapshotIds);
  }

  async deleteSnapshot(id: string): Promise<void> {
    // Manifest first: a half-deleted snapshot is then invisible rather than listed without bytes.
    for (const ext of ['json', 'body'] as const) {
      await unlink(this.path(id, ext)).catch((e: unknown) => {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw unavailable(this.location, e);
      });
    }
  }
}
