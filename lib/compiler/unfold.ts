import { DomainError } from '../errors.ts';
import type { Literal, Rule, Term } from '../polar/ast.ts';
import { type ChainRule, chainRule, isFilter } from './chain.ts';
import { keptAtoms } from './implied.ts';
import { type AtomRef, type CallGoal, type Cond, INTEGER_CODE, State, type T } from './state.ts';
import type { Catalog } from './types.ts';
import { splitWildTests, testedVars, type WildColumns } from './wild.ts';

/** A goal still to be solved in one conjunctive query. */
export type Goal =
  | { k: 'call'; goal: CallGoal }
  | { k: 'not'; goal: CallGoal }
  | { k: 'eq'; a: T; b: T }
  | { k: 'cmp'; op: '!=' | '<' | '<=' | '>' | '>='; a: T; b: T }
  | { k: 'in'; a: T; list: T[] }
  | { k: 'isa'; t: T; codes: number[] };

/** A call pattern evaluated as a (possibly recursive) relation of its free positions. */
export interface TabDef {
  id: number;
  key: string;
  pred: string;
  /** Per argument: a bound term (constant or parameter) or the index of a free column. */
  template: ({ bound: T } | { free: number })[];
  freeCodes: (number[] | null)[];
  cqs?: CQ[];
  /** Set for the closure of a chain rule from a bound start (one column: the values reached in 1+ steps). */
  closure?: { chain: ChainRule; start: T; plus?: string; reflexive: boolean };
  /** Free column `free` holds only values of column `col` of the tabled relation `key`. */
  demand?: { free: number; key: string; col: number };
}

/** Thrown when a call pattern repeats among its ancestors: the compile restarts with it tabled. */
export class RecursionSignal {
  constructor(readonly def: TabDef) {}
}

/** A negated goal with the sub-queries that must all be empty. */
export interface Negation {
  subs: CQ[];
}

/** A finished conjunctive query with its aliases and variable occurrences. */
export interface CQ {
  s: State;
  outs: T[];
  aliases: string[];
  /** root variable -> column expressions (with the tabled pattern and column when from a relation) */
  occ: Map<string, { expr: string; tab?: { key: string; col: number }; codes: number[] | null }[]>;
  /** Arguments of atoms that are not variables: column must equal the term. */
  fixed: { expr: string; tab?: { key: string; col: number }; t: T }[];
  negs: Negation[];
  /** Root variables read by negated sub-queries. */
  negVars: Set<string>;
}

const MAX_DEPTH = 100;

/** Calls to predicates named with this prefix are always evaluated as relations (see `compileQuery`). */
export const TABLED_PREFIX = '\u0000tabled';

/** Query-directed unfolding of rules into conjunctive queries. */
export class Unfolder {
  cqCount = 0;
  /** True once some query ranges a filtered wildcard over the known values. */
  enumerates = false;
  private fresh = 0;
  private readonly chainCache = new Map<string, Map<number, ChainRule>>();

  constructor(
    private readonly catalog: Catalog,
    readonly tabled: Map<string, TabDef>,
    private readonly maxCqs: number,
    /** Wildcard columns a tested variable must not take a wildcard from (see `wildTests`). Default none. */
    private readonly wild: WildColumns = new Map(),
  ) {}

  /** Unfolds goals from a state; calls emit for every finished conjunctive query. */
  solve(s: State, goals: readonly Goal[], emit: (s: State) => void): void {
    if (goals.length === 0) {
      emit(s);
      return;
    }
    const [g, ...rest] = goals as [Goal, ...Goal[]];
    switch (g.k) {
      case 'isa':
        if (s.isa(g.t, g.codes)) this.solve(s, rest, emit);
        return;
      case 'eq':
        if (s.unify(g.a, g.b)) this.solve(s, rest, emit);
        return;
      case 'cmp':
        s.conds.push({ k: 'cmp', op: g.op, a: g.a, b: g.b });
        this.solve(s, rest, emit);
        return;
      case 'not':
        s.conds.push({ k: 'not', goal: g.goal });
        this.solve(s, rest, emit);
        return;
      case 'in':
        for (const el of g.list) {
          const s2 = s.clone();
          if (s2.unify(g.a, el)) this.solve(s2, rest, emit);
        }
        return;
      case 'call':
        this.call(s, g.goal, rest, emit);
        return;
      default: {
        const never: never = g;
        throw new Error(`unknown goal ${JSON.stringify(never)}`);
      }
    }
  }

  private call(s: State, goal: CallGoal, rest: readonly Goal[], emit: (s: State) => void): void {
    const args = goal.args.map((a) => s.deref(a));
    const base = patternKey(s, goal.pred, args) + this.walkSuffix(s, goal.pred, args);
    const demand = this.demandOf(s, args, base);
    const key = demand === undefined ? base : `${base}~d${demand.pos}:${demand.key}#${demand.col}`;
    const def = this.tabled.get(key);
    if (def !== undefined) {
      const free: T[] = [];
      args.forEach((a, i) => {
        const tp = def.template[i];
        if (tp !== undefined && 'free' in tp && free[tp.free] === undefined) free[tp.free] = a;
      });
      for (let i = 0; i < free.length; i++) {
        const a = free[i]!;
        if (a.k === 'v' && !s.narrow(a.n, def.freeCodes[i] ?? null)) return;
      }
      s.atoms.push({ src: { k: 'tab', key }, args: free });
      this.solve(s, rest, emit);
      return;
    }
    if (goal.stack.includes(key) || goal.pred.startsWith(TABLED_PREFIX)) {
      const made = makeDef(this.tabled.size + 1, key, goal.pred, s, args);
      if (demand !== undefined) {
        const tp = made.template[demand.pos];
        if (tp !== undefined && 'free' in tp)
          made.demand = { free: tp.free, key: demand.key, col: demand.col };
      }
      throw new RecursionSignal(made);
    }
    if (goal.stack.length > MAX_DEPTH) {
      throw new DomainError('query-too-expensive', `rule unfolding deeper than ${MAX_DEPTH} at ${goal.pred}`);
    }
    this.expand(s, { pred: goal.pred, args, stack: [...goal.stack, key] }, rest, emit);
  }

  /** The options of a call: its stored facts and each rule with a unifiable head. */
  expand(
    s: State,
    goal: CallGoal,
    rest: readonly Goal[],
    emit: (s: State) => void,
    skip0: ReadonlySet<number> = new Set(),
  ): void {
    let skip = skip0;
    const { pred, args } = goal;
    const chains = this.chains(pred, args.length);
    for (const [k, chain] of chains) {
      if (skip.has(k)) continue;
      const a = s.deref(args[k]!);
      if (a.k === 'v' && s.walked.has(walkMark(a.n, pred, args.length, k)) && isPrivate(s, a.n, rest)) {
        // nothing else reads the walked value: walking on from it adds nothing the outer walk has not
        skip = new Set([...skip, k]);
        continue;
      }
      const from = this.walkStart(s, pred, args, chain);
      if (from === undefined) continue;
      this.walk(s, goal, chain, from, rest, emit, skip);
      return;
    }
    const stored = this.catalog.table(pred, args.length);
    const at = stored?.parts === undefined ? undefined : s.deref(args[stored.parts.col]!);
    // a predicate stored per constant: a constant argument reads its part (the others read the view)
    const part = at?.k === 'c' ? stored?.parts?.byConst.get(at.id) : undefined;
    const table = at?.k === 'c' && stored?.parts !== undefined ? (part ?? stored.parts.other) : stored;
    // a part holds its constant in every row (no test on it is printed)
    const fixed = part !== undefined && at?.k === 'c' ? { col: stored!.parts!.col, id: at.id } : undefined;
    if (table !== undefined) {
      const s2 = s.clone();
      if (edbTypesFit(s2, args, table.types)) {
        s2.atoms.push({
          src: { k: 'edb', tbl: table.tbl, types: table.types, key: table.key, rows: table.rows, fixed },
          args,
        });
        this.solve(s2, rest, emit);
      }
    }
    for (const rule of this.catalog.rules(pred, args.length)) {
      const c = chainRule(rule);
      if (c !== null && skip.has(c.k) && chains.get(c.k) === c) continue;
      const s2 = s.clone();
      const { head, body } = this.rename(rule, goal.stack);
      if (head.every((h, i) => s2.unify(h, args[i]!))) this.solve(s2, [...body, ...rest], emit);
    }
  }

  /**
   * Where a walk on position k starts: a bound value (closure from it), or a variable that already
   * holds a value reached from some start (pairs from that start), else undefined.
   */
  private walkStart(
    s: State,
    pred: string,
    args: T[],
    chain: ChainRule,
  ): { start: T & { k: 'c' | 'p' } } | { from: string; start: string } | undefined {
    const a = s.deref(args[chain.k]!);
    if (a.k === 'v') {
      const start = s.walked.get(walkMark(a.n, pred, args.length, chain.k));
      return start === undefined ? undefined : { from: a.n, start };
    }
    if (a.k !== 'c' && a.k !== 'p') return undefined;
    const inCodes = chain.inTypes?.map((t) => this.catalog.typeCode(t)) ?? null;
    return inCodes === null || inCodes.includes(a.code) ? { start: a } : undefined;
  }

  /** Extra pattern-key text for calls whose walked positions hold walked values. */
  walkSuffix(s: State, pred: string, args: T[]): string {
    let out = '';
    for (const [k] of this.chains(pred, args.length)) {
      const a = s.deref(args[k]!);
      const start = a.k === 'v' ? s.walked.get(walkMark(a.n, pred, args.length, k)) : undefined;
      if (start !== undefined) out += `~${k}:${start}`;
    }
    return out;
  }

  /**
   * A free argument already joined to a relation computed from a parameter (a demand-driven
   * relation): a relation tabled for this call may be restricted to that relation's values.
   */
  private demandOf(s: State, args: T[], base: string): { pos: number; key: string; col: number } | undefined {
    for (let pos = 0; pos < args.length; pos++) {
      const a = args[pos]!;
      if (a.k !== 'v') continue;
      for (const at of s.atoms) {
        if (at.src.k !== 'tab' || at.src.key === base || at.src.key.startsWith(`${base}~`)) continue;
        const d = this.tabled.get(at.src.key);
        if (d === undefined || d.demand !== undefined) continue;
        if (d.closure === undefined && !d.template.some((t) => 'bound' in t && t.bound.k === 'p')) continue;
        const col = at.args.findIndex((t) => {
          const x = s.deref(t);
          return x.k === 'v' && x.n === a.n;
        });
        if (col !== -1) return { pos, key: at.src.key, col };
      }
    }
    return undefined;
  }

  /** Chain rules of a predicate by walked position (positions with exactly one chain rule). */
  private chains(pred: string, arity: number): Map<number, ChainRule> {
    const key = `${pred}/${arity}`;
    let m = this.chainCache.get(key);
    if (m === undefined) {
      const byK = new Map<number, ChainRule[]>();
      for (const r of this.catalog.rules(pred, arity)) {
        const c = chainRule(r);
        if (c !== null) byK.set(c.k, [...(byK.get(c.k) ?? []), c]);
      }
      m = new Map([...byK].filter(([, cs]) => cs.length === 1).map(([k, cs]) => [k, cs[0]!]));
      this.chainCache.set(key, m);
    }
    return m;
  }

  /**
   * A call whose walked position k holds a start value: the non-chain options there, or at any r
   * reached from it in one or more steps (a recursive CTE) with the chain rule's filters on the others.
   */
  private walk(
    s: State,
    goal: CallGoal,
    chain: ChainRule,
    from: { start: T & { k: 'c' | 'p' } } | { from: string; start: string },
    rest: readonly Goal[],
    emit: (s: State) => void,
    skip: ReadonlySet<number>,
  ): void {
    const { pred, args } = goal;
    const k = chain.k;
    const inner = new Set([...skip, k]);
    const filters = chain.rule.body.flatMap((l, i) => {
      if (!isFilter(chain, i) || l.kind !== 'isa') return [];
      const pos = chain.rule.head.args.findIndex((a) => a.kind === 'var' && a.name === l.var);
      return [{ t: args[pos]!, codes: l.types.map((t) => this.catalog.typeCode(t)) }];
    });
    // filters that hold statically let the start itself join the closure: one set of queries, not two
    const reflexive = !('from' in from) && filters.every((f) => staticIsa(s, f.t, f.codes));
    if (!reflexive) this.expand(s.clone(), goal, rest, emit, inner);
    const s2 = s.clone();
    for (const f of filters) if (!s2.isa(f.t, f.codes)) return;
    let closure: TabDef | undefined;
    if ('from' in from) {
      closure = this.tabled.get(from.start);
    } else {
      const st = from.start;
      const base = `${pred}/${args.length}@${k}(${st.k === 'c' ? `c${st.id}` : `p${st.slot}:${st.code}`})`;
      closure = this.closureDef(`${base}${reflexive ? '=' : '+'}`, chain, st, undefined, reflexive);
    }
    if (closure === undefined) return;
    const r: T = { k: 'v', n: `v${this.fresh++}_walk` };
    const codes = closure.freeCodes[0] ?? null;
    if (codes !== null && !s2.narrow(r.n, codes)) return;
    if ('from' in from) {
      const pairs = this.closureDef(`${closure.key}*`, chain, closure.closure!.start, closure, false);
      if (pairs === undefined) return;
      s2.atoms.push({ src: { k: 'tab', key: pairs.key }, args: [{ k: 'v', n: from.from }, r] });
    } else {
      s2.atoms.push({ src: { k: 'tab', key: closure.key }, args: [r] });
    }
    s2.walked.set(walkMark(r.n, pred, args.length, k), closure.key);
    s2.walkAt.set(r.n, { atoms: s2.atoms.length, conds: s2.conds.length, types: s2.varTypes(r.n) });
    this.expand(s2, { ...goal, args: args.map((a, i) => (i === k ? r : a)) }, rest, emit, inner);
  }

  /**
   * The (tabled) closure of a walk from a start (one column: values reached in 1+ steps, or 0+ when
   * reflexive), or the pairs of a closure (x, y): y reached from x in 1+ steps, x in the closure or the start.
   */
  private closureDef(
    key: string,
    chain: ChainRule,
    start: T,
    of: TabDef | undefined,
    reflexive: boolean,
  ): TabDef | undefined {
    let def = this.tabled.get(key);
    if (def === undefined) {
      const fresh: TabDef = {
        id: this.tabled.size + 1,
        key,
        pred: chain.rule.head.pred,
        template: [],
        freeCodes: of !== undefined ? [null, of.freeCodes[0]!] : [null],
        closure: { chain, start, plus: of?.key, reflexive },
      };
      const cqs = this.unfoldClosure(fresh);
      if (of === undefined) fresh.freeCodes = [outCodes(cqs, 0)];
      if (fresh.freeCodes[fresh.freeCodes.length - 1]?.length === 0) return undefined;
      this.tabled.set(key, fresh);
      def = fresh;
    }
    return def;
  }

  /**
   * The steps of a closure: from its start (or the start itself when reflexive) and from every value
   * reached. Pairs: from the start (unless the closure holds it), from the closure, from pairs.
   */
  private unfoldClosure(def: TabDef): CQ[] {
    const { chain, start, plus, reflexive } = def.closure!;
    const call = chain.rule.body[chain.call]! as { kind: 'call'; atom: { args: Term[] } };
    const stepRule: Rule = {
      ...chain.rule,
      head: { pred: chain.rule.head.pred, args: [...chain.rule.head.args, call.atom.args[chain.k]!] },
      body: chain.rule.body.filter((_, i) => i !== chain.call && !isFilter(chain, i)),
    };
    const ofReflexive = plus !== undefined && this.tabled.get(plus)?.closure?.reflexive === true;
    const sources: ('start' | 'plus' | 'self')[] =
      plus === undefined
        ? reflexive
          ? ['self']
          : ['start', 'self']
        : ofReflexive
          ? ['plus', 'self']
          : ['start', 'plus', 'self'];
    const out: CQ[] = [];
    if (reflexive) out.push(...this.unfold(new State(), [], [start]));
    for (const src of sources) {
      const s = new State();
      let x: T = start;
      let from: T = start;
      const codes = def.freeCodes[def.freeCodes.length - 1] ?? null;
      if (src === 'plus') {
        x = from = { k: 'v', n: `m${def.id}_x` };
        if (codes !== null) s.types.set(x.n, [...codes]);
        s.atoms.push({ src: { k: 'tab', key: plus! }, args: [x] });
      } else if (src === 'self') {
        from = { k: 'v', n: `m${def.id}_y` };
        if (codes !== null) s.types.set(from.n, [...codes]);
        if (plus !== undefined) {
          x = { k: 'v', n: `m${def.id}_x` };
          if (codes !== null) s.types.set(x.n, [...codes]);
        }
        s.atoms.push({ src: { k: 'tab', key: def.key }, args: plus === undefined ? [from] : [x, from] });
      }
      const { head, body } = this.rename(stepRule, [def.key]);
      const w = head[head.length - 1]!;
      if (!s.unify(head[chain.k]!, from)) continue;
      out.push(...this.unfold(s, body, plus === undefined ? [w] : [x, w]));
    }
    return out;
  }

  private rename(rule: Rule, stack: readonly string[]): { head: T[]; body: Goal[] } {
    const names = new Map<string, T>();
    const term = (t: Term): T => {
      switch (t.kind) {
        case 'var': {
          let v = names.get(t.name);
          if (v === undefined) {
            v = { k: 'v', n: `v${this.fresh++}_${t.name}` };
            names.set(t.name, v);
          }
          return v;
        }
        case 'value':
          return {
            k: 'c',
            id: this.catalog.constId(t.value),
            code: this.catalog.typeCode(t.value.type),
            value: t.value,
          };
        case 'now':
          return { k: 'now' };
        default: {
          const never: never = t;
          throw new Error(`unknown term ${JSON.stringify(never)}`);
        }
      }
    };
    const head = rule.head.args.map(term);
    const rank = (l: Literal): number =>
      l.kind === 'isa'
        ? 0
        : l.kind === 'cmp' && l.op === '='
          ? 1
          : l.kind === 'in'
            ? 2
            : l.kind === 'call'
              ? 3
              : 4;
    const body = [...rule.body]
      .sort((a, b) => rank(a) - rank(b))
      .map((l): Goal => {
        switch (l.kind) {
          case 'isa':
            return {
              k: 'isa',
              t: term({ kind: 'var', name: l.var }),
              codes: l.types.map((n) => this.catalog.typeCode(n)),
            };
          case 'cmp':
            return l.op === '='
              ? { k: 'eq', a: term(l.left), b: term(l.right) }
              : { k: 'cmp', op: l.op, a: term(l.left), b: term(l.right) };
          case 'in':
            return { k: 'in', a: term(l.left), list: l.list.map(term) };
          case 'call':
            return { k: 'call', goal: { pred: l.atom.pred, args: l.atom.args.map(term), stack } };
          case 'not':
            return { k: 'not', goal: { pred: l.atom.pred, args: l.atom.args.map(term), stack } };
          default: {
            const never: never = l;
            throw new Error(`unknown literal ${JSON.stringify(never)}`);
          }
        }
      });
    return { head, body };
  }

  /** Unfolds goals from a fresh or given state into finished conjunctive queries. */
  unfold(s: State, goals: Goal[], outs: T[], depth = 0): CQ[] {
    const out: CQ[] = [];
    this.solve(s, goals, (done) => {
      if (++this.cqCount > this.maxCqs) {
        throw new DomainError(
          'query-too-expensive',
          `query needs more than ${this.maxCqs} conjunctive queries`,
        );
      }
      out.push(...this.finishAll(done, outs, depth));
    });
    return out;
  }

  /** Unfolds the definition of a tabled pattern (its free positions are the outputs). */
  unfoldDef(def: TabDef): CQ[] {
    if (def.closure !== undefined) return this.unfoldClosure(def);
    const s = new State();
    const free = def.freeCodes.map((codes, i): T => {
      const n = `f${def.id}_${i}`;
      if (codes !== null) s.types.set(n, [...codes]);
      return { k: 'v', n };
    });
    const args = def.template.map((tp) => ('bound' in tp ? tp.bound : free[tp.free]!));
    if (def.demand !== undefined) {
      // only the values the callers can join with: the column of a relation computed from a parameter
      const d = this.tabled.get(def.demand.key)!;
      const cols = Array.from(
        { length: Math.max(1, d.freeCodes.length) },
        (_, i): T => (i === def.demand!.col ? free[def.demand!.free]! : { k: 'v', n: `d${def.id}_${i}` }),
      );
      s.atoms.push({ src: { k: 'tab', key: d.key }, args: cols });
    }
    const out: CQ[] = [];
    this.expand(s, { pred: def.pred, args, stack: [def.key] }, [], (done) => {
      if (++this.cqCount > this.maxCqs) {
        throw new DomainError(
          'query-too-expensive',
          `query needs more than ${this.maxCqs} conjunctive queries`,
        );
      }
      out.push(...this.finishAll(done, free, 0));
    });
    return out;
  }

  /**
   * A variable no atom binds is a wildcard ("any value"); when a negation or comparison must test
   * it, "any value except some" is not a wildcard, so it ranges over the known values instead.
   */
  private enumerateFilteredWildcards(s: State): void {
    const bound = new Set<string>();
    for (const a of s.atoms) {
      for (const t of a.args) {
        const d = s.deref(t);
        if (d.k === 'v') bound.add(d.n);
      }
    }
    const tested = [...testedVars(s)].filter((n) => !bound.has(n));
    if (tested.length > 0) this.enumerates = true;
    for (const n of tested) s.atoms.push({ src: { k: 'vals', codes: s.varTypes(n) }, args: [{ k: 'v', n }] });
  }

  /** The finished queries of a solved state: tested wildcards range over the known values. */
  private finishAll(s: State, outs: T[], depth: number): CQ[] {
    this.enumerateFilteredWildcards(s);
    const split = splitWildTests(s, this.wild);
    if (split === undefined) return [this.finish(s, outs, depth)];
    this.enumerates = true;
    return split.map((x) => this.finish(x, outs, depth));
  }

  /** Assigns aliases, collects variable occurrences and unfolds negations as sub-queries. */
  private finish(s: State, outs: T[], depth: number): CQ {
    const total = this.catalog.total?.bind(this.catalog);
    if (total !== undefined) s.atoms = keptAtoms(s, outs, total);
    // aliases are numbered per query and nesting depth, so equal queries print equal SQL
    const aliases = s.atoms.map((_, i) => `t${depth}_${i}`);
    const occ: CQ['occ'] = new Map();
    const fixed: CQ['fixed'] = [];
    s.atoms.forEach((a, i) => {
      const al = aliases[i]!;
      a.args.forEach((arg, j) => {
        const { expr, tab, codes } = column(a, al, j);
        const t = s.deref(arg);
        // a split predicate's part holds its constant in every row: nothing to test
        if (a.src.k === 'edb' && a.src.fixed?.col === j) return;
        if (t.k === 'v') {
          const list = occ.get(t.n) ?? [];
          list.push({ expr, tab, codes });
          occ.set(t.n, list);
        } else {
          fixed.push({ expr, tab, t });
        }
      });
    });
    const negs: Negation[] = [];
    const negVars = new Set<string>();
    for (const c of s.conds) {
      if (c.k !== 'not') continue;
      for (const a of c.goal.args) {
        const t = s.deref(a);
        if (t.k === 'v') negVars.add(t.n);
      }
      const sub = s.clone();
      sub.atoms = [];
      sub.conds = [];
      for (const [n, list] of occ) {
        // a column that holds no wildcard: a negation must test the value the query joins on
        const first =
          list.find((o) => o.tab === undefined) ??
          list.find((o) => !(this.wild.get(o.tab!.key)?.[o.tab!.col] ?? false)) ??
          list[0]!;
        sub.bind.set(n, { k: 'x', sql: first.expr, codes: s.varTypes(n) });
      }
      const subs = this.unfold(sub, [{ k: 'call', goal: c.goal }], [], depth + 1);
      negs.push({ subs });
    }
    return { s, outs, aliases, occ, fixed, negs, negVars };
  }
}

/** The SQL expression of column j of an atom, its tabled origin and the types it may hold. */
function column(
  a: AtomRef,
  alias: string,
  j: number,
): { expr: string; tab?: { key: string; col: number }; codes: number[] | null } {
  switch (a.src.k) {
    case 'edb':
      return { expr: `${alias}.a${j}`, codes: a.src.types[j] ?? null };
    case 'tab':
      return { expr: `${alias}.c${j}`, tab: { key: a.src.key, col: j }, codes: null };
    case 'set':
      return { expr: `${alias}.value`, codes: [a.src.code] };
    case 'vals':
      return { expr: `${alias}.id`, codes: null };
    default: {
      const never: never = a.src;
      throw new Error(`unknown source ${JSON.stringify(never)}`);
    }
  }
}

/** A type test that holds with no run-time check. */
function staticIsa(s: State, t0: T, codes: number[]): boolean {
  const t = s.deref(t0);
  if (t.k === 'c' || t.k === 'p') return codes.includes(t.code);
  if (t.k === 'v') return s.varTypes(t.n)?.every((c) => codes.includes(c)) ?? false;
  return false;
}

/** Outputs of queries, definitions and closures: a walked value bound to one is not private. */
const OUTPUT_VAR = /^(q_|f\d+_|m\d+_)/;

/**
 * True when a walked variable is read by nothing added since its walk (no atom, condition, type
 * narrowing, pending goal or output), so only its existence matters.
 */
function isPrivate(s: State, n: string, rest: readonly Goal[]): boolean {
  const at = s.walkAt.get(n);
  if (at === undefined) return false;
  const is = (t: T) => {
    const d = s.deref(t);
    return d.k === 'v' && d.n === n;
  };
  const types = s.varTypes(n);
  if (at.types !== null && (types === null || types.length !== at.types.length)) return false;
  if (at.types === null && types !== null) return false;
  for (const a of s.atoms.slice(at.atoms)) if (a.args.some(is)) return false;
  for (const c of s.conds.slice(at.conds)) {
    const terms = c.k === 'not' ? c.goal.args : c.k === 'isa' ? [c.t] : [c.a, c.b];
    if (terms.some(is)) return false;
  }
  for (const g of rest) {
    const terms =
      g.k === 'call' || g.k === 'not'
        ? g.goal.args
        : g.k === 'isa'
          ? [g.t]
          : g.k === 'in'
            ? [g.a, ...g.list]
            : [g.a, g.b];
    if (terms.some(is)) return false;
  }
  for (const v of s.bind.keys()) if (OUTPUT_VAR.test(v) && is({ k: 'v', n: v })) return false;
  return true;
}

function walkMark(n: string, pred: string, arity: number, k: number): string {
  return `${n}|${pred}/${arity}@${k}`;
}

/** Types a closure column may hold: the union of its steps' output types (null: any). */
function outCodes(cqs: CQ[], col: number): number[] | null {
  const out = new Set<number>();
  for (const cq of cqs) {
    const t = cq.s.deref(cq.outs[col]!);
    const codes = t.k === 'v' ? cq.s.varTypes(t.n) : t.k === 'c' || t.k === 'p' ? [t.code] : null;
    if (codes === null) return null;
    for (const c of codes) out.add(c);
  }
  return [...out].sort((a, b) => a - b);
}

function edbTypesFit(s: State, args: T[], types: (number[] | null)[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const codes = types[i] ?? null;
    if (codes === null) continue;
    const a = s.deref(args[i]!);
    switch (a.k) {
      case 'v':
        if (!s.narrow(a.n, codes)) return false;
        break;
      case 'c':
      case 'p':
        if (!codes.includes(a.code)) return false;
        break;
      case 'x':
        if (a.codes !== null && !a.codes.some((c) => codes.includes(c))) return false;
        break;
      case 'now':
        if (!codes.includes(INTEGER_CODE)) return false;
        break;
      default: {
        const never: never = a;
        throw new Error(`unknown term ${JSON.stringify(never)}`);
      }
    }
  }
  return true;
}

/** The call pattern: predicate plus, per argument, a bound term or a free variable with its types. */
export function patternKey(s: State, pred: string, args: T[]): string {
  const seen = new Map<string, number>();
  const parts = args.map((a, i) => {
    switch (a.k) {
      case 'c':
        return `c${a.id}`;
      case 'p':
        return `p${a.slot}:${a.code}`;
      case 'now':
        return 'n';
      case 'x':
        return `x${a.codes?.join('.') ?? '*'}`;
      case 'v': {
        const first = seen.get(a.n);
        if (first !== undefined) return `=${first}`;
        seen.set(a.n, i);
        return `v${s.varTypes(a.n)?.join('.') ?? '*'}`;
      }
      default: {
        const never: never = a;
        throw new Error(`unknown term ${JSON.stringify(never)}`);
      }
    }
  });
  return `${pred}/${args.length}(${parts.join(',')})`;
}

function makeDef(id: number, key: string, pred: string, s: State, args: T[]): TabDef {
  const template: TabDef['template'] = [];
  const freeCodes: (number[] | null)[] = [];
  const seen = new Map<string, number>();
  for (const a of args) {
    if (a.k === 'c' || a.k === 'p' || a.k === 'now') {
      template.push({ bound: a });
    } else if (a.k === 'v' && seen.has(a.n)) {
      template.push({ free: seen.get(a.n)! });
    } else {
      const idx = freeCodes.length;
      if (a.k === 'v') seen.set(a.n, idx);
      freeCodes.push(a.k === 'v' ? s.varTypes(a.n) : a.codes);
      template.push({ free: idx });
    }
  }
  return { id, key, pred, template, freeCodes };
}

export type { Cond };
