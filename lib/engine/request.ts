import type { Database, Statement } from 'sql.js';
import { DomainError } from '../errors.ts';
import type { Fact } from '../polar/ast.ts';
import type { ContextTypes, EngineCatalog } from './catalog.ts';
import { Interner, TempIds } from './intern.ts';
import { TYPE_SPAN } from './schema.ts';

/** Per-request state: temporary ids, and the catalog/signature widened by context facts. */
export interface RequestScope {
  temps: TempIds;
  catalog: EngineCatalog;
  /** '' without context facts; otherwise part of every statement cache key. */
  sig: string;
}

/** Context facts as interned rows, ready to insert for the duration of one request. */
interface ContextRows {
  rows: { tbl: string; arity: number; ids: number[] }[];
}

/** Puts context facts into the fact tables inside a SAVEPOINT and rolls them back afterwards. */
export class ContextWriter {
  private readonly inserts = new Map<string, Statement>();
  private readonly insVal: Statement;
  private shared = new TempIds(Interner.REQUEST_TEMP_START);

  constructor(
    private readonly db: Database,
    private readonly interner: Interner,
    private readonly maxContextFacts: number,
  ) {
    this.insVal = db.prepare(
      `INSERT OR IGNORE INTO vals(id, key, num) VALUES (?1, ?2, CASE WHEN ?1 BETWEEN ${2 * TYPE_SPAN} AND ${
        3 * TYPE_SPAN - 1
      } THEN CAST(?2 AS INTEGER) END)`,
    );
  }

  /** The temporary ids of requests without context facts (nothing is written for them). */
  sharedTemps(): TempIds {
    if (this.shared.byId.size > 10_000) this.shared = new TempIds(Interner.REQUEST_TEMP_START);
    return this.shared;
  }

  /** Interns the context facts (before anything is written) and returns the request scope. */
  scope(
    catalog: EngineCatalog,
    facts: Fact[] | undefined,
  ): { scope: RequestScope; ctx: ContextRows | undefined } {
    if (facts === undefined || facts.length === 0) {
      // without context nothing is written, so one shared map of temporary ids is enough
      return { scope: { temps: this.sharedTemps(), catalog, sig: '' }, ctx: undefined };
    }
    const temps = new TempIds(Interner.REQUEST_TEMP_START);
    if (!Array.isArray(facts)) throw new DomainError('bad-request', 'context facts must be an array');
    if (facts.length > this.maxContextFacts) {
      throw new DomainError(
        'payload-too-large',
        `too many context facts (${facts.length} > ${this.maxContextFacts})`,
      );
    }
    const types: ContextTypes = new Map();
    const rows: ContextRows['rows'] = [];
    for (const f of facts) {
      if (typeof f?.predicate !== 'string' || !Array.isArray(f.args)) {
        throw new DomainError('bad-request', `malformed context fact ${JSON.stringify(f)}`);
      }
      const ids = f.args.map((v) => this.interner.requestId(v, temps));
      const p = catalog.pred(f.predicate, f.args.length);
      // the policy never reads a predicate without a table, so such facts cannot change an answer
      if (p === undefined) continue;
      const k = `${f.predicate}/${f.args.length}`;
      const cols = types.get(k) ?? f.args.map(() => new Set<number>());
      ids.forEach((id, i) => {
        cols[i]!.add(Math.floor(id / TYPE_SPAN));
      });
      types.set(k, cols);
      rows.push({ tbl: p.tbl, arity: f.args.length, ids });
    }
    const sig = JSON.stringify(
      [...types.entries()].sort().map(([k, cols]) => [k, cols.map((s) => [...s].sort())]),
    );
    return { scope: { temps, catalog: catalog.withContext(types), sig }, ctx: { rows } };
  }

  /** Runs fn with the context rows present; everything written is rolled back afterwards. */
  run<R>(scope: RequestScope, ctx: ContextRows | undefined, fn: () => R): R {
    if (ctx === undefined) return fn();
    this.db.exec('SAVEPOINT ctx');
    try {
      for (const [id, v] of [...scope.temps.byId, ...this.interner.constants.byId])
        this.insVal.run([id, v.id]);
      for (const r of ctx.rows) {
        let st = this.inserts.get(r.tbl);
        if (st === undefined) {
          st = this.db.prepare(`INSERT OR IGNORE INTO ${r.tbl} VALUES (${r.ids.map(() => '?').join(', ')})`);
          this.inserts.set(r.tbl, st);
        }
        st.run(r.ids);
      }
      return fn();
    } finally {
      this.db.exec('ROLLBACK TO ctx');
      this.db.exec('RELEASE ctx');
    }
  }

  close(): void {
    this.insVal.free();
    for (const s of this.inserts.values()) s.free();
  }
}
