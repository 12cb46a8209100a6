import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { compileQuery, type QueryArg, type QueryShape } from '../compiler/index.ts';
import { DomainError } from '../errors.ts';
import type { Fact, Policy, Value } from '../polar/ast.ts';
import { EngineCatalog } from './catalog.ts';
import { type Bindings, PreparedQuery } from './exec.ts';
import { canonicalKey, decodeKey, Interner, isWildcard } from './intern.ts';
import { RawApi } from './raw.ts';
import { ContextWriter, type RequestScope } from './request.ts';
import {
  ID_LIMIT,
  readHeavy,
  readMeta,
  readParts,
  readPreds,
  readPresence,
  readTotals,
  readTypes,
  TYPE_SPAN,
} from './schema.ts';
import {
  allowShape,
  checkShape,
  checkString,
  checkValue,
  decodeToken,
  encodeToken,
  P0,
  P1,
  patternArg,
  strConst,
  type Wrap,
  wrapSql,
} from './shapes.ts';
import { readStoredFacts } from './stored-facts.ts';
import type {
  ActionsRequest,
  AuthorizeRequest,
  Engine,
  EngineLimits,
  EvaluateQueryRequest,
  FactPattern,
  ListRequest,
  ListResult,
  PolicyMetadataResult,
  QueryRow,
  ValuePattern,
} from './types.ts';

/** Options of `createEngine`. */
export interface EngineOptions {
  /** Unix time in seconds for `@current_unix_time`. Default: the system clock. */
  clock?: () => number | bigint;
  /** Work bounds. Defaults: maxResults 100_000, maxFacts 10_000, maxContextFacts 10_000. */
  limits?: Partial<EngineLimits>;
  /** Conjunctive queries one compiled query may have. Default 4096. */
  maxCqs?: number;
  /** Compiled statements kept prepared. Default 1000. */
  maxStatements?: number;
  /** Rows a recursive (naive fixpoint) evaluation may derive per request. Default 2_000_000. */
  maxFixpointRows?: number;
  /**
   * Temporary ids of unknown constants (each unknown action a request names gets one) kept before the
   * compiled statements are dropped and the ids start over. Default 4096.
   */
  maxConstants?: number;
}

/** Default engine limits. */
export const DEFAULT_LIMITS: EngineLimits = {
  maxResults: 100_000,
  maxFacts: 10_000,
  maxContextFacts: 10_000,
};
/**
 * Up to `need` rows `[id, key]` of a list statement after id `after`, in id order, each id once (its arms
 * are a UNION ALL: repeats are adjacent). Reads on after the last id while repeats leave it short.
 */
function distinctRows(q: PreparedQuery, b: Bindings, after: number, need: number): SqlValue[][] {
  const out: SqlValue[][] = [];
  let from = after;
  for (;;) {
    const want = need - out.length;
    const rows = q.rows({ ...b, extra: [from, 0] }, want, 'stop');
    for (const r of rows) {
      if (out.length > 0 && Number(out[out.length - 1]![0]) === Number(r[0])) continue;
      out.push(r);
      if (out.length === need) return out;
    }
    // fewer rows than asked for: there are no more
    if (rows.length <= want) return out;
    from = Number(rows[rows.length - 1]![0]);
  }
}

const UTF8 = new TextDecoder();

/**
 * The keys of up to `need` ids after `after` from a `list-keys` statement, in id order. Repeats (adjacent,
 * and one key is one id within a type) are dropped; it reads a few rows more than `need` so that a repeat
 * rarely costs a second run (about 1 ms for a global admin's page), and reads on after the last id while
 * repeats leave it short. Undefined when the row path must answer: an id has no stored key (a wildcard, a
 * temporary id) or a key is not valid UTF-8 (the row path decodes those as sql.js does).
 */
function pageKeys(kq: PreparedQuery, b: Bindings, after: number, need: number): string[] | undefined {
  const keys: string[] = [];
  let from = after;
  for (;;) {
    const want = need - keys.length;
    const ask = want + (want >> 5) + 8;
    const row = kq.firstRow({ ...b, extra: [from, ask] });
    const n = Number(row?.[0] ?? 0);
    if (row === null || n === 0) return keys;
    if (Number(row[2]) !== 0 || !(row[3] instanceof Uint8Array)) return undefined;
    const text = UTF8.decode(row[3]);
    if (text.includes('\uFFFD')) return undefined;
    const chunk = text.split('\u0000');
    if (chunk.length !== n) return undefined;
    for (const k of chunk) if (keys.length === 0 || keys[keys.length - 1] !== k) keys.push(k);
    // fewer rows than asked for: there are no more
    if (n < ask || keys.length >= need) return keys.length > need ? keys.slice(0, need) : keys;
    from = Number(row[1]);
  }
}

/** Default page size of `list`. */
export const LIST_PAGE_SIZE = 10_000;

/** A query whose arguments are values, typed variables or the variable of a test assertion. */
export interface GenericQuery {
  atoms: { pred: string; args: ({ value: Value } | { var: string })[] }[];
  vars: Record<string, { types: string[] | null; ids?: string[] | null }>;
  outputs: string[];
}

/** How `actions` answers a pair of types whose rules all name their action: the sorted action names. */
interface ActionsPlan {
  run(b: Bindings): string[];
  /** Which way `run` settled on, once it has (for tests and profiling). */
  chosen?: () => 'checks' | 'keyed' | undefined;
  /** Each way on its own. */
  forced?: { checks: (b: Bindings) => string[]; keyed: (b: Bindings) => string[] };
}

/** Most variants one query shape gets for the presence bits of its values (then it uses the full one). */
const MAX_VARIANTS = 32;

/**
 * What one two-parameter shape without context facts runs (a statement, an actions plan): the full one,
 * and one per combination of the presence bits it reads (`use0`, `use1`) that a request brought, made on
 * first use with the queries those values cannot satisfy dropped (see `lib/compiler/presence.ts`).
 */
interface Variants<T> {
  full: T;
  use0: number;
  use1: number;
  by: Map<number, T>;
  make: (present: number[]) => T;
}

/** The variant for values with these presence bits. */
function variant<T>(v: Variants<T>, bits0: number, bits1: number): T {
  if (v.use0 === 0 && v.use1 === 0) return v.full;
  const p0 = bits0 & v.use0;
  const p1 = bits1 & v.use1;
  const k = p0 + p1 * 65536;
  let x = v.by.get(k);
  if (x === undefined) {
    if (v.by.size >= MAX_VARIANTS) return v.full;
    x = v.make([p0, p1]);
    v.by.set(k, x);
  }
  return x;
}

/** The part of a statement's cache key that names its presence variant. */
function presentKey(present: readonly number[] | undefined): string {
  return present === undefined ? '' : `|p${present.join(',')}`;
}

/** Whether a yes/no statement answers 1 (through the two-id path when it can take it). */
function yes(q: PreparedQuery, b: Bindings): boolean {
  const v = q.firstOfIds(b.ids[0]!, b.ids[1]!);
  return v === undefined ? Number(q.first(b)) === 1 : v === 1;
}

/** True when a request brings no context facts: the hot paths, with statements kept per type. */
function noContext(facts: unknown): boolean {
  return facts === undefined || (Array.isArray(facts) && facts.length === 0);
}

/** The middle sample (the upper one of an even count). */
function median(xs: number[]): number {
  const s = Float64Array.from(xs).sort();
  return s[s.length >> 1] ?? 0;
}

const NO_SETS: number[][] = [];
const NO_EXTRA: SqlValue[] = [];

/** The rows shape of `actions`: the actions `allow(actor, a, resource)` holds for. */
function actionsShape(actorType: string, resourceType: string): () => QueryShape {
  return () => ({
    atoms: [{ pred: 'allow', args: [P0, { kind: 'var', name: 'a' }, P1] }],
    vars: { a: { types: ['String'] } },
    params: [actorType, resourceType],
    outputs: ['a'],
  });
}

/** Engines constructed and not yet closed, in this process. */
let openEngines = 0;

/** How many engines (each owning one sql.js database) are open now: a leak detector for swaps. */
export function openEngineCount(): number {
  return openEngines;
}

/** The sql.js engine: compiled, cached statements over one snapshot database. */
export class SqlEngine implements Engine {
  readonly interner: Interner;
  private readonly catalog: EngineCatalog;
  private readonly ctx: ContextWriter;
  private readonly statements = new Map<string, PreparedQuery>();
  /** Statements evicted from `statements` during the current call, freed when the next one starts. */
  private readonly retired: PreparedQuery[] = [];
  private readonly limits: EngineLimits;
  private readonly clock: () => number | bigint;
  private tempSeq = 0;
  private closed = false;
  /** Recursive call patterns already found (shared by compiles without context facts). */
  private readonly recursivePatterns = new Map<string, unknown>();
  private readonly raw: RawApi | undefined;
  /** actor type -> action -> resource type -> the authorize statements without context facts. */
  private readonly plainAllow = new Map<string, Map<string, Map<string, Variants<PreparedQuery>>>>();
  /** Names of the action constants `actions` returns, by id (ids are fixed per database). */
  private readonly actionNames = new Map<number, string>();
  /** actor type -> resource type -> how `actions` answers them without context facts (null: no plan). */
  private readonly plainActions = new Map<string, Map<string, Variants<ActionsPlan | null>>>();
  /** list shape -> the presence bits of actors it has compiled a statement for. */
  private readonly listVariants = new Map<string, Set<number>>();

  constructor(
    sql: SqlJsStatic,
    private readonly db: Database,
    private readonly policy: Policy,
    private readonly options: EngineOptions = {},
  ) {
    db.exec('PRAGMA journal_mode=MEMORY');
    db.exec('PRAGMA locking_mode=EXCLUSIVE');
    // sorts and UNIONs that outgrow the page cache spill to temporary files (JS memory that is freed)
    // instead of growing WebAssembly memory, which never shrinks
    db.exec('PRAGMA temp_store=FILE');
    db.exec('SELECT count(*) FROM meta');
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    this.raw = RawApi.detect(sql, db);
    const presence = readPresence(db);
    const heavy = readHeavy(db);
    this.interner = new Interner(db, readTypes(db), {
      presence: presence.size > 0 || heavy !== undefined,
      raw: this.raw,
    });
    this.catalog = new EngineCatalog(
      this.interner,
      policy,
      readPreds(db),
      undefined,
      presence,
      readParts(db),
      readTotals(db),
      heavy,
    );
    this.ctx = new ContextWriter(db, this.interner, this.limits.maxContextFacts);
    openEngines += 1;
  }

  /**
   * Called first by every request: once unknown constants pile up (requests naming many actions the
   * policy does not have), drops every compiled statement and starts their ids over. Without it they
   * would grow without bound, and requests with context facts write every one of them into `vals`.
   */
  private maintain(): void {
    if (this.retired.length > 0) {
      for (const q of this.retired) q.free();
      this.retired.length = 0;
    }
    if (this.interner.constants.byId.size < (this.options.maxConstants ?? 4096)) return;
    for (const s of this.statements.values()) s.free();
    this.statements.clear();
    this.plainAllow.clear();
    this.plainActions.clear();
    this.listVariants.clear();
    this.actionNames.clear();
    this.recursivePatterns.clear();
    this.interner.resetConstants();
  }

  /** The prepared statement of a shape (compiled on first use, LRU-bounded). */
  private prepared(
    scope: RequestScope,
    key: string,
    wrap: Wrap,
    shape: () => QueryShape,
    present?: readonly number[],
  ): PreparedQuery {
    const k = `${wrap}|${key}|${scope.sig}${presentKey(present)}`;
    // eviction is first-in first-out: refreshing on every hit costs more than it saves
    const hit = this.statements.get(k);
    if (hit !== undefined) return hit;
    const q = this.reuseRows(scope, key, wrap, present) ?? this.compile(shape(), scope, wrap, false, present);
    if (this.statements.size >= (this.options.maxStatements ?? 1000)) {
      const [oldK, old] = this.statements.entries().next().value!;
      // freed when the next call starts (`maintain`): this call may hold it (an actions plan prepares a
      // statement per action after its rows statement, and any of them can be the oldest)
      this.retired.push(old);
      this.statements.delete(oldK);
      // the hot-path indexes may hold the retired statement
      this.plainAllow.clear();
      this.plainActions.clear();
    }
    this.statements.set(k, q);
    return q;
  }

  /**
   * The keyed and residual statements of `actions` come from the same compile as the shape's rows
   * statement: reuse it (a compile of an 82-query shape took 11-23 ms, three times on a first actions call)
   * unless it evaluates recursion in temporary tables. Undefined when there is none to reuse.
   */
  private reuseRows(
    scope: RequestScope,
    key: string,
    wrap: Wrap,
    present: readonly number[] | undefined,
  ): PreparedQuery | undefined {
    if (wrap !== 'keyed' && wrap !== 'residual-test' && wrap !== 'residual' && wrap !== 'list-keys')
      return undefined;
    const from = wrap === 'list-keys' ? 'list' : 'rows';
    const compiled = this.statements.get(`${from}|${key}|${scope.sig}${presentKey(present)}`)?.compiled;
    if (compiled === undefined || compiled.fixpoint.length > 0) return undefined;
    try {
      return new PreparedQuery(
        this.db,
        compiled,
        wrapSql(compiled, wrap),
        this.options.maxFixpointRows ?? 2_000_000,
        this.raw,
      );
    } catch {
      return undefined;
    }
  }

  /** The yes/no statement of `allow(actor, action, resource)` for these types (cached like any shape). */
  private allowQuery(
    scope: RequestScope,
    actorType: string,
    action: string,
    resourceType: string,
    present?: readonly number[],
  ): PreparedQuery {
    return this.prepared(
      scope,
      `${actorType}\u0000${action}\u0000${resourceType}`,
      'exists',
      () => allowShape(actorType, action, resourceType),
      present,
    );
  }

  /** Compiles and prepares; SQL SQLite refuses (nesting limits) is retried with TEMP-table recursion. */
  private compile(
    shape: QueryShape,
    scope: RequestScope,
    wrap: Wrap,
    forceNaive: boolean,
    present?: readonly number[],
  ): PreparedQuery {
    const c = compileQuery(shape, scope.catalog, {
      mode: wrap === 'exists' ? 'exists' : 'rows',
      maxCqs: this.options.maxCqs ?? 4096,
      extraParams: wrap === 'list' || wrap === 'list-keys' ? 2 : 0,
      ordered: wrap === 'list' || wrap === 'list-keys',
      tempPrefix: `q${this.tempSeq++}`,
      forceNaive,
      recursivePatterns: scope.sig === '' ? this.recursivePatterns : undefined,
      // presence bits describe the stored facts only
      present: scope.sig === '' ? present : undefined,
    });
    try {
      return new PreparedQuery(
        this.db,
        c,
        wrapSql(c, wrap),
        this.options.maxFixpointRows ?? 2_000_000,
        this.raw,
      );
    } catch (e) {
      if (forceNaive || c.with === '' || e instanceof DomainError) {
        throw new DomainError(
          'query-too-expensive',
          `query cannot be compiled: ${String((e as Error).message)}`,
          {
            cause: e,
          },
        );
      }
      return this.compile(shape, scope, wrap, true, present);
    }
  }

  private bindings(
    scope: RequestScope,
    values: Value[],
    extra: SqlValue[] = [],
    sets: number[][] = [],
  ): Bindings {
    return {
      ids: values.map((v) => this.interner.requestId(v, scope.temps)),
      values,
      sets,
      now: this.clock(),
      extra,
    };
  }

  private decode(scope: RequestScope, id: number, key: SqlValue): Value | null {
    if (isWildcard(id)) return null;
    const type = this.interner.typeName(Math.floor(id / TYPE_SPAN));
    if (typeof key === 'string') return { type, id: decodeKey(key) };
    return this.interner.valueOf(id, scope.temps) ?? { type, id: String(id) };
  }

  authorize(req: AuthorizeRequest): boolean {
    this.maintain();
    // values are fully validated while interning (bindings); this only guards the cache key
    checkShape(req.actor);
    checkShape(req.resource);
    checkString(req.action, 'action');
    if (noContext(req.contextFacts)) return this.authorizePlain(req.actor, req.action, req.resource);
    const { scope, ctx } = this.ctx.scope(this.catalog, req.contextFacts);
    const q = this.allowQuery(scope, req.actor.type, req.action, req.resource.type);
    const b = this.bindings(scope, [req.actor, req.resource]);
    return this.ctx.run(scope, ctx, () => Number(q.first(b)) === 1);
  }

  /** authorize without context facts, the hot path: no request scope, statements by nested lookup. */
  private authorizePlain(actor: Value, action: string, resource: Value): boolean {
    let byAction = this.plainAllow.get(actor.type);
    if (byAction === undefined) {
      byAction = new Map();
      this.plainAllow.set(actor.type, byAction);
    }
    let byType = byAction.get(action);
    if (byType === undefined) {
      byType = new Map();
      byAction.set(action, byType);
    }
    let v = byType.get(resource.type);
    if (v === undefined) {
      const { scope } = this.ctx.scope(this.catalog, undefined);
      const full = this.allowQuery(scope, actor.type, action, resource.type);
      const [use0 = 0, use1 = 0] = full.compiled.presence;
      v = {
        full,
        use0,
        use1,
        by: new Map(),
        make: (present) => this.allowQuery(scope, actor.type, action, resource.type, present),
      };
      byType.set(resource.type, v);
    }
    const temps = this.ctx.sharedTemps();
    const ea = this.interner.requestEntry(actor, temps);
    const er = this.interner.requestEntry(resource, temps);
    const a = ea % ID_LIMIT;
    const r = er % ID_LIMIT;
    const q = variant(v, (ea - a) / ID_LIMIT, (er - r) / ID_LIMIT);
    const fast = q.firstOfIds(a, r);
    if (fast !== undefined) return fast === 1;
    const b: Bindings = { ids: [a, r], values: [actor, resource], sets: [], now: this.clock(), extra: [] };
    return Number(q.first(b)) === 1;
  }

  authorizeResources(req: Omit<AuthorizeRequest, 'resource'> & { resources: Value[] }): Value[] {
    this.maintain();
    checkValue(req.actor);
    checkString(req.action, 'action');
    if (!Array.isArray(req.resources)) throw new DomainError('bad-request', 'resources must be an array');
    req.resources.forEach(checkValue);
    const { scope, ctx } = this.ctx.scope(this.catalog, req.contextFacts);
    const work = req.resources.map((r) => ({
      r,
      q: this.allowQuery(scope, req.actor.type, req.action, r.type),
      b: this.bindings(scope, [req.actor, r]),
    }));
    return this.ctx.run(scope, ctx, () => work.filter((w) => Number(w.q.first(w.b)) === 1).map((w) => w.r));
  }

  list(req: ListRequest): ListResult {
    this.maintain();
    checkValue(req.actor);
    checkString(req.action, 'action');
    checkString(req.resourceType, 'resource type');
    const page = Math.max(1, Math.min(req.limit ?? LIST_PAGE_SIZE, this.limits.maxResults));
    const after = req.pageToken ? decodeToken(req.pageToken) : -1;
    const { scope, ctx } = this.ctx.scope(this.catalog, req.contextFacts);
    const key = `${req.actor.type}\u0000${req.action}\u0000${req.resourceType}`;
    const shape = (): QueryShape => ({
      atoms: [{ pred: 'allow', args: [P0, strConst(req.action), { kind: 'var', name: 'r' }] }],
      vars: { r: { types: [req.resourceType] } },
      params: [req.actor.type],
      outputs: ['r'],
    });
    let present: number[] | undefined;
    let q = this.prepared(scope, key, 'list', shape);
    const use = q.compiled.presence[0] ?? 0;
    if (scope.sig === '' && use !== 0) {
      // without context facts: the statement for the actor's presence bits (its bans, roles, groups)
      const bits = Math.floor(this.interner.requestEntry(req.actor, scope.temps) / ID_LIMIT) & use;
      const seen = this.listVariants.get(key) ?? new Set<number>();
      if (seen.has(bits) || seen.size < MAX_VARIANTS) {
        seen.add(bits);
        this.listVariants.set(key, seen);
        present = [bits];
        q = this.prepared(scope, key, 'list', shape, present);
      }
    }
    // the extra parameters (where the page starts, how many rows to read) are set by each reader
    const b = this.bindings(scope, [req.actor]);
    // a wildcard narrowed by a negation or comparison was listed as known values: it is "*" only
    // when a never-seen id qualifies and so does every known id
    const probe =
      q.compiled.enumerates && after === -1
        ? {
            q: this.allowQuery(scope, req.actor.type, req.action, req.resourceType),
            b: this.bindings(scope, [req.actor, { type: req.resourceType, id: '\u0000unknown' }]),
          }
        : undefined;
    // with context facts every temporary id (the probe's too) is written to vals: never list the probe
    const probeId =
      probe === undefined
        ? -1
        : this.interner.requestId({ type: req.resourceType, id: '\u0000unknown' }, scope.temps);
    const everything = (): boolean => {
      if (probe === undefined || Number(probe.q.first(probe.b)) !== 1) return false;
      const all = distinctRows(q, b, -1, this.limits.maxResults + 1).filter(
        (r) => !isWildcard(Number(r[0])) && Number(r[0]) !== probeId,
      );
      const code = this.interner.typeCode(req.resourceType);
      const known = this.db.exec('SELECT count(*) FROM vals WHERE id BETWEEN ? AND ? AND id != ?', [
        code * TYPE_SPAN + 1,
        (code + 1) * TYPE_SPAN - 1,
        probeId,
      ])[0]?.values[0]?.[0];
      return all.length === Number(known);
    };
    return this.ctx.run(scope, ctx, (): ListResult => {
      if (everything()) return { results: ['*'], nextPageToken: null };
      // stored ids only (no context facts, no wildcard): the page's keys in one string
      if (scope.sig === '' && q.compiled.fixpoint.length === 0) {
        const keys = pageKeys(this.prepared(scope, key, 'list-keys', shape, present), b, after, page + 1);
        const more = keys !== undefined && keys.length > page;
        // the next page starts after the last id returned
        const last = more
          ? this.interner.find({ type: req.resourceType, id: decodeKey(keys[page - 1]!) })
          : -1;
        if (keys !== undefined && last !== undefined) {
          return {
            results: (more ? keys.slice(0, page) : keys).map(decodeKey),
            nextPageToken: more ? encodeToken(last) : null,
          };
        }
      }
      // one row more than "is there a next page" needs: the probe's row, if read, is dropped below
      const rows = distinctRows(q, b, after, page + 2).filter((r) => Number(r[0]) !== probeId);
      const results: string[] = [];
      let last = after;
      const n = Math.min(rows.length, page);
      let wild = false;
      for (let i = 0; i < n; i++) {
        const row = rows[i]!;
        const id = Number(row[0]);
        last = id;
        if (isWildcard(id)) {
          wild = true;
          continue;
        }
        // list answers ids only: a stored id's key is its id (decoded), no value object needed
        const key = row[1];
        if (typeof key === 'string') results.push(decodeKey(key));
        else {
          const v = this.decode(scope, id, key ?? null);
          if (v !== null) results.push(v.id);
        }
      }
      if (wild) results.unshift('*');
      return { results, nextPageToken: rows.length > page ? encodeToken(last) : null };
    });
  }

  actions(req: ActionsRequest): string[] {
    this.maintain();
    if (noContext(req.contextFacts)) {
      // the hot path validates the values fully while interning them, before it reads a plan
      checkShape(req.actor);
      checkShape(req.resource);
      const out = this.actionsPlain(req.actor, req.resource);
      if (out !== undefined) return out;
    }
    checkValue(req.actor);
    checkValue(req.resource);
    const { scope, ctx } = this.ctx.scope(this.catalog, req.contextFacts);
    const shape = actionsShape(req.actor.type, req.resource.type);
    const typesKey = `${req.actor.type}\u0000${req.resource.type}`;
    const q = this.prepared(scope, typesKey, 'rows', shape);
    const b = this.bindings(scope, [req.actor, req.resource]);
    const consts = q.compiled.constOutputs;
    if (consts === undefined) {
      const rows = this.ctx.run(scope, ctx, () => q.rows(b, this.limits.maxResults, 'throw'));
      const out = new Set<string>();
      for (const row of rows) {
        const v = this.decode(scope, Number(row[0]), row[1] ?? null);
        out.add(v === null ? '*' : v.id);
      }
      return [...out].sort();
    }
    const plan = this.actionsPlan(q, consts, scope, typesKey, shape, req.actor.type, req.resource.type);
    return this.ctx.run(scope, ctx, () => plan.run(b));
  }

  /**
   * actions without context facts, the hot path: the plan by nested lookup, kept for the engine's life;
   * undefined when the rules do not all name their action (the general path answers).
   */
  private actionsPlain(actor: Value, resource: Value): string[] | undefined {
    const temps = this.ctx.sharedTemps();
    const ea = this.interner.requestEntry(actor, temps);
    const er = this.interner.requestEntry(resource, temps);
    const ids = [ea % ID_LIMIT, er % ID_LIMIT];
    let byType = this.plainActions.get(actor.type);
    if (byType === undefined) {
      byType = new Map();
      this.plainActions.set(actor.type, byType);
    }
    let v = byType.get(resource.type);
    if (v === undefined) {
      const { scope } = this.ctx.scope(this.catalog, undefined);
      const typesKey = `${actor.type}\u0000${resource.type}`;
      const shape = actionsShape(actor.type, resource.type);
      const make = (present?: number[]): ActionsPlan | null => {
        const q = this.prepared(scope, typesKey, 'rows', shape, present);
        const consts = q.compiled.constOutputs;
        return consts === undefined
          ? null
          : this.actionsPlan(q, consts, scope, typesKey, shape, actor.type, resource.type, present);
      };
      const full = make();
      const [use0 = 0, use1 = 0] =
        full === null ? [] : this.prepared(scope, typesKey, 'rows', shape).compiled.presence;
      v = { full, use0, use1, by: new Map(), make };
      byType.set(resource.type, v);
    }
    const plan = variant(v, (ea - ids[0]!) / ID_LIMIT, (er - ids[1]!) / ID_LIMIT);
    if (plan === null) return undefined;
    return plan.run({ ids, values: [actor, resource], sets: NO_SETS, now: this.clock(), extra: NO_EXTRA });
  }

  /**
   * How `actions` answers a pair of types whose rules all name their action. Two ways, same answers:
   * per action a yes/no check that stops at its first proof, or one statement over the ways that differ
   * only in the role they accept (keyed, see the compiler). Which is cheaper depends on the policy's
   * shape (shared seeks favour the checks, many roles the keyed statement), so the first calls time both,
   * alternately, and the rest use the faster.
   */
  private actionsPlan(
    q: PreparedQuery,
    consts: number[][],
    scope: RequestScope,
    typesKey: string,
    shape: () => QueryShape,
    actorType: string,
    resourceType: string,
    present?: readonly number[],
  ): ActionsPlan {
    // the actions in answer order, each with its yes/no statement
    const checks = consts
      .flatMap(([id]) => {
        const action = id === undefined ? undefined : this.actionName(id, scope);
        return action === undefined ? [] : [{ id: id!, action }];
      })
      .sort((x, y) => (x.action < y.action ? -1 : x.action > y.action ? 1 : 0))
      .map((c) => ({ ...c, exists: this.allowQuery(scope, actorType, c.action, resourceType, present) }));
    const byChecks = (b: Bindings) => {
      const out: string[] = [];
      for (const c of checks) {
        if (yes(c.exists, b)) out.push(c.action);
      }
      return out;
    };
    const keyed = q.compiled.keyed;
    if (keyed === undefined || scope.sig !== '') return { run: byChecks };
    const kq = this.prepared(scope, typesKey, 'keyed', shape, present);
    const residual =
      keyed.residual === undefined
        ? undefined
        : {
            test: this.prepared(scope, typesKey, 'residual-test', shape, present),
            rows: this.prepared(scope, typesKey, 'residual', shape, present),
          };
    const position = new Map(checks.map((c, i) => [c.id, i]));
    // (arm, key) of a row -> positions of its actions in `checks`, from the compile that made the statement
    const positions = (st: PreparedQuery) =>
      (st.compiled.keyed?.outputs ?? []).map(
        (byKey) =>
          new Map(
            [...byKey].map(([k, outs]) => [
              k,
              outs.flatMap((o) => {
                const i = position.get(o[0]!);
                return i === undefined ? [] : [i];
              }),
            ]),
          ),
      );
    const kqPositions = positions(kq);
    const residualPositions = residual === undefined ? [] : positions(residual.rows);
    // the actions the residual can add: once the keyed statement has found them all it is not run (a
    // global admin's keyed rows hold every action; the residual walks the actor's nested groups)
    const residualAdds = [...new Set(residualPositions.flatMap((byKey) => [...byKey.values()].flat()))];
    // rows go straight from the C API into `found` (one plan answers one call at a time)
    const found = new Uint8Array(checks.length);
    let at: Map<number, number[]>[] = kqPositions;
    const mark = (g: number, k: number) => {
      const ps = at[g]?.get(k);
      if (ps !== undefined) for (const i of ps) found[i] = 1;
    };
    const read = (st: PreparedQuery, positions: Map<number, number[]>[], b: Bindings) => {
      at = positions;
      if (st.pairsOfIds(b.ids[0]!, b.ids[1]!, this.limits.maxResults, mark) !== undefined) return;
      // marks are idempotent: rows an interrupted fast read marked are marked again
      for (const row of st.rows(b, this.limits.maxResults, 'throw')) mark(Number(row[0]), Number(row[1]));
    };
    const byKeyed = (b: Bindings) => {
      found.fill(0);
      read(kq, kqPositions, b);
      if (residual !== undefined && residualAdds.some((i) => found[i] === 0) && yes(residual.test, b))
        read(residual.rows, residualPositions, b);
      const out: string[] = [];
      for (let i = 0; i < checks.length; i++) if (found[i] === 1) out.push(checks[i]!.action);
      return out;
    };
    // Each way is timed on calls of its own, picked at random (callers repeat patterns, and a fixed
    // rotation can time one way on one kind of request only): from call 257 of a type pair, one call in 4
    // until each way has 64 timings, then one in 64 for the engine's life; the way with the lower median
    // over its last 64 answers the other calls. The keyed way answers until then, after the first 8 calls,
    // which take each way in turn (both compile, and both answer from the start). Requests differ a lot (a
    // banned actor's 2 µs, a group member's 35 µs), so fewer timings did not compare. Timing from the first
    // calls kept the slower way: cold pages favour the checks, which read fewer of them. Timing both ways
    // on the same call was biased too: the second finds the first one's pages cached. Both answer alike.
    // In steady state half the timed calls take the slower way on purpose: at one in 16 that was 4 % on
    // the benchmark's actions p50 at 1M (9.51 against 9.12 µs with no timing, same process, alternated).
    const WARMUP = 8;
    const FILLING = 1 / 4;
    const STEADY = 1 / 64;
    const UNTIMED = 256;
    const WINDOW = 64;
    const ways = [byChecks, byKeyed];
    const times: number[][] = [[], []];
    let calls = 0;
    let timed = 0;
    let chosen = 1;
    return {
      run: (b) => {
        calls++;
        if (calls <= WARMUP) return ways[calls % 2]!(b);
        const full = times[0]!.length === WINDOW && times[1]!.length === WINDOW;
        if (calls <= UNTIMED || Math.random() >= (full ? STEADY : FILLING)) return ways[chosen]!(b);
        const k = Math.random() < 0.5 ? 0 : 1;
        const t0 = performance.now();
        const out = ways[k]!(b);
        const mine = times[k]!;
        mine.push(performance.now() - t0);
        if (mine.length > WINDOW) mine.shift();
        // the two medians are compared again every 8th timing (sorting both on every one cost 5 % of a
        // steady actions call, profiled at 1M)
        if (times[0]!.length === WINDOW && times[1]!.length === WINDOW && timed++ % 8 === 0)
          chosen = median(times[0]!) <= median(times[1]!) ? 0 : 1;
        return out;
      },
      chosen: () =>
        times[0]!.length < WINDOW || times[1]!.length < WINDOW
          ? undefined
          : chosen === 0
            ? 'checks'
            : 'keyed',
      forced: { checks: byChecks, keyed: byKeyed },
    };
  }

  /** The name of an action constant (cached: ids are fixed per database). */
  private actionName(id: number, scope: RequestScope): string | undefined {
    let name = this.actionNames.get(id);
    if (name === undefined) {
      name = this.interner.valueOf(id, scope.temps)?.id;
      if (name !== undefined) this.actionNames.set(id, name);
    }
    return name;
  }

  /** Runs a generic query; rows map each output variable to a value or null (any value). */
  runQuery(q: GenericQuery, contextFacts?: Fact[], limit?: number): Record<string, Value | null>[] {
    this.maintain();
    const params: string[] = [];
    const values: Value[] = [];
    const sets: number[][] = [];
    const setVals: Value[][] = [];
    const paramOf = new Map<string, number>();
    const vars: QueryShape['vars'] = {};
    for (const [name, spec] of Object.entries(q.vars)) {
      if (spec.ids === undefined || spec.ids === null) {
        vars[name] = { types: spec.types };
        continue;
      }
      const type = spec.types?.[0];
      if (type === undefined) throw new DomainError('bad-request', `variable ${name} with ids needs a type`);
      if (spec.ids.length === 0) return [];
      if (spec.ids.length === 1) {
        paramOf.set(name, params.length);
        params.push(type);
        values.push({ type, id: spec.ids[0]! });
      } else {
        vars[name] = { types: [type], set: setVals.length };
        setVals.push(spec.ids.map((id) => ({ type, id })));
      }
    }
    const atoms = q.atoms.map((a) => ({
      pred: a.pred,
      args: a.args.map((x): QueryArg => {
        if ('value' in x) {
          checkValue(x.value);
          paramOf.set(`\u0000${params.length}`, params.length);
          params.push(x.value.type);
          values.push(x.value);
          return { kind: 'param', slot: params.length - 1 };
        }
        const slot = paramOf.get(x.var);
        if (slot !== undefined) return { kind: 'param', slot };
        if (vars[x.var] === undefined) throw new DomainError('bad-request', `unknown variable ${x.var}`);
        return { kind: 'var', name: x.var };
      }),
    }));
    const outputs = q.outputs.filter((o) => vars[o] !== undefined);
    const shape: QueryShape = { atoms, vars, params, outputs };
    const max = Math.min(limit ?? this.limits.maxResults, this.limits.maxResults);
    const { scope, ctx } = this.ctx.scope(this.catalog, contextFacts);
    for (const vs of setVals) sets.push(vs.map((v) => this.interner.requestId(v, scope.temps)));
    const pq = this.prepared(scope, JSON.stringify(shape), 'rows', () => shape);
    const b = this.bindings(scope, values, [], sets);
    const rows = this.ctx
      .run(scope, ctx, () => pq.rows(b, max, limit === undefined ? 'throw' : 'stop'))
      .slice(0, max);
    return rows.map((row) => {
      const r: Record<string, Value | null> = {};
      for (const name of q.outputs) {
        const slot = paramOf.get(name);
        if (slot !== undefined) r[name] = values[slot]!;
      }
      outputs.forEach((name, i) => {
        r[name] = this.decode(scope, Number(row[2 * i]), row[2 * i + 1] ?? null);
      });
      return r;
    });
  }

  evaluateQuery(req: EvaluateQueryRequest): QueryRow[] {
    const calls = [req.predicate, ...(req.calls ?? [])];
    const q: GenericQuery = {
      atoms: calls.map((c) => {
        if (!Array.isArray(c) || typeof c[0] !== 'string' || !Array.isArray(c[1])) {
          throw new DomainError('bad-request', `malformed call ${JSON.stringify(c)}`);
        }
        return { pred: c[0], args: c[1].map((v) => ({ var: String(v) })) };
      }),
      vars: Object.fromEntries(
        Object.entries(req.constraints ?? {}).map(([k, c]) => [k, { types: [c.type], ids: c.ids }]),
      ),
      outputs: Object.keys(req.constraints ?? {}),
    };
    const seen = new Set<string>();
    const out: QueryRow[] = [];
    for (const row of this.runQuery(q, req.contextFacts, req.limit)) {
      const r: QueryRow = {};
      for (const [k, v] of Object.entries(row)) r[k] = v === null ? null : v.id;
      const key = JSON.stringify(r);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(r);
      }
    }
    return out;
  }

  queryFacts(pattern: FactPattern, contextFacts?: Fact[]): Fact[] {
    checkString(pattern?.predicate, 'predicate');
    const args = pattern.args.map((p, i) => patternArg(p, i));
    const q: GenericQuery = {
      atoms: [{ pred: pattern.predicate, args: args.map((a) => a.arg) }],
      vars: Object.fromEntries(args.flatMap((a) => (a.var ? [[a.var, { types: a.types }]] : []))),
      outputs: args.flatMap((a) => (a.var ? [a.var] : [])),
    };
    return this.runQuery(q, contextFacts).map((row) => ({
      predicate: pattern.predicate,
      args: args.map((a) => {
        if ('value' in a.arg) return { type: a.arg.value.type, id: decodeKey(canonicalKey(a.arg.value)) };
        const v = row[a.var!];
        return v ?? { type: a.types?.[0] ?? '*', id: '*' };
      }),
    }));
  }

  getFacts(pattern: { predicate: string | null; args: ValuePattern[] }, limit?: number): Fact[] {
    const max = Math.max(0, Math.min(limit ?? this.limits.maxFacts, this.limits.maxFacts));
    const preds = this.catalog
      .allPreds()
      .filter(
        (p) => (pattern.predicate === null || p.name === pattern.predicate) && p.arity >= pattern.args.length,
      );
    return readStoredFacts(this.db, this.interner, preds, pattern, max);
  }

  /** The SQL of every cached statement (for EXPLAIN QUERY PLAN checks and debugging). */
  cachedSql(): { key: string; sql: string[] }[] {
    return [...this.statements.entries()].map(([key, q]) => ({ key, sql: q.sql() }));
  }

  policyMetadata(): PolicyMetadataResult {
    return { metadata: { resources: structuredClone(this.policy.metadata) } };
  }

  factCount(): number {
    return Number(readMeta(this.db, 'fact_count') ?? 0);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    openEngines -= 1;
    for (const s of [...this.statements.values(), ...this.retired]) s.free();
    this.statements.clear();
    this.retired.length = 0;
    this.ctx.close();
    this.interner.close();
    this.db.close();
  }
}

/**
 * Creates the engine over a snapshot database (built by `buildDatabase` or opened from bytes).
 * The engine owns the database: `close()` closes it.
 */
export function createEngine(
  sql: SqlJsStatic,
  db: Database,
  policy: Policy,
  options: EngineOptions = {},
): SqlEngine {
  return new SqlEngine(sql, db, policy, options);
}
