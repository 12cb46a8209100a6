import type { AtomRef, State, T } from './state.ts';

/**
 * The type codes of which a stored column holds every stored value (`Catalog.total`), or undefined when
 * the snapshot records none for it.
 */
export type TotalColumn = (tbl: string, col: number) => ReadonlySet<number> | undefined;

/**
 * Implied atoms. A stored atom holds for every value the rest of its query can reach when:
 * - at one column it reads a variable that another stored atom of the query (one that is kept) reads too,
 *   so a stored value of that atom's column types;
 * - that column holds every stored value of those types (`total`): every Repository an issue names has an
 *   organization;
 * - each other column is the split part's constant or a variable read nowhere else (no other atom,
 *   condition, negation or output reads it), whose types include every type the column holds.
 *
 * Such an atom only asks "is there a row for this value", and there is: the query drops it (a global
 * admin's page of issues then reads no organization per issue). Only sound without context facts, which
 * add rows whose values the record does not cover. Returns the atoms to keep, in order.
 */
export function keptAtoms(s: State, outs: readonly T[], total: TotalColumn): AtomRef[] {
  const uses = new Map<string, number>();
  const use = (t: T) => {
    const d = s.deref(t);
    if (d.k === 'v') uses.set(d.n, (uses.get(d.n) ?? 0) + 1);
  };
  for (const a of s.atoms) for (const t of a.args) use(t);
  for (const t of outs) use(t);
  for (const c of s.conds) {
    if (c.k === 'isa') use(c.t);
    else if (c.k === 'not') for (const t of c.goal.args) use(t);
    else {
      use(c.a);
      use(c.b);
    }
  }
  const kept = [...s.atoms];
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < kept.length; i++) {
      if (implied(s, kept, i, uses, total)) {
        kept.splice(i, 1);
        changed = true;
        break;
      }
    }
  }
  return kept;
}

function implied(
  s: State,
  atoms: readonly AtomRef[],
  i: number,
  uses: ReadonlyMap<string, number>,
  total: TotalColumn,
): boolean {
  const a = atoms[i]!;
  if (a.src.k !== 'edb') return false;
  const { tbl, types, fixed } = a.src;
  // the one column read at a value from elsewhere; every other one a private variable
  let at = -1;
  for (let j = 0; j < a.args.length; j++) {
    if (fixed?.col === j) continue;
    const t = s.deref(a.args[j]!);
    if (t.k !== 'v') return false;
    if ((uses.get(t.n) ?? 0) > 1) {
      if (at !== -1) return false;
      at = j;
      continue;
    }
    const want = s.varTypes(t.n);
    const holds = types[j];
    if (want !== null && (holds == null || holds.some((c) => !want.includes(c)))) return false;
  }
  if (at === -1) return false;
  const covered = total(tbl, at);
  if (covered === undefined) return false;
  const x = s.deref(a.args[at]!) as Extract<T, { k: 'v' }>;
  return atoms.some((b, k) => {
    if (k === i || b.src.k !== 'edb') return false;
    const src = b.src;
    return b.args.some((arg, m) => {
      const t = s.deref(arg);
      // a column that may hold any type (null) gives no guarantee
      const codes = src.types[m] ?? undefined;
      return (
        src.fixed?.col !== m && t.k === 'v' && t.n === x.n && codes?.every((c) => covered.has(c)) === true
      );
    });
  });
}
