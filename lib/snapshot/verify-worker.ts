import { createRequire as requireFrom } from 'node:module';
import { Worker } from 'node:worker_threads';
import { DomainError } from '../errors.ts';
import type { SnapshotManifest } from './manifest.ts';
import { parseManifest } from './manifest-io.ts';
import { REQUIRED_TABLES } from './verify.ts';

/**
 * The worker's program, evaluated as CommonJS (an eval worker needs no file of its own). It checks size,
 * sha256, gunzip, SQLite quick_check and required tables, then hands the raw bytes back (transferred, not
 * copied). gunzip writes into one buffer of exactly `rawSize` bytes, so the image is never held twice.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { gunzipSync } = require('node:zlib');
const { sqlPath, manifest: m, required, decoded } = workerData;
let body = workerData.body;
workerData.body = null;
// Same trick as adoptDatabase (lib/snapshot/adopt.ts): sql.js's file system adopts raw instead of copying it.
function adopt(SQL, bytes) {
  const proto = Uint8Array.prototype;
  const slice = proto.slice;
  proto.slice = function (start, end) {
    const whole = this === bytes && (start ?? 0) === 0 && (end ?? this.length) === this.length;
    return whole ? this : slice.call(this, start, end);
  };
  try {
    return new SQL.Database(bytes);
  } finally {
    proto.slice = slice;
  }
}
const fail = (message) => parentPort.postMessage({ ok: false, message });
async function main() {
  if (decoded) return check(body);
  if (body.byteLength !== m.size) {
    return fail('stored body is ' + body.byteLength + ' bytes but the manifest says ' + m.size + ' (truncated?)');
  }
  const sha = createHash('sha256').update(body).digest('hex');
  if (sha !== m.sha256) return fail('sha256 is ' + sha + ' but the manifest says ' + m.sha256);
  let raw = body;
  if (m.encoding === 'gzip') {
    try {
      const out = gunzipSync(body, { chunkSize: Math.min(Math.max(m.rawSize, 64), 1073741824) });
      raw = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (e) {
      return fail('gzip body does not decode: ' + String(e));
    }
  }
  body = null; // the compressed bytes are not needed any more
  if (raw.byteLength !== m.rawSize) {
    return fail('database is ' + raw.byteLength + ' bytes but the manifest says ' + m.rawSize);
  }
  return check(raw);
}
async function check(raw) {
  if (raw.byteOffset !== 0 || raw.buffer.byteLength !== raw.byteLength) raw = raw.slice();
  const SQL = await require(sqlPath)();
  let db;
  try {
    db = adopt(SQL, raw);
    const rows = (db.exec('PRAGMA quick_check')[0]?.values ?? []).map((r) => String(r[0]));
    if (rows.length !== 1 || rows[0] !== 'ok') {
      return fail('sqlite quick_check failed: ' + rows.slice(0, 3).join('; '));
    }
    const tables = new Set((db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map((r) => String(r[0])));
    const missing = required.filter((t) => !tables.has(t));
    if (missing.length > 0) return fail('database lacks required table(s) ' + missing.join(', '));
  } catch (e) {
    return fail('not a readable sqlite database: ' + (e instanceof Error ? e.message : String(e)));
  } finally {
    db?.close();
  }
  parentPort.postMessage({ ok: true, raw }, [raw.buffer]);
}
main().catch((e) => parentPort.postMessage({ ok: false, crashed: true, message: String(e) }));
`;

type WorkerReply = { ok: true; raw: Uint8Array } | { ok: false; crashed?: boolean; message: string };

let sqlPath: string | null | undefined;

/**
 * Where the sql.js build the worker loads lives, or `null` when it cannot be found (an esbuild bundle with
 * no node_modules beside it, e.g. the Lambda package): then verification runs on the calling thread.
 */
function workerSqlPath(): string | null {
  if (sqlPath !== undefined) return sqlPath;
  try {
    sqlPath = requireFrom(import.meta.url).resolve('sql.js/dist/sql-wasm-inline.js');
  } catch {
    sqlPath = null;
  }
  return sqlPath;
}

/** Whether `verifySnapshotInWorker` can run here (false after a worker failed to start or crashed). */
export function verifyWorkerAvailable(): boolean {
  return workerSqlPath() !== null;
}

/** Options of `verifySnapshotInWorker`. */
export interface VerifyInWorkerOptions {
  /**
   * Move `body` into the worker instead of copying it; the caller's `body` is detached afterwards.
   * Default: false.
   */
  transferBody?: boolean;
  /**
   * `body` is already the raw SQLite bytes, checked for size and sha256 as they were decoded
   * (`decodeSnapshotChunks`): the worker runs the SQLite checks only. Default: false.
   */
  decoded?: boolean;
}

/**
 * Verifies stored snapshot bytes like `verifySnapshot`, but in a worker thread with its own sql.js, so
 * the event loop stays free (sha256, gunzip and quick_check take about 2 s at 1M facts). Resolves with
 * the raw SQLite bytes, or `null` when no worker can run here (the caller then verifies on its thread).
 * Throws `DomainError('snapshot-corrupt' | 'snapshot-unsupported')` on bad bytes, and
 * `DomainError('internal')` when the worker itself failed (later calls return `null`).
 */
export async function verifySnapshotInWorker(
  manifest: SnapshotManifest,
  body: Uint8Array,
  options: VerifyInWorkerOptions = {},
): Promise<Uint8Array | null> {
  const path = workerSqlPath();
  if (path === null) return null;
  const m = parseManifest(manifest);
  const whole = body.byteOffset === 0 && body.buffer.byteLength === body.byteLength;
  // Structured clone copies a view's whole buffer: give the worker a buffer of its own.
  const owned = options.transferBody === true && whole ? body : body.slice();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      sqlPath: path,
      manifest: m,
      body: owned,
      required: REQUIRED_TABLES,
      decoded: options.decoded === true,
    },
    transferList: [owned.buffer as ArrayBuffer],
  });
  let reply: WorkerReply;
  try {
    reply = await new Promise<WorkerReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`verification worker exited with code ${code}`)));
    });
  } catch (cause) {
    sqlPath = null;
    throw new DomainError('internal', `snapshot ${m.id}: verification worker failed: ${String(cause)}`, {
      cause,
    });
  } finally {
    // Its sql.js heap goes with it, before the caller opens the database: one extra copy at most.
    await worker.terminate();
  }
  if (reply.ok) return reply.raw;
  if (reply.crashed === true) {
    sqlPath = null;
    throw new DomainError('internal', `snapshot ${m.id}: verification worker failed: ${reply.message}`);
  }
  throw new DomainError('snapshot-corrupt', `snapshot ${m.id}: ${reply.message}`);
}
