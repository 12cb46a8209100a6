import { joinArms } from './join.ts';
import { type CqParts, multiKey, relationGuards, relationIds } from './print.ts';

/** A query of constant outputs, as printed parts with its output row (ids). */
export interface ConstArm {
  parts: CqParts;
  outs: number[];
}

/** See `CompiledQuery.keyed`. */
export interface Keyed {
  body: string;
  outputs: Map<number, number[][]>[];
  residual?: { test: string; body: string };
}

/** A condition that fixes the last key column of a fact table to constants: `[+]t.aN IN (..)` or `t.aN = c`. */
const KEY_TEST = /^\+?(t\d+_\d+)\.a(\d+) (?:IN \(([\d, ]+)\)|= (\d+))$/;

function keyTest(c: CqParts, w: string): { col: string; values: number[] } | undefined {
  const m = KEY_TEST.exec(w);
  if (m === null) return undefined;
  const key = multiKey(c, m[1]!);
  if (key === undefined || key[key.length - 1] !== Number(m[2])) return undefined;
  const values = (m[3] ?? m[4]!).split(',').map((x) => Number(x.trim()));
  return { col: `${m[1]}.a${m[2]}`, values };
}

/**
 * Queries that differ only in their constant outputs and in the constants one key column is tested
 * against (the actions of a resource: `read` if the role is one of three, `push` if one of two, ...)
 * become one arm that returns the column's value; the caller maps each value back to the outputs it
 * proves. Every arm returns `(g, k)`: its index and the column's value (0 when it tests none).
 * Queries that read a CTE go to a second statement (`residual`), asked only when its guard holds:
 * SQLite would otherwise build the CTE on every call.
 */
export function keyedArms(
  all: ConstArm[],
  guards: ReadonlyMap<number, string>,
  finish: (c: CqParts) => CqParts,
  join?: (a: CqParts, b: CqParts) => CqParts | undefined,
): Keyed | undefined {
  const arms = all.filter((a) => relationIds(a.parts).length === 0);
  const rest = all.filter((a) => relationIds(a.parts).length > 0);
  const outputs: Map<number, number[][]>[] = [];
  const body = arms.length === 0 ? 'SELECT 0 AS g, 0 AS k WHERE 0' : keyedUnion(arms, outputs, finish, join);
  if (body === undefined) return undefined;
  if (rest.length === 0) return { body, outputs };
  const tests = new Set<string>();
  for (const a of rest) {
    const gs = relationGuards(a.parts, guards);
    // a query behind a CTE without a guard: always ask
    tests.add(gs.some((g) => g === undefined) ? '1' : gs.join(' AND '));
  }
  const residualBody = keyedUnion(rest, outputs, finish);
  if (residualBody === undefined) return undefined;
  return {
    body,
    outputs,
    residual: { test: tests.has('1') ? '1' : [...tests].join(' OR '), body: residualBody },
  };
}

/** One UNION ALL of keyed arms, numbered after those already in `outputs` (which it extends). */
function keyedUnion(
  arms: ConstArm[],
  outputs: Map<number, number[][]>[],
  finish: (c: CqParts) => CqParts,
  join?: (a: CqParts, b: CqParts) => CqParts | undefined,
): string | undefined {
  // each query's candidate skeletons: itself with one key test left open, or whole
  const cands = arms.map((a) => {
    const out: { skel: string; at: number; col?: string; values?: number[] }[] = [
      { skel: JSON.stringify([a.parts.from, a.parts.where]), at: -1 },
    ];
    a.parts.where.forEach((w, at) => {
      const t = keyTest(a.parts, w);
      if (t === undefined) return;
      const where = a.parts.where.map((x, i) => (i === at ? `${t.col} ?` : x));
      out.push({ skel: JSON.stringify([a.parts.from, where]), at, col: t.col, values: t.values });
    });
    return out;
  });
  const count = new Map<string, number>();
  for (const cs of cands) for (const c of cs) count.set(c.skel, (count.get(c.skel) ?? 0) + 1);
  const groups = new Map<
    string,
    { parts: CqParts; at: number; col?: string; plus: boolean; byKey: Map<number, number[][]> }
  >();
  arms.forEach((a, i) => {
    const best = cands[i]!.reduce((x, y) => (count.get(y.skel)! > count.get(x.skel)! ? y : x));
    let g = groups.get(best.skel);
    if (g === undefined) {
      const plus = best.at >= 0 && a.parts.where[best.at]!.startsWith('+');
      g = { parts: a.parts, at: best.at, col: best.col, plus, byKey: new Map() };
      groups.set(best.skel, g);
    }
    for (const k of best.values ?? [0]) g.byKey.set(k, [...(g.byKey.get(k) ?? []), a.outs]);
  });
  if (groups.size > 400) return undefined;
  // conditions on parameters only that every arm has (not banned, ...): tested once, in front
  const common = arms[0]!.parts.where.filter(
    (w) => !w.includes('t0_') && arms.every((a) => a.parts.where.includes(w)),
  );
  const printed = [...groups.values()].map((g) => {
    const gi = outputs.length;
    outputs.push(g.byKey);
    const keys = [...g.byKey.keys()];
    const where = g.parts.where
      .map((w, i) =>
        i !== g.at
          ? w
          : keys.length === 1
            ? `${g.col} = ${keys[0]}`
            : `${g.plus ? '+' : ''}${g.col} IN (${keys.join(', ')})`,
      )
      .filter((w, i) => i === g.at || !common.includes(w));
    return finish({ ...g.parts, where, cols: [`${gi} AS g`, `${g.col ?? '0'} AS k`] });
  });
  // two arms that seek the same light value's rows may read them in one join (`join.ts`)
  const sql = (join ? joinArms(printed, join) : printed).map((parts) => {
    let s = `SELECT ${parts.cols.join(', ')}`;
    if (parts.from.length > 0) s += ` FROM ${parts.from.join(', ')}`;
    if (parts.where.length > 0) s += ` WHERE ${parts.where.join(' AND ')}`;
    return s;
  });
  const union = sql.join('\nUNION ALL\n');
  return common.length === 0
    ? union
    : // a test of parameters only: SQLite runs it once, before the arms (a CROSS JOIN with a one-row guard
      // made it materialize the arms' rows into a temporary table on every call)
      `SELECT x.g, x.k FROM (${union}) x WHERE ${common.join(' AND ')}`;
}
