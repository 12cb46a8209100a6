import type { State, T } from './state.ts';
// an id whose bits below its type code are all zero is a wildcard of that type
import { TYPE_SPAN as SPAN } from './types.ts';
import type { CQ, TabDef } from './unfold.ts';

/** Which columns of the tabled relations may hold wildcard encodings (relation key -> per column). */
export type WildColumns = ReadonlyMap<string, readonly boolean[]>;

/** Root variables a negation or comparison reads: a wildcard there is "any value except some". */
export function testedVars(s: State): Set<string> {
  const out = new Set<string>();
  const add = (t0: T) => {
    const t = s.deref(t0);
    if (t.k === 'v') out.add(t.n);
  };
  for (const c of s.conds) {
    if (c.k === 'not') c.goal.args.forEach(add);
    else if (c.k === 'isa') add(c.t);
    else {
      add(c.a);
      add(c.b);
    }
  }
  return out;
}

/**
 * Which relation columns may hold wildcard encodings (a fixpoint over the definitions): an output
 * variable bound by nothing, or by wildcard columns only, carries a wildcard out. With `narrowed`, as
 * they are once every tested variable ranges over the known values: tested variables carry none.
 */
export function wildColumns(defs: ReadonlyMap<string, TabDef>, narrowed = false): Map<string, boolean[]> {
  const wild = new Map<string, boolean[]>();
  for (const [k, d] of defs)
    wild.set(
      k,
      Array.from({ length: Math.max(1, d.freeCodes.length) }, () => false),
    );
  let changed = true;
  while (changed) {
    changed = false;
    for (const [k, d] of defs) {
      const w = wild.get(k)!;
      for (const cq of d.cqs ?? []) {
        const tested = narrowed ? testedVars(cq.s) : new Set<string>();
        cq.outs.forEach((t0, i) => {
          const t = cq.s.deref(t0);
          if (w[i] || t.k !== 'v' || tested.has(t.n)) return;
          if ((cq.occ.get(t.n) ?? []).every((o) => isWildColumn(wild, o))) {
            w[i] = true;
            changed = true;
          }
        });
      }
    }
  }
  return wild;
}

function isWildColumn(wild: WildColumns, o: { tab?: { key: string; col: number } }): boolean {
  return o.tab !== undefined && (wild.get(o.tab.key)?.[o.tab.col] ?? false);
}

/**
 * The wildcard columns to narrow when some query (or negated sub-query) tests a variable whose first
 * column may hold a wildcard: the negation would test the wildcard itself and let it through.
 * Undefined when no query does (the common case: nothing to unfold again).
 */
export function wildTests(root: readonly CQ[], defs: ReadonlyMap<string, TabDef>): WildColumns | undefined {
  const wild = wildColumns(defs, true);
  const hit = (cq: CQ): boolean => {
    for (const n of testedVars(cq.s)) {
      const list = cq.occ.get(n) ?? [];
      if (list.length > 0 && list.every((o) => o.tab !== undefined) && isWildColumn(wild, list[0]!))
        return true;
    }
    return cq.negs.some((neg) => neg.subs.some(hit));
  };
  const any = root.some(hit) || [...defs.values()].some((d) => (d.cqs ?? []).some(hit));
  return any ? wild : undefined;
}

/** A wildcard encoding as a constant term (printed as its id; never compared as a number or string). */
function wildcard(code: number): T {
  return { k: 'c', id: code * SPAN, code, value: { type: '*', id: '*' } };
}

/**
 * Splits a solved state so that no tested variable takes a wildcard from a relation column: one state
 * where the column holds a known value (not a wildcard), one per type where the column holds the
 * wildcard and the variable ranges over the known values of that type instead. A variable read from
 * several wildcard columns (or of any type) ranges over the known values in one state. Undefined
 * when nothing is split.
 */
export function splitWildTests(s0: State, wild: WildColumns): State[] | undefined {
  if (wild.size === 0) return undefined;
  let states = [s0];
  let split = false;
  for (const n of testedVars(s0)) {
    const occs: { i: number; j: number }[] = [];
    let allWild = true;
    s0.atoms.forEach((a, i) => {
      a.args.forEach((t0, j) => {
        const t = s0.deref(t0);
        if (t.k !== 'v' || t.n !== n) return;
        occs.push({ i, j });
        if (a.src.k !== 'tab' || !(wild.get(a.src.key)?.[j] ?? false)) allWild = false;
      });
    });
    if (occs.length === 0 || !allWild) continue;
    split = true;
    states = states.flatMap((s) => splitOne(s, n, occs));
  }
  return split ? states : undefined;
}

function splitOne(s: State, n: string, occs: { i: number; j: number }[]): State[] {
  const v: T = { k: 'v', n };
  const types = s.varTypes(n);
  if (occs.length > 1 || types === null) {
    // rare shapes: every column joins the known values (a scan of them per row, but right)
    const all = s.clone();
    all.atoms.push({ src: { k: 'vals', codes: types }, args: [v] });
    return [all];
  }
  const { i, j } = occs[0]!;
  const known = s.clone();
  for (const code of [0, ...types]) known.conds.push({ k: 'cmp', op: '!=', a: v, b: wildcard(code) });
  const out = [known];
  for (const code of types) {
    const any = s.clone();
    if (!any.narrow(n, [code])) continue;
    // the column must hold a wildcard of the type (printed with the wildcard test, which allows 0 too)
    any.atoms = any.atoms.map((a, k) =>
      k === i ? { src: a.src, args: a.args.map((t, m) => (m === j ? wildcard(code) : t)) } : a,
    );
    any.atoms.push({ src: { k: 'vals', codes: [code] }, args: [v] });
    out.push(any);
  }
  return out;
}
