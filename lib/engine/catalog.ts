import type { Catalog, TableInfo, TableParts } from '../compiler/index.ts';
import type { Policy, Rule, Value } from '../polar/ast.ts';
import type { Interner } from './intern.ts';
import { type PartInfo, type PredInfo, type SplitInfo, STORED_BIT } from './schema.ts';

/** Extra column types a request's context facts bring, keyed `pred/arity`. */
export type ContextTypes = Map<string, Set<number>[]>;

/** The compiler's view of one database + policy (optionally widened by context facts). */
export class EngineCatalog implements Catalog {
  private readonly rulesBy = new Map<string, Rule[]>();
  private readonly preds = new Map<string, PredInfo>();

  constructor(
    private readonly interner: Interner,
    policy: Policy,
    preds: PredInfo[],
    private readonly context?: ContextTypes,
    private readonly presence: ReadonlyMap<string, ReadonlyMap<number, number>> = new Map(),
    private readonly parts: ReadonlyMap<string, SplitInfo> = new Map(),
    private readonly totals: ReadonlyMap<string, ReadonlyMap<number, ReadonlySet<number>>> = new Map(),
    private readonly heavy?: number,
  ) {
    for (const r of policy.rules) {
      const k = `${r.head.pred}/${r.head.args.length}`;
      const list = this.rulesBy.get(k) ?? [];
      list.push(r);
      this.rulesBy.set(k, list);
    }
    for (const p of preds) this.preds.set(`${p.name}/${p.arity}`, p);
  }

  /** The same catalog with a request's context fact types added. */
  withContext(context: ContextTypes): EngineCatalog {
    const c = Object.create(EngineCatalog.prototype) as EngineCatalog;
    Object.assign(c, this, { context });
    return c;
  }

  pred(pred: string, arity: number): PredInfo | undefined {
    return this.preds.get(`${pred}/${arity}`);
  }

  allPreds(): PredInfo[] {
    return [...this.preds.values()];
  }

  typeCode(name: string): number {
    return this.interner.typeCode(name);
  }

  constId(v: Value): number {
    return this.interner.constId(v);
  }

  table(pred: string, arity: number): (TableInfo & { parts?: TableParts }) | undefined {
    const p = this.preds.get(`${pred}/${arity}`);
    if (p === undefined) return undefined;
    const extra = this.context?.get(`${pred}/${arity}`);
    const widen = (stored: number[][]) =>
      stored.map((codes, i) => {
        const more = extra?.[i];
        return more === undefined ? codes : [...new Set([...codes, ...more])].sort((a, b) => a - b);
      });
    const types = widen(p.types);
    // an empty stored table (and no context rows) can never match
    if (types.some((t) => t.length === 0)) return undefined;
    const split = this.parts.get(p.tbl);
    if (split === undefined) return { tbl: p.tbl, types, key: p.key, rows: p.rows };
    // a part's primary key is its stored columns (the split column is generated); an empty part never matches
    const part = (x: PartInfo, key: number[]): TableInfo => {
      const t = widen(x.types);
      return { tbl: x.tbl, types: t.some((c) => c.length === 0) ? t.map(() => []) : t, key, rows: x.rows };
    };
    const stored = [...Array(arity).keys()].filter((i) => i !== split.col);
    const byConst = new Map([...split.byConst].map(([id, x]) => [id, part(x, stored)]));
    const parts: TableParts = { col: split.col, byConst, other: part(split.other, [...stored, split.col]) };
    return { tbl: p.tbl, types, key: p.key, rows: p.rows, parts };
  }

  /** The presence bit of every stored value; none with context facts (they may name any value). */
  storedBit(): number | undefined {
    return this.context === undefined ? STORED_BIT : undefined;
  }

  /**
   * The presence bit of values with many rows where a fact table's key starts; none with context facts
   * (their rows are not counted).
   */
  heavyBit(): number | undefined {
    return this.context === undefined ? this.heavy : undefined;
  }

  /** Presence bit of a stored column; none with context facts (their rows are not recorded). */
  presenceBit(tbl: string, col: number): number | undefined {
    return this.context === undefined ? this.presence.get(tbl)?.get(col) : undefined;
  }

  /** The types of which a stored column holds every stored value; none with context facts (they add rows). */
  total(tbl: string, col: number): ReadonlySet<number> | undefined {
    return this.context === undefined ? this.totals.get(tbl)?.get(col) : undefined;
  }

  rules(pred: string, arity: number): readonly Rule[] {
    return this.rulesBy.get(`${pred}/${arity}`) ?? [];
  }
}
