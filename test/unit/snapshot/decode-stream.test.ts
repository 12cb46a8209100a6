import { describe, expect, it } from 'vitest';
import { loadSqlJs } from '../../../lib/engine/sqljs.ts';
import { isDomainError } from '../../../lib/errors.ts';
import {
  createManifest,
  decodeSnapshotChunks,
  encodeBody,
  type SnapshotManifest,
  verifySnapshot,
} from '../../../lib/snapshot/index.ts';
import { snapshotOf, tinyDatabase } from '../../support/snapshot-fixtures.ts';

// The streamed load must accept exactly what the whole-body check accepts, and refuse the rest with the
// same message, whatever the chunk sizes.

const sql = await loadSqlJs();
const raw = tinyDatabase(sql, true, 3000);

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.slice(at, at + size);
}

async function refusal(manifest: SnapshotManifest, body: Uint8Array, size = 1000): Promise<Error> {
  const e = await decodeSnapshotChunks(manifest, chunksOf(body, size)).then(
    () => expect.unreachable('the snapshot was accepted'),
    (err: unknown) => err,
  );
  expect(isDomainError(e, 'snapshot-corrupt'), String(e)).toBe(true);
  return e as Error;
}

/** The message of the whole-body check for the same bytes. */
function wholeMessage(manifest: SnapshotManifest, body: Uint8Array): string {
  try {
    verifySnapshot(sql, manifest, body);
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
}

describe('decodeSnapshotChunks', () => {
  it.each([
    ['gzip', 7],
    ['gzip', 997],
    ['gzip', 1 << 20],
    ['none', 4096],
    ['none', 13],
  ] as const)(
    'decodes an intact %s body in chunks of %d bytes to the database bytes',
    async (encoding, size) => {
      const { manifest, body } = snapshotOf(raw, { encoding });
      const got = await decodeSnapshotChunks(manifest, chunksOf(body, size));
      expect(Buffer.from(got).equals(Buffer.from(verifySnapshot(sql, manifest, body)))).toBe(true);
    },
  );

  it('refuses a flipped byte, a truncated or overlong body and a wrong checksum like the whole-body check', async () => {
    const { manifest, body } = snapshotOf(raw);
    const flipped = body.slice();
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    const overlong = new Uint8Array(body.length + 5);
    overlong.set(body);
    const cases: [SnapshotManifest, Uint8Array, RegExp][] = [
      [manifest, flipped, /sha256 is [0-9a-f]{64} but/],
      [manifest, body.subarray(0, body.length - 10), /truncated/],
      [manifest, overlong, new RegExp(`stored body is ${body.length + 5} bytes`)],
      [{ ...manifest, sha256: '0'.repeat(64) }, body, /manifest says 0{64}/],
    ];
    for (const [m, b, pattern] of cases) {
      const e = await refusal(m, b);
      expect(e.message).toMatch(pattern);
      expect(e.message).toBe(wholeMessage(m, b));
    }
  });

  it('refuses a gzip stream that does not decode, and a database of another size than the manifest says', async () => {
    const { manifest } = snapshotOf(raw);
    const junk = new Uint8Array(100).fill(7);
    const e = await refusal(createManifest({ ...manifest }, junk), junk);
    expect(e.message).toMatch(/gzip body does not decode/);

    const gz = encodeBody(raw, 'gzip');
    const short = await refusal(createManifest({ ...manifest, rawSize: raw.length + 100 }, gz), gz);
    expect(short.message).toBe(
      wholeMessage(createManifest({ ...manifest, rawSize: raw.length + 100 }, gz), gz),
    );
    // more output than the manifest allows stops there (a gzip bomb never fills memory)
    const long = await refusal(createManifest({ ...manifest, rawSize: 4096 }, gz), gz);
    expect(long.message).toMatch(/database is over 4096 bytes/);
  });

  it('lets an error of the chunk source through as it is', async () => {
    const { manifest, body } = snapshotOf(raw);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield body.slice(0, 100);
      throw new Error('connection reset');
    }
    await expect(decodeSnapshotChunks(manifest, failing())).rejects.toThrow('connection reset');
  });
});
