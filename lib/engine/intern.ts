import type { Database, Statement } from 'sql.js';
import { DomainError } from '../errors.ts';
import type { Value } from '../polar/ast.ts';
import type { RawApi } from './raw.ts';
import { hasTable, ID_LIMIT, MAX_TYPE_CODE, STORED_BIT, TEMP_IDS, TYPE_SPAN } from './schema.ts';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Keys are stored with NUL escaped (sql.js binds text NUL-terminated): `\u0001` is the escape
 * character, `\u0001\u0001` stands for itself and `\u0001\u0002` for NUL. Injective, so equality holds.
 */
export function encodeKey(s: string): string {
  if (!/[\u0000\u0001]/.test(s)) return s;
  return s.replace(/[\u0000\u0001]/g, (c) => (c === '\u0000' ? '\u0001\u0002' : '\u0001\u0001'));
}

/** Inverse of `encodeKey`. */
export function decodeKey(s: string): string {
  if (!s.includes('\u0001')) return s;
  return s.replace(/\u0001([\u0001\u0002])/g, (_, c: string) => (c === '\u0002' ? '\u0000' : '\u0001'));
}

/** Validates a value and returns its canonical key (Integers in decimal, Booleans as `true`/`false`). */
export function canonicalKey(v: Value): string {
  if (typeof v?.type !== 'string' || v.type === '' || typeof v.id !== 'string') {
    throw new DomainError('bad-request', `malformed value ${JSON.stringify(v)}`);
  }
  if (v.type === 'Integer') {
    if (!/^[+-]?\d+$/.test(v.id)) throw new DomainError('bad-request', `invalid Integer "${v.id}"`);
    const n = BigInt(v.id);
    if (n < INT64_MIN || n > INT64_MAX)
      throw new DomainError('bad-request', `Integer out of range "${v.id}"`);
    return n.toString();
  }
  if (v.type === 'Boolean' && v.id !== 'true' && v.id !== 'false') {
    throw new DomainError('bad-request', `invalid Boolean "${v.id}"`);
  }
  return encodeKey(v.id);
}

/** Type code of an id. */
export function typeOf(id: number): number {
  return Math.floor(id / TYPE_SPAN);
}

/** True for the wildcard encodings: 0 (any value) or `code * TYPE_SPAN` (any value of a type). */
export function isWildcard(id: number): boolean {
  return id % TYPE_SPAN === 0;
}

/** Per-request ids for values that are not stored: from the top of their type's range, never stored. */
export class TempIds {
  readonly byKey = new Map<string, number>();
  readonly byId = new Map<number, Value>();
  private readonly next = new Map<number, number>();
  constructor(
    private readonly start = 0,
    private readonly end = TEMP_IDS,
  ) {}

  get(code: number, v: Value, key: string): number {
    const k = `${code}\u0000${key}`;
    let id = this.byKey.get(k);
    if (id === undefined) {
      const n = this.next.get(code) ?? this.start;
      // the top TEMP_IDS of a type's range are never stored: beyond them a temporary id could clash
      if (n >= this.end)
        throw new DomainError('bad-request', `too many distinct unknown values of type ${v.type}`);
      this.next.set(code, n + 1);
      id = code * TYPE_SPAN + (TYPE_SPAN - 1 - n);
      this.byKey.set(k, id);
      this.byId.set(id, { type: v.type, id: decodeKey(key) });
    }
    return id;
  }
}

/** Options of the interner. */
export interface InternerOptions {
  /** Entries of the value -> id cache. Default 100_000. */
  cacheSize?: number;
  /** Read each stored value's presence bits from table `presence` (see `build.ts`). Default false. */
  presence?: boolean;
  /** Binds through the C API where it can (format 4's lookups); without it `Statement.bind` does. */
  raw?: RawApi;
}

/** Maps typed values to stored ids (bounded LRU cache in front of one prepared lookup). */
export class Interner {
  readonly types: Map<string, number>;
  readonly typeNames = new Map<number, string>();
  /**
   * Per type name: key -> `id + bits * ID_LIMIT` (0: not stored; bits: its presence bits); first-in
   * first-out, refreshing on hits costs more than it saves.
   */
  private readonly cache = new Map<string, Map<string, number>>();
  private cached = 0;
  private readonly cacheSize: number;
  private readonly lookup: Statement;
  /** Format 4: each type's ids in key order, found through `vals_fence` (see `build.ts` `orderValues`). */
  private readonly fenced: boolean;
  private readonly raw: RawApi | undefined;
  private readonly reverse: Statement;
  private readonly presence: Statement | undefined;
  private nextTempType = MAX_TYPE_CODE;
  /** Request-scope temporary ids start after the reserved constant range. */
  static readonly REQUEST_TEMP_START = 2 ** 18;
  private constantIds = new TempIds(0, Interner.REQUEST_TEMP_START);

  constructor(
    private readonly db: Database,
    types: Map<string, number>,
    options: InternerOptions = {},
  ) {
    this.types = new Map(types);
    for (const [n, c] of this.types) this.typeNames.set(c, n);
    this.cacheSize = options.cacheSize ?? 100_000;
    this.raw = options.raw;
    // format 4 has no index on `vals.key`: the key's fence (the greatest not above it) bounds the ids to read
    this.fenced = hasTable(db, 'vals_fence');
    this.lookup = this.fenced
      ? db.prepare(
          'SELECT v.id FROM (SELECT id, last FROM vals_fence WHERE code = ?1 AND key <= ?2 ORDER BY key DESC LIMIT 1) f ' +
            'CROSS JOIN vals v WHERE v.id BETWEEN f.id AND f.last AND v.key = ?2',
        )
      : db.prepare('SELECT id FROM vals WHERE key = ? AND id BETWEEN ? AND ?');
    this.reverse = db.prepare('SELECT key FROM vals WHERE id = ?');
    this.presence = options.presence ? db.prepare('SELECT bits FROM presence WHERE id = ?') : undefined;
  }

  /** The code of a type name; unknown types get a temporary code (no stored value has it). */
  typeCode(name: string): number {
    let c = this.types.get(name);
    if (c === undefined) {
      // temporary codes grow down from the top and must never reach a stored type's code
      if (this.nextTempType <= this.typeNames.size + 16) {
        throw new DomainError('bad-request', `too many unknown types (at "${name}")`);
      }
      c = this.nextTempType--;
      this.types.set(name, c);
      this.typeNames.set(c, name);
    }
    return c;
  }

  /** The type name of a code. */
  typeName(code: number): string {
    return this.typeNames.get(code) ?? `#${code}`;
  }

  /** The stored id of a value, or undefined when no stored fact uses it. */
  find(v: Value): number | undefined {
    const e = this.entry(v);
    return e === 0 ? undefined : e % ID_LIMIT;
  }

  /**
   * `id + bits * ID_LIMIT` of a value of `vals` (bits: its presence bits and STORED_BIT), 0 for one that is
   * not there (no stored fact uses it).
   */
  entry(v: Value): number {
    const key = canonicalKey(v);
    let byKey = this.cache.get(v.type);
    const hit = byKey?.get(key);
    if (hit !== undefined) return hit;
    const code = this.typeCode(v.type);
    const lo = code * TYPE_SPAN;
    const id = !this.fenced
      ? (this.rowOf(this.lookup, [key, lo + 1, lo + TYPE_SPAN - 1])?.[0] ?? 0)
      : this.fencedId(code, key);
    // a value of `vals` has STORED_BIT (one that is not can be in no fact table)
    let e = id === 0 ? 0 : id + 2 ** STORED_BIT * ID_LIMIT;
    if (id !== 0 && this.presence !== undefined) {
      this.presence.bind([id]);
      if (this.presence.step()) e += Number(this.presence.get()[0]) * ID_LIMIT;
      this.presence.reset();
    }
    if (byKey === undefined) {
      byKey = new Map();
      this.cache.set(v.type, byKey);
    }
    if (this.cached >= this.cacheSize) {
      // evict the oldest entry of this type (or of another type when this one holds none)
      const from = byKey.size > 0 ? byKey : [...this.cache.values()].find((m) => m.size > 0);
      const first = from?.keys().next().value;
      if (from !== undefined && first !== undefined) {
        from.delete(first);
        this.cached--;
      }
    }
    byKey.set(key, e);
    this.cached++;
    return e;
  }

  /** Format 4: the id of `key` in type `code` (0: not stored), through its fence and then its block. */
  private fencedId(code: number, key: string): number {
    let id = this.raw?.firstWithText(this.lookup, [code], key);
    if (id === undefined) id = this.rowOf(this.lookup, [code, key])?.[0] ?? null;
    return id ?? 0;
  }

  /** The first row of a statement as numbers (null: none), through `Statement.bind`. */
  private rowOf(st: Statement, params: (number | string)[]): number[] | null {
    st.bind(params);
    const row = st.step() ? st.get().map(Number) : null;
    st.reset();
    return row;
  }

  /**
   * Temporary ids of constants that no stored fact uses: a policy's own, and each unknown action a
   * request names. Stable until `resetConstants`.
   */
  get constants(): TempIds {
    return this.constantIds;
  }

  /** Forgets the temporary constant ids; statements compiled with them must be dropped first. */
  resetConstants(): void {
    this.constantIds = new TempIds(0, Interner.REQUEST_TEMP_START);
    // nothing cached may outlive the ids it was read with
    this.cache.clear();
    this.cached = 0;
  }

  /** Id of a policy constant: stored id, else a stable temporary id. */
  constId(v: Value): number {
    const found = this.find(v);
    if (found !== undefined) return found;
    return this.constants.get(this.typeCode(v.type), v, canonicalKey(v));
  }

  /** Id of a request value: stored id, constant id, else a request-scope temporary id. */
  requestId(v: Value, temps: TempIds): number {
    return this.requestEntry(v, temps) % ID_LIMIT;
  }

  /** `requestId` with the value's presence bits: `id + bits * ID_LIMIT` (no bits when not stored). */
  requestEntry(v: Value, temps: TempIds): number {
    const found = this.entry(v);
    if (found !== 0) return found;
    const key = canonicalKey(v);
    const code = this.typeCode(v.type);
    const c = this.constants.byKey.get(`${code}\u0000${key}`);
    return c ?? temps.get(code, v, key);
  }

  /** The value of an id (stored, constant or temporary); undefined for wildcards. */
  valueOf(id: number, temps?: TempIds): Value | undefined {
    if (isWildcard(id)) return undefined;
    const t = temps?.byId.get(id) ?? this.constants.byId.get(id);
    if (t !== undefined) return t;
    this.reverse.bind([id]);
    const key = this.reverse.step() ? String(this.reverse.get()[0]) : undefined;
    this.reverse.reset();
    if (key === undefined) return undefined;
    return { type: this.typeName(typeOf(id)), id: decodeKey(key) };
  }

  /** Frees the prepared statements. */
  close(): void {
    this.lookup.free();
    this.reverse.free();
    this.presence?.free();
  }

  /** The database the interner reads. */
  get database(): Database {
    return this.db;
  }
}
