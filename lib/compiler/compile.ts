import { DomainError } from '../errors.ts';
import type { Rule, Term } from '../polar/ast.ts';
import { type JoinFacts, joinArms, joinKeyed, joinPair } from './join.ts';
import { type Keyed, keyedArms } from './keyed.ts';
import { presenceBits, presenceUse, prunePresence } from './presence.ts';
import { type CqParts, mergeCqs, Printer, relationGuards, selectSql } from './print.ts';
import { State, type T } from './state.ts';
import type {
  Catalog,
  CompiledQuery,
  CompileOptions,
  FixpointGroup,
  ParamRef,
  QueryArg,
  QueryShape,
} from './types.ts';
import { type CQ, type Goal, RecursionSignal, TABLED_PREFIX, type TabDef, Unfolder } from './unfold.ts';
import { type WildColumns, wildColumns, wildTests } from './wild.ts';

const MAX_RESTARTS = 200;

/**
 * Compiles a query shape into SQL over the fact tables: rules are unfolded into conjunctive queries;
 * call patterns that recur become recursive CTEs (linear, self-recursive) or TEMP tables computed by
 * naive iteration (mutual or non-linear recursion).
 */
export function compileQuery(shape: QueryShape, catalog: Catalog, options: CompileOptions): CompiledQuery {
  try {
    return compileUnfolded(shape, catalog, options);
  } catch (e) {
    const blowup = e instanceof DomainError && e.code === 'query-too-expensive' && shape.atoms.length > 1;
    if (!blowup) throw e;
  }
  // unfolded together, the atoms multiply their conjunctive queries: evaluate each one as its own
  // relation (a CTE) and join the relations instead; they only add up
  const proxies = shape.atoms.map((a, i): Rule => {
    const vars = a.args.map((_, j): Term => ({ kind: 'var', name: `x${j}` }));
    const loc = { file: '', line: 0, column: 0 };
    return {
      head: { pred: `${TABLED_PREFIX}${i}`, args: vars },
      body: [{ kind: 'call', atom: { pred: a.pred, args: vars }, loc }],
      loc,
    };
  });
  const wrapped: Catalog = {
    typeCode: (n) => catalog.typeCode(n),
    constId: (v) => catalog.constId(v),
    table: (p, n) => (p.startsWith(TABLED_PREFIX) ? undefined : catalog.table(p, n)),
    presenceBit: catalog.presenceBit?.bind(catalog),
    storedBit: catalog.storedBit?.bind(catalog),
    heavyBit: catalog.heavyBit?.bind(catalog),
    total: catalog.total?.bind(catalog),
    rules: (p, n) => {
      if (!p.startsWith(TABLED_PREFIX)) return catalog.rules(p, n);
      const r = proxies[Number(p.slice(TABLED_PREFIX.length))];
      return r !== undefined && r.head.args.length === n ? [r] : [];
    },
  };
  const proxied = { ...shape, atoms: shape.atoms.map((a, i) => ({ ...a, pred: `${TABLED_PREFIX}${i}` })) };
  // these relations are specific to this query: keep them out of the shared pattern map
  const { recursivePatterns, ...rest } = options;
  return compileUnfolded(proxied, wrapped, { ...rest, recursivePatterns: new Map(recursivePatterns) });
}

function compileUnfolded(shape: QueryShape, catalog: Catalog, options: CompileOptions): CompiledQuery {
  const tabled = (options.recursivePatterns as Map<string, TabDef> | undefined) ?? new Map<string, TabDef>();
  let wild: WildColumns | undefined;
  for (let attempt = 0; attempt < MAX_RESTARTS; attempt++) {
    const u = new Unfolder(catalog, tabled, options.maxCqs ?? 4096, wild);
    try {
      const root = unfoldRoot(u, shape, catalog);
      const defs = new Map<string, TabDef>();
      const queue = [...refs(root)];
      while (queue.length > 0) {
        const key = queue.pop()!;
        if (defs.has(key)) continue;
        const def = tabled.get(key)!;
        defs.set(key, def);
        def.cqs = u.unfoldDef(def);
        queue.push(...refs(def.cqs));
      }
      // a negation or comparison tests a value that may come out of a relation as a wildcard:
      // unfold once more, knowing which columns, so the value ranges over the known ones there
      const tests = wild === undefined ? wildTests(root, defs) : undefined;
      if (tests !== undefined) {
        wild = tests;
        continue;
      }
      // the presence bit of a tracked column, or for any column the bit every stored value has
      const bits = presenceBits(catalog);
      const presence = bits ? presenceUse(root, defs, bits, shape.params.length) : shape.params.map(() => 0);
      const pruned =
        bits && options.present !== undefined
          ? prunePresence(root, defs, bits, options.present)
          : { root, defs };
      // a statement that reads two queries in one join depends on the bits that allowed it. Every
      // statement depends on the heavy bit: a variant compile trusts it, and the first compile (which
      // knows no bits) may not get as far as asking for it
      const heavy = catalog.heavyBit?.();
      const joinUse = shape.params.map(() => (heavy === undefined ? 0 : 1 << heavy));
      return {
        ...print(pruned.root, pruned.defs, u.cqCount, shape, options, (params) =>
          joinFacts(catalog, shape, options, params, joinUse),
        ),
        enumerates: u.enumerates,
        presence: presence.map((p, i) => p | (joinUse[i] ?? 0)),
      };
    } catch (e) {
      if (!(e instanceof RecursionSignal)) throw e;
      tabled.set(e.def.key, e.def);
      wild = undefined;
    }
  }
  throw new DomainError('query-too-expensive', 'too many recursive call patterns');
}

function unfoldRoot(u: Unfolder, shape: QueryShape, catalog: Catalog): CQ[] {
  const s = new State();
  const v = (name: string): T => ({ k: 'v', n: `q_${name}` });
  for (const [name, spec] of Object.entries(shape.vars)) {
    if (spec.types !== null)
      s.types.set(
        `q_${name}`,
        spec.types.map((t) => catalog.typeCode(t)),
      );
    if (spec.set !== undefined) {
      const code = catalog.typeCode(spec.types?.[0] ?? 'String');
      s.atoms.push({ src: { k: 'set', slot: spec.set, code }, args: [v(name)] });
    }
  }
  const arg = (a: QueryArg): T => {
    switch (a.kind) {
      case 'var':
        return v(a.name);
      case 'param':
        return { k: 'p', slot: a.slot, code: catalog.typeCode(shape.params[a.slot] ?? 'String') };
      case 'const':
        return { k: 'c', id: catalog.constId(a.value), code: catalog.typeCode(a.value.type), value: a.value };
      default: {
        const never: never = a;
        throw new Error(`unknown query argument ${JSON.stringify(never)}`);
      }
    }
  };
  const goals: Goal[] = shape.atoms.map((a) => ({
    k: 'call',
    goal: { pred: a.pred, args: a.args.map(arg), stack: [] },
  }));
  return u.unfold(s, goals, shape.outputs.map(v));
}

/** Tabled pattern keys read by conjunctive queries (atoms and negated sub-queries). */
function refs(cqs: CQ[]): Set<string> {
  const out = new Set<string>();
  const walk = (cq: CQ) => {
    for (const a of cq.s.atoms) if (a.src.k === 'tab') out.add(a.src.key);
    for (const n of cq.negs) n.subs.forEach(walk);
  };
  cqs.forEach(walk);
  return out;
}

function selfRefs(cq: CQ, key: string): { atoms: number; nested: boolean } {
  const atoms = cq.s.atoms.filter((a) => a.src.k === 'tab' && a.src.key === key).length;
  const nested = cq.negs.some((n) => n.subs.some((s) => refs([s]).has(key)));
  return { atoms, nested };
}

/** Strongly connected components, dependencies first (Tarjan). */
function sccs(defs: Map<string, TabDef>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let i = 0;
  const visit = (k: string) => {
    index.set(k, i);
    low.set(k, i++);
    stack.push(k);
    on.add(k);
    for (const n of refs(defs.get(k)!.cqs ?? [])) {
      if (!index.has(n)) {
        visit(n);
        low.set(k, Math.min(low.get(k)!, low.get(n)!));
      } else if (on.has(n)) {
        low.set(k, Math.min(low.get(k)!, index.get(n)!));
      }
    }
    if (low.get(k) === index.get(k)) {
      const comp: string[] = [];
      let n: string;
      do {
        n = stack.pop()!;
        on.delete(n);
        comp.push(n);
      } while (n !== k);
      out.push(comp);
    }
  };
  for (const k of defs.keys()) if (!index.has(k)) visit(k);
  return out;
}

function print(
  root: CQ[],
  defs: Map<string, TabDef>,
  cqCount: number,
  shape: QueryShape,
  o: CompileOptions,
  factsOf: (params: readonly ParamRef[]) => JoinFacts | undefined,
): Omit<CompiledQuery, 'enumerates' | 'presence'> {
  const wild = wildColumns(defs);
  const pr = new Printer(defs, wild);
  const facts = factsOf(pr.params);
  const extra = Array.from({ length: o.extraParams ?? 0 }, (_, index) => pr.param({ kind: 'extra', index }));
  const comps = sccs(defs);
  const recursive = (comp: string[]) =>
    comp.length > 1 || (defs.get(comp[0]!)!.cqs ?? []).some((cq) => refs([cq]).has(comp[0]!));
  const cteable =
    !o.forceNaive &&
    comps.every((comp) => {
      if (comp.length > 1) return false;
      const key = comp[0]!;
      return (defs.get(key)!.cqs ?? []).every((cq) => {
        const r = selfRefs(cq, key);
        return r.atoms <= 1 && !r.nested;
      });
    });
  const guards = new Map<number, string>();
  const defCols = (d: TabDef) => Array.from({ length: Math.max(1, d.freeCodes.length) }, (_, i) => `c${i}`);
  const defBody = (d: TabDef): string => {
    pr.ordered = d.demand !== undefined || d.template.some((t) => 'bound' in t && t.bound.k === 'p');
    const cqs = [...(d.cqs ?? [])].sort((a, b) => selfRefs(a, d.key).atoms - selfRefs(b, d.key).atoms);
    if (cqs.length === 0)
      return `SELECT ${defCols(d)
        .map((c) => `0 AS ${c}`)
        .join(', ')} WHERE 0`;
    const parts = cqs.map((cq) => pr.select(cq, pr.outputs(cq, 'c')));
    // a recursive relation is empty unless a base arm has a row: checks test that first (one seek)
    // instead of building the relation for every caller
    const base = cqs.filter((cq) => selfRefs(cq, d.key).atoms === 0).map((cq) => pr.select(cq, ['1']));
    if (
      base.length < cqs.length &&
      base.length > 0 &&
      base.every((b) => b.includes(' FROM ') && !b.includes('\u0001'))
    ) {
      guards.set(
        d.id,
        base.length === 1 ? `EXISTS(${base[0]})` : `(${base.map((b) => `EXISTS(${b})`).join(' OR ')})`,
      );
    }
    if (selfRefs(cqs[0]!, d.key).atoms > 0) {
      parts.unshift(
        `SELECT ${defCols(d)
          .map((c) => `0 AS ${c}`)
          .join(', ')} WHERE 0`,
      );
    }
    return unionArms(parts, cqs.filter((cq) => selfRefs(cq, d.key).atoms > 0).length);
  };
  const ctes: string[] = [];
  const tempDdl: string[] = [];
  const fixpoint: FixpointGroup[] = [];
  const names = new Map<number, string>();
  const pendingSteps: { group: FixpointGroup; tbl: string; body: string }[] = [];
  for (const comp of comps) {
    if (cteable) {
      const d = defs.get(comp[0]!)!;
      names.set(d.id, `r${d.id}`);
      ctes.push(`r${d.id}(${defCols(d).join(', ')}) AS (${defBody(d)})`);
      continue;
    }
    const group: FixpointGroup = { reset: [], steps: [], recursive: recursive(comp) };
    for (const key of comp) {
      const d = defs.get(key)!;
      const tbl = `${o.tempPrefix ?? 'q'}_r${d.id}`;
      names.set(d.id, `temp.${tbl}`);
      const cols = defCols(d).join(', ');
      tempDdl.push(`CREATE TEMP TABLE IF NOT EXISTS ${tbl}(${cols}, PRIMARY KEY(${cols})) WITHOUT ROWID`);
      group.reset.push(`DELETE FROM temp.${tbl}`);
      pendingSteps.push({ group, tbl, body: (d.cqs ?? []).length === 0 ? '' : defBody(d) });
    }
    fixpoint.push(group);
  }
  let body: string;
  let keyed: Keyed | undefined;
  pr.ordered = false;
  pr.root = true;
  if (o.mode === 'exists') {
    body = existsBody(
      mergeCqs(root.map((cq) => ({ ...pr.parts(cq), cols: ['1'] }))),
      cteable ? guards : new Map(),
      facts && ((a, b) => joinPair(a, b, facts)?.parts),
    );
  } else {
    const n = Math.max(1, shape.outputs.length);
    const merged = mergeCqs(root.map((cq) => ({ ...pr.parts(cq), cols: pr.outputs(cq, 'o') }))).map((c) =>
      cteable ? guardCtes(c, guards) : c,
    );
    body =
      root.length === 0
        ? `SELECT ${Array.from({ length: n }, (_, i) => `NULL AS o${i}`).join(', ')} WHERE 0`
        : o.ordered
          ? unionArms(
              merged.map((c) => selectSql(guarded(seekOutput(c)))),
              0,
              'UNION ALL',
            )
          : distinctArms(merged.map(guarded));
    const consts = merged.map((c) => ({
      parts: c,
      outs: c.cols.map((col) => Number(/^(\d+) AS o\d+$/.exec(col)?.[1] ?? Number.NaN)),
    }));
    // only when every query's outputs are constants (a wildcard output prints as a number too)
    if (
      root.length > 0 &&
      constantOutputs(root) !== undefined &&
      consts.every((c) => c.outs.every(Number.isSafeInteger))
    )
      keyed = keyedArms(
        consts,
        cteable ? guards : new Map(),
        guarded,
        facts && ((a, b) => joinKeyed(a, b, facts)),
      );
  }
  const subst = (sql: string) => sql.replace(/\u0001(\d+)\u0001/g, (_, id: string) => names.get(Number(id))!);
  const withClause = ctes.length > 0 ? `WITH RECURSIVE ${ctes.map(subst).join(',\n')}\n` : '';
  for (const s of pendingSteps) {
    if (s.body !== '') s.group.steps.push(`INSERT OR IGNORE INTO temp.${s.tbl} ${subst(s.body)}`);
  }
  return {
    with: withClause,
    body: subst(body),
    extra,
    params: pr.params,
    tempDdl,
    fixpoint,
    cqCount,
    wildOutputs: shape.outputs.map(() => true),
    constOutputs: constantOutputs(root),
    keyed:
      keyed === undefined
        ? undefined
        : {
            ...keyed,
            body: subst(keyed.body),
            residual:
              keyed.residual === undefined
                ? undefined
                : { test: keyed.residual.test, body: subst(keyed.residual.body) },
          },
  };
}

/**
 * What `joinPair` asks about a compile's parameters (`params`: how each `?N` is bound), answered from
 * `options.present` and recorded in `use` (per slot, the bits asked about); undefined when the database
 * does not record stored values, heavy values and total columns.
 */
function joinFacts(
  catalog: Catalog,
  shape: QueryShape,
  o: CompileOptions,
  params: readonly ParamRef[],
  use: number[],
): JoinFacts | undefined {
  const stored = catalog.storedBit?.();
  const heavy = catalog.heavyBit?.();
  const total = catalog.total?.bind(catalog);
  if (stored === undefined || heavy === undefined || total === undefined) return undefined;
  const slotOf = (p: string) => {
    const ref = params[Number(p.slice(1)) - 1];
    return ref?.kind === 'id' && ref.slot < shape.params.length ? ref.slot : undefined;
  };
  const has = (slot: number, bit: number) => {
    use[slot]! |= 1 << bit;
    return o.present !== undefined && ((o.present[slot] ?? 0) & (1 << bit)) !== 0;
  };
  return {
    stored: (p) => {
      const slot = slotOf(p);
      return slot !== undefined && has(slot, stored) ? [catalog.typeCode(shape.params[slot]!)] : undefined;
    },
    light: (p) => {
      const slot = slotOf(p);
      if (slot === undefined) return false;
      const isHeavy = has(slot, heavy);
      return o.present !== undefined && !isHeavy;
    },
    total,
  };
}

/** The distinct output rows when every query outputs constants only (ids), else undefined. */
function constantOutputs(root: CQ[]): number[][] | undefined {
  const rows = new Map<string, number[]>();
  for (const cq of root) {
    const row: number[] = [];
    for (const t0 of cq.outs) {
      const t = cq.s.deref(t0);
      if (t.k !== 'c') return undefined;
      row.push(t.id);
    }
    rows.set(row.join(','), row);
  }
  return [...rows.values()];
}

/** A UNION of the arms; a lone arm (possibly merged with IN) needs DISTINCT itself. */
function distinctArms(arms: CqParts[]): string {
  if (arms.length === 1) return selectSql(arms[0]!).replace(/^SELECT /, 'SELECT DISTINCT ');
  return unionArms(arms.map(selectSql));
}

/** SQLite refuses a compound SELECT of more than 500 arms (SQLITE_MAX_COMPOUND_SELECT). */
const MAX_ARMS = 400;

/**
 * Joins SELECTs with UNION, folding runs of arms into sub-selects when there are too many for one compound
 * SELECT; the last `keepTop` arms (those reading a recursive CTE) must stay at the top level.
 */
export function unionArms(parts: string[], keepTop = 0, op: 'UNION' | 'UNION ALL' = 'UNION'): string {
  const sep = `\n${op}\n`;
  if (parts.length <= MAX_ARMS) return parts.join(sep);
  const head = parts.slice(0, parts.length - keepTop);
  const chunks: string[] = [];
  for (let i = 0; i < head.length; i += MAX_ARMS) {
    chunks.push(`SELECT * FROM (${head.slice(i, i + MAX_ARMS).join(sep)})`);
  }
  const folded = chunks.length > MAX_ARMS ? [`SELECT * FROM (${unionArms(chunks, 0, op)})`] : chunks;
  return [...folded, ...parts.slice(parts.length - keepTop)].join(sep);
}

/**
 * Moves conditions that read no table of the query in front of the join: tested once on the one row of
 * `meta` (every snapshot has `meta.format`), so SQLite skips the scan when they fail. A one-row lookup by
 * primary key, unlike a sub-select, lets SQLite see that the arm's rows still come in index order.
 */
function guarded(c: CqParts): CqParts {
  const consts = c.where.filter((w) => !w.includes('t0_'));
  if (consts.length === 0 || c.from.length === 0) return c;
  return {
    ...c,
    from: [`meta g CROSS JOIN ${c.from[0]}`, ...c.from.slice(1)],
    where: [
      "g.key = 'format'",
      `(CASE WHEN ${consts.join(' AND ')} THEN g.key END) IS NOT NULL`,
      ...c.where.filter((w) => !consts.includes(w)),
    ],
  };
}

/**
 * Rows mode: a query that reads a recursive CTE also tests that the CTE can have a row (see `guards`),
 * with its own aliases so that `guarded` sees a test of parameters only and runs it before the join.
 */
function guardCtes(c: CqParts, guards: ReadonlyMap<number, string>): CqParts {
  const tests = relationGuards(c, guards).flatMap((g) =>
    g === undefined ? [] : [g.replace(/\bt(\d+)_(\d+)\b/g, 'g$1_$2')],
  );
  return tests.length === 0 ? c : { ...c, where: [...c.where, ...tests] };
}

const TYPE_RANGE = /^(t\d+_\d+\.a\d+) BETWEEN \d+ AND \d+$/;

const PARAM_SEEK = /^t\d+_\d+\.a\d+ = \?\d+$/;

/**
 * For answers read in id order (list pages): a type test on a column other than the output does not
 * choose the index (`+`), so SQLite can walk the output column's index in order and stop after a page
 * instead of sorting the whole answer. Not for a query that starts from a request value (the actor's own
 * roles): it has few rows, found by seeking that value and then sorted; walking the output index instead
 * would test every id of the type. (At 1M SQLite already chose the seek on its own; the plan test pins it
 * on a small data set, where it did not.)
 */
function seekOutput(c: CqParts): CqParts {
  if (c.where.some((w) => PARAM_SEEK.test(w))) return c;
  const outs = c.cols.map((col) => col.replace(/ AS o\d+$/, ''));
  return {
    ...c,
    where: c.where.map((w) => {
      const m = TYPE_RANGE.exec(w);
      return m !== null && !outs.includes(m[1]!) ? `+${w}` : w;
    }),
  };
}

/**
 * `EXISTS(cq1) OR EXISTS(cq2) ...`, with conditions every query shares (and that read no table of the query)
 * hoisted in front. Queries reading a recursive CTE come last, behind the test that the CTE can have a row
 * (`guards`, by relation id): SQLite would otherwise build the CTE on every call.
 */
function existsBody(
  cqs: CqParts[],
  guards: ReadonlyMap<number, string>,
  join?: (a: CqParts, b: CqParts) => CqParts | undefined,
): string {
  if (cqs.length === 0) return '0';
  const common = cqs[0]!.where.filter((w) => !w.includes('t0_') && cqs.every((c) => c.where.includes(w)));
  const plainCqs: CqParts[] = [];
  const behind = new Map<string, string[]>();
  for (const c0 of cqs) {
    const c = { ...c0, where: c0.where.filter((w) => !common.includes(w)) };
    const gs = relationGuards(c, guards).filter((g) => g !== undefined);
    if (gs.length === 0) plainCqs.push(c);
    else behind.set(gs.join(' AND '), [...(behind.get(gs.join(' AND ')) ?? []), `EXISTS(${selectSql(c)})`]);
  }
  const plain = factorArms(join ? joinArms(plainCqs, join) : plainCqs);
  const rest = [
    ...plain,
    ...[...behind].map(
      ([g, arms]) => `(${g} AND ${arms.length === 1 ? arms[0] : `(${arms.join('\nOR ')})`})`,
    ),
  ];
  const any = rest.length === 1 ? rest[0]! : `(${rest.join('\nOR ')})`;
  return common.length > 0 ? `${common.join(' AND ')} AND ${any}` : any;
}

const ALIASES = /\bt\d+_\d+\b/g;

/**
 * `EXISTS(cq)` per query, where queries that start from the same seek (same first table and alias, same
 * conditions on it, one of them a parameter) share it: `EXISTS(first WHERE own AND (EXISTS(rest1) OR ...))`.
 * An issue's repository is then looked up once for all the ways to reach it, not once per way.
 */
function factorArms(cqs: CqParts[], outer: ReadonlySet<string> = new Set()): string[] {
  const groups = new Map<string, { first: string; alias: string; own: string[]; rests: CqParts[] }>();
  const out: (string | { key: string })[] = [];
  for (const c of cqs) {
    const first = c.from[0];
    const alias = first === undefined ? undefined : /^f_\w+ (t\d+_\d+)$/.exec(first)?.[1];
    const own =
      alias === undefined
        ? []
        : c.where.filter((w) => {
            const as = new Set(w.match(ALIASES) ?? []);
            return as.has(alias) && [...as].every((a) => a === alias || outer.has(a));
          });
    // the first table must be a seek: a column equal to a parameter or to a value of the enclosing query
    const seek = new RegExp(`^${alias}\\.a\\d+ = (\\?\\d+|t\\d+_\\d+\\.\\w+)$`);
    if (alias === undefined || !own.some((w) => seek.test(w))) {
      out.push(`EXISTS(${selectSql(c)})`);
      continue;
    }
    const key = `${first}|${[...own].sort().join('|')}`;
    const rest = { ...c, from: c.from.slice(1), where: c.where.filter((w) => !own.includes(w)) };
    const g = groups.get(key);
    if (g === undefined) {
      groups.set(key, { first: first!, alias: alias!, own, rests: [rest] });
      out.push({ key });
    } else {
      g.rests.push(rest);
    }
  }
  return out.map((o) => {
    if (typeof o === 'string') return o;
    const g = groups.get(o.key)!;
    if (g.rests.length === 1) {
      const r = g.rests[0]!;
      return `EXISTS(${selectSql({ ...r, from: [g.first, ...r.from], where: [...g.own, ...r.where] })})`;
    }
    // a query with nothing left to join or test: the first seek alone proves it
    if (g.rests.some((r) => r.from.length === 0 && r.where.length === 0))
      return `EXISTS(${selectSql({ from: [g.first], where: g.own, cols: ['1'] })})`;
    const conds = g.rests.filter((r) => r.from.length === 0).map((r) => `(${r.where.join(' AND ')})`);
    const joins = factorArms(
      g.rests.filter((r) => r.from.length > 0),
      new Set([...outer, g.alias]),
    );
    return `EXISTS(SELECT 1 FROM ${g.first} WHERE ${g.own.join(' AND ')} AND (${[...joins, ...conds].join('\n  OR ')}))`;
  });
}

export type { CQ };
