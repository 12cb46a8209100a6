// s3rver ignores conditional writes, so this test talks to a tiny S3-protocol server of its own that answers
// a pointer write the way AWS does (412) or the way servers without support do (501), through the real SDK.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSqlJs } from '../../lib/engine/index.ts';
import { isDomainError } from '../../lib/errors.ts';
import { openStore, type S3SnapshotStore } from '../../lib/store/index.ts';
import { S3RVER_CREDENTIALS } from '../support/s3rver.ts';
import { snapshotOf, tinyDatabase } from '../support/snapshot-fixtures.ts';

const sql = await loadSqlJs();
const xmlError = (code: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`;

type Mode = 'aws-412' | 'no-conditions-501';

/** Answers: HEAD of a manifest -> 200, GET latest.json -> 404, conditional PUT -> 412 or 501, plain PUT -> 200. */
function fakeS3(mode: Mode, log: string[]): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const conditional = req.headers['if-match'] !== undefined || req.headers['if-none-match'] !== undefined;
      log.push(`${req.method} ${req.url?.split('?')[0]}${conditional ? ' (conditional)' : ''}`);
      res.setHeader('content-type', 'application/xml');
      if (req.method === 'HEAD') {
        res.writeHead(200, { etag: '"m"', 'content-length': '0' }).end();
      } else if (req.method === 'GET') {
        res.writeHead(404).end(xmlError('NoSuchKey'));
      } else if (req.method === 'PUT' && conditional) {
        if (mode === 'aws-412') res.writeHead(412).end(xmlError('PreconditionFailed'));
        else res.writeHead(501).end(xmlError('NotImplemented'));
      } else {
        res.writeHead(200, { etag: '"new"' }).end();
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

describe('s3 pointer writes with server-side conditions', () => {
  let server: Server | undefined;
  let store: S3SnapshotStore | undefined;
  afterEach(async () => {
    store?.destroy();
    await new Promise((r) => server?.close(r));
  });

  it('turns a 412 from the server into store-conflict (another writer won the race)', async () => {
    const log: string[] = [];
    const fake = await fakeS3('aws-412', log);
    server = fake.server;
    store = openStore('s3://fake-bucket/p', {
      endpoint: fake.endpoint,
      credentials: S3RVER_CREDENTIALS,
    }) as S3SnapshotStore;
    const { manifest } = snapshotOf(tinyDatabase(sql));
    const err = await store
      .writePointer({ id: manifest.id, manifest, updatedAt: 'now' }, null)
      .catch((e: unknown) => e);
    expect(isDomainError(err, 'store-conflict'), String(err)).toBe(true);
    expect(log).toContain('PUT /fake-bucket/p/latest.json (conditional)');
    expect(log).not.toContain('PUT /fake-bucket/p/latest.json');
  });

  it('falls back to a plain write when the server does not implement conditional writes', async () => {
    const log: string[] = [];
    const fake = await fakeS3('no-conditions-501', log);
    server = fake.server;
    store = openStore('s3://fake-bucket/p', {
      endpoint: fake.endpoint,
      credentials: S3RVER_CREDENTIALS,
    }) as S3SnapshotStore;
    const { manifest } = snapshotOf(tinyDatabase(sql));
    expect(await store.writePointer({ id: manifest.id, manifest, updatedAt: 'now' }, null)).toBe('"new"');
    expect(log).toEqual(
      expect.arrayContaining([
        'PUT /fake-bucket/p/latest.json (conditional)',
        'PUT /fake-bucket/p/latest.json',
      ]),
    );
  });
});
