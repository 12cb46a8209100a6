import type { Catalog } from './types.ts';
import type { CQ, TabDef } from './unfold.ts';

/**
 * Presence pruning. A snapshot may record, per stored value, which sparse fact-table columns hold it
 * (`Catalog.presenceBit`). A conjunctive query that reads such a column at a parameter's value can only
 * match when the value is there: for a value that is not, the query is dropped before printing (an
 * actor who is in no group needs no group walk, one who is banned nowhere no ban test). Every stored
 * value has one more bit (`Catalog.storedBit`): a value no fact names reads no row of any fact table.
 * Only sound without context facts, which can add rows the record does not know.
 */

/**
 * The presence bits a query reading stored column `col` at a value needs that value to have (the tracked
 * column's bit, the bit of every stored value); 0 when it needs none.
 */
export type PresenceBit = (tbl: string, col: number) => number;

/** The bits of a catalog's snapshot, or undefined when it records none (or the request has context facts). */
export function presenceBits(catalog: Catalog): PresenceBit | undefined {
  const stored = catalog.storedBit?.();
  const column = catalog.presenceBit?.bind(catalog);
  if (stored === undefined && column === undefined) return undefined;
  const storedMask = stored === undefined ? 0 : 1 << stored;
  return (tbl, col) => {
    const b = column?.(tbl, col);
    return storedMask | (b === undefined ? 0 : 1 << b);
  };
}

/** Every conjunctive query of a compile: the root, the relations', and those under negations. */
function* allCqs(root: readonly CQ[], defs: ReadonlyMap<string, TabDef>): Generator<CQ> {
  const stack: CQ[] = [...root];
  for (const d of defs.values()) stack.push(...(d.cqs ?? []));
  while (stack.length > 0) {
    const cq = stack.pop()!;
    yield cq;
    for (const n of cq.negs) stack.push(...n.subs);
  }
}

/** Per parameter slot, the tracked columns the queries read at its value (bits of `bit`). */
export function presenceUse(
  root: readonly CQ[],
  defs: ReadonlyMap<string, TabDef>,
  bit: PresenceBit,
  slots: number,
): number[] {
  const use = Array.from({ length: slots }, () => 0);
  for (const cq of allCqs(root, defs)) {
    for (const a of cq.s.atoms) {
      if (a.src.k !== 'edb') continue;
      for (let i = 0; i < a.args.length; i++) {
        const t = cq.s.deref(a.args[i]!);
        if (t.k === 'p' && t.slot < slots) use[t.slot]! |= bit(a.src.tbl, i);
      }
    }
  }
  return use;
}

/**
 * Drops the queries that read a tracked column at a parameter's value the column does not hold
 * (`present[slot]`: the bits its value has), relations that are then empty, the queries reading them, and
 * negations left with no query (they hold). Returns new queries and relations; the inputs are not changed.
 */
export function prunePresence(
  root: readonly CQ[],
  defs: ReadonlyMap<string, TabDef>,
  bit: PresenceBit,
  present: readonly number[],
): { root: CQ[]; defs: Map<string, TabDef> } {
  const absent = (tbl: string, col: number, slot: number): boolean => {
    const need = bit(tbl, col);
    return ((present[slot] ?? 0) & need) !== need;
  };
  const dead = (cq: CQ, live: ReadonlySet<string>): boolean =>
    cq.s.atoms.some((a) => {
      if (a.src.k === 'tab') return !live.has(a.src.key);
      if (a.src.k !== 'edb') return false;
      const { tbl } = a.src;
      return a.args.some((arg, i) => {
        const t = cq.s.deref(arg);
        return t.k === 'p' && absent(tbl, i, t.slot);
      });
    });
  // relations that may have a row: the least set closed under "some query of it is not dead"
  const live = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const [key, d] of defs) {
      if (!live.has(key) && (d.cqs ?? []).some((cq) => !dead(cq, live))) {
        live.add(key);
        grew = true;
      }
    }
  }
  const prune = (cq: CQ): CQ | undefined => {
    if (dead(cq, live)) return undefined;
    const negs = cq.negs
      .map((n) => ({ subs: n.subs.map(prune).filter((s) => s !== undefined) }))
      .filter((n) => n.subs.length > 0);
    return negs.length === cq.negs.length && negs.every((n, i) => n.subs.length === cq.negs[i]!.subs.length)
      ? cq
      : { ...cq, negs };
  };
  const prunedRoot = root.map(prune).filter((cq) => cq !== undefined);
  // the relations the remaining queries still read, with their dead queries dropped
  const out = new Map<string, TabDef>();
  const queue: CQ[] = [...prunedRoot];
  while (queue.length > 0) {
    const cq = queue.pop()!;
    for (const n of cq.negs) queue.push(...n.subs);
    for (const a of cq.s.atoms) {
      if (a.src.k !== 'tab' || out.has(a.src.key)) continue;
      const d = defs.get(a.src.key)!;
      const cqs = (d.cqs ?? []).map(prune).filter((x) => x !== undefined);
      out.set(a.src.key, { ...d, cqs });
      queue.push(...cqs);
    }
  }
  return { root: prunedRoot, defs: out };
}
