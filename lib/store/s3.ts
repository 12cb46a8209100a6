import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DomainError } from '../errors.ts';
import type { SnapshotManifest, SnapshotPointer } from '../snapshot/index.ts';
import {
  compareSnapshotIds,
  isSnapshotId,
  parseJsonBytes,
  parseManifest,
  parsePointer,
  serialiseJson,
} from '../snapshot/index.ts';
import { checkPointerMove } from './pointer-rules.ts';
import type { SnapshotStore, VersionedPointer } from './types.ts';

/** Options of the S3 adapter. */
export interface S3StoreOptions {
  /** Endpoint of an S3-compatible server (path-style addressing is then used). Default: AWS. */
  endpoint?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Default: the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Multipart part size for snapshot bodies. Default 16 MiB (bodies below it go up in one request). */
  partSize?: number;
  /**
   * A request whose connection cannot be made, or stays silent, this long fails as `store-unavailable`
   * (without it a store that stops answering mid-request would stall refreshes forever). Default 30,000 ms.
   */
  idleTimeoutMs?: number;
}

type AwsError = Error & { $metadata?: { httpStatusCode?: number }; Code?: string; code?: string };

function statusOf(e: unknown): number | undefined {
  return (e as AwsError | undefined)?.$metadata?.httpStatusCode;
}

function isMissing(e: unknown): boolean {
  const name = (e as AwsError | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(e) === 404;
}

/**
 * The `s3://bucket/prefix` store. Keys: `<prefix>/latest.json`, `<prefix>/snapshots/<id>.body`,
 * `<prefix>/snapshots/<id>.json`. The pointer moves with `If-Match` / `If-None-Match: *` (honoured by AWS
 * S3; servers that ignore conditional writes, such as s3rver, still get the client-side etag and
 * id-order checks plus a re-read after the write, which narrows but cannot close the race).
 */
export class S3SnapshotStore implements SnapshotStore {
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;

  constructor(bucket: string, prefix: string, options: S3StoreOptions = {}) {
    this.bucket = bucket;
    this.prefix = prefix.replace(/^\/+|\/+$/g, '');
    this.location = `s3://${bucket}${this.prefix === '' ? '' : `/${this.prefix}`}`;
    this.partSize = options.partSize ?? 16 * 1024 * 1024;
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint, forcePathStyle: true }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      requestHandler: {
        connectionTimeout: options.idleTimeoutMs ?? 30_000,
        socketTimeout: options.idleTimeoutMs ?? 30_000,
      },
    });
  }

  private key(name: string): string {
    return this.prefix === '' ? name : `${this.prefix}/${name}`;
  }

  private snapshotKey(id: string, ext: 'body' | 'json'): string {
    if (!isSnapshotId(id)) throw new DomainError('bad-request', `invalid snapshot id "${id}"`);
    return this.key(`snapshots/${id}.${ext}`);
  }

  private fail(what: string, e: unknown): DomainError {
    if (e instanceof DomainError) return e;
    const err = e as AwsError;
    const status = statusOf(e);
    if (status === 412 || err.name === 'PreconditionFailed' || err.name === 'ConditionalRequestConflict') {
      return new DomainError('store-conflict', `${this.location}: ${what}: the object changed meanwhile`, {
        cause: e,
      });
    }
    const detail = [err.name, status, err.code, err.message].filter((x) => x !== undefined && x !== '');
    return new DomainError('store-unavailable', `${this.location}: ${what} failed: ${detail.join(' ')}`, {
      cause: e,
    });
  }

  private async getBytes(key: string, ifNoneMatch?: string): Promise<{ bytes: Uint8Array; etag: string }> {
    const out = await this.client.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ...(ifNoneMatch === undefined ? {} : { IfNoneMatch: ifNoneMatch }),
      }),
    );
    const bytes = await out.Body!.transformToByteArray();
    return { bytes, etag: out.ETag ?? '' };
  }

  async readPointer(ifNoneMatch?: string): Promise<VersionedPointer | 'not-modified' | null> {
    try {
      const { bytes, etag } = await this.getBytes(this.key('latest.json'), ifNoneMatch);
      return { pointer: parsePointer(parseJsonBytes(bytes, `${this.location}/latest.json`)), etag };
    } catch (e) {
      // The SDK throws on 304 (name 'Unknown'), so look at the status code.
      if (statusOf(e) === 304) return 'not-modified';
      if (isMissing(e)) return null;
      throw this.fail('reading latest.json', e);
    }
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  async putSnapshot(manifest: SnapshotManifest, body: Uint8Array): Promise<void> {
    const manifestKey = this.snapshotKey(manifest.id, 'json');
    try {
      if (await this.exists(manifestKey)) {
        throw new DomainError('store-conflict', `snapshot ${manifest.id} already exists in ${this.location}`);
      }
      const upload = new Upload({
        client: this.client,
        params: {
          Bucket: this.bucket,
          Key: this.snapshotKey(manifest.id, 'body'),
          Body: body,
          ContentType: 'application/octet-stream',
        },
        partSize: this.partSize,
        queueSize: 4,
      });
      await upload.done();
      // The manifest goes last: its presence marks a complete snapshot.
      await this.putConditional(manifestKey, serialiseJson(manifest), { IfNoneMatch: '*' });
    } catch (e) {
      throw this.fail(`writing snapshot ${manifest.id}`, e);
    }
  }

  /**
   * A JSON PutObject with a condition; servers that answer 501 NotImplemented to conditional writes get the
   * plain request (the caller's client-side checks still ran).
   */
  private async putConditional(
    key: string,
    body: Uint8Array,
    condition: { IfNoneMatch: string } | { IfMatch: string },
  ): Promise<{ ETag?: string }> {
    const input = { Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' };
    try {
      return await this.client.send(new PutObjectCommand({ ...input, ...condition }));
    } catch (e) {
      if (statusOf(e) !== 501 && (e as AwsError).name !== 'NotImplemented') throw e;
      return await this.client.send(new PutObjectCommand(input));
    }
  }

  async getSnapshot(id: string): Promise<{ manifest: SnapshotManifest; body: Uint8Array }> {
    try {
      const [json, body] = await Promise.all([
        this.getBytes(this.snapshotKey(id, 'json')),
        this.getBytes(this.snapshotKey(id, 'body')),
      ]);
      return {
        manifest: parseManifest(parseJsonBytes(json.bytes, `manifest of snapshot ${id}`)),
        body: body.bytes,
      };
    } catch (e) {
      if (isMissing(e)) throw new DomainError('not-found', `snapshot ${id} not found in ${this.location}`);
      throw this.fail(`reading snapshot ${id}`, e);
    }
  }

  async readSnapshotChunks(
    id: string,
  ): Promise<{ manifest: SnapshotManifest; chunks: AsyncIterable<Uint8Array> }> {
    let manifest: SnapshotManifest;
    let body: AsyncIterable<Uint8Array>;
    try {
      const json = await this.getBytes(this.snapshotKey(id, 'json'));
      manifest = parseManifest(parseJsonBytes(json.bytes, `manifest of snapshot ${id}`));
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.snapshotKey(id, 'body') }),
      );
      body = out.Body as unknown as AsyncIterable<Uint8Array>;
      if (body === undefined || typeof body[Symbol.asyncIterator] !== 'function') {
        throw new DomainError(
          'store-unavailable',
          `${this.location}: snapshot ${id}: the body is not a stream`,
        );
      }
    } catch (e) {
      if (isMissing(e)) throw new DomainError('not-found', `snapshot ${id} not found in ${this.location}`);
      throw this.fail(`reading snapshot ${id}`, e);
    }
    const fail = (e: unknown) => this.fail(`reading snapshot ${id}`, e);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      try {
        yield* body;
      } catch (e) {
        throw fail(e);
      }
    }
    return { manifest, chunks: chunks() };
  }

  async writePointer(pointer: SnapshotPointer, expectedEtag: string | null): Promise<string> {
    try {
      if (!(await this.exists(this.snapshotKey(pointer.id, 'json')))) {
        throw new DomainError('not-found', `cannot point at snapshot ${pointer.id}: not in ${this.location}`);
      }
      let expected = expectedEtag;
      for (let attempt = 0; ; attempt++) {
        const current = await this.readPointer();
        checkPointerMove(this.location, current === 'not-modified' ? null : current, pointer, expected);
        const out = await this.putConditional(
          this.key('latest.json'),
          serialiseJson(pointer),
          expected === null ? { IfNoneMatch: '*' } : { IfMatch: expected },
        );
        // Servers that ignore If-Match may let an older writer land after us: re-read and repair once or twice.
        const after = await this.readPointer();
        if (after === null || after === 'not-modified') return out.ETag ?? '';
        if (compareSnapshotIds(after.pointer.id, pointer.id) >= 0 || attempt >= 2)
          return out.ETag ?? after.etag;
        expected = after.etag;
      }
    } catch (e) {
      throw this.fail(`moving the pointer to ${pointer.id}`, e);
    }
  }

  async listSnapshots(): Promise<string[]> {
    const ids: string[] = [];
    const prefix = this.key('snapshots/');
    let token: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of out.Contents ?? []) {
          const name = (o.Key ?? '').slice(prefix.length);
          if (name.endsWith('.json')) ids.push(name.slice(0, -'.json'.length));
        }
        token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (e) {
      throw this.fail('listing snapshots', e);
    }
    return ids.filter(isSnapshotId).sort(compareSnapshotIds);
  }

  async deleteSnapshot(id: string): Promise<void> {
    try {
      for (const ext of ['json', 'body'] as const) {
        await this.client.send(
          new DeleteObjectCommand({ Bucket: this.bucket, Key: this.snapshotKey(id, ext) }),
        );
      }
    } catch (e) {
      throw this.fail(`deleting snapshot ${id}`, e);
    }
  }

  /** Closes the SDK's sockets. */
  destroy(): void {
    this.client.destroy();
  }
}
