import type { CqParts } from './print.ts';

/**
 * What `joinPair` must know about the values a query reads. Each answer is for the values of one compile
 * variant (`CompileOptions.present`); asking records that the statement depends on the bit asked about.
 */
export interface JoinFacts {
  /**
   * The type codes of the value `?N` binds when it is a request value that some stored fact names;
   * undefined when it may be in none (or is no single stored id).
   */
  stored(param: string): readonly number[] | undefined;
  /** True when the value `?N` binds has few rows where any stored table's primary key starts. */
  light(param: string): boolean;
  /** The type codes of which a stored column holds every stored value (`Catalog.total`). */
  total(tbl: string, col: number): ReadonlySet<number> | undefined;
}

/** Two queries read as one, and the tests that tell which of them a row of the joined query proves. */
export interface Joined {
  parts: CqParts;
  testA: string;
  testB: string;
}

const ALIAS = /\bt\d+_\d+\b/g;
const FROM_TABLE = /^(f_\w+) (t\d+_\d+)$/;
const EQ = /^(\S+) = (\S+)$/;
const COLUMN = /^(t\d+_\d+)\.a(\d+)$/;
const PARAM = /^\?\d+$/;

const aliasesOf = (w: string): string[] => w.match(ALIAS) ?? [];

/**
 * Reads two queries of one answer in one pass over the rows of the value both seek in the same table:
 *
 *   A: SELECT 1 FROM role t WHERE t.actor = ?1 AND t.resource = ?2 AND +t.role IN (R)
 *   B: SELECT 1 FROM rel r, role t WHERE r.child = ?2 AND t.actor = ?1 AND t.resource = r.parent AND +t.role IN (O)
 *   => SELECT 1 FROM rel r, role t WHERE r.child = ?2 AND t.actor = ?1
 *        AND ((t.resource = ?2 AND +t.role IN (R)) OR (t.resource = r.parent AND +t.role IN (O)))
 *
 * B is A with one more table (E: the repository's organization) between A's tables and the last one (T:
 * the actor's roles), and both seek T at the same parameter where T's primary key starts. SQLite then
 * reads the repository's organization row and scans the actor's roles once, instead of three seeks in two
 * subqueries: -13-18 % on an ordinary user's Repository check at 1M facts.
 *
 * The join answers A only if E has a row, so it is built only when E's seek column holds every stored
 * value of the types the seek reads (`total`: every repository has an organization) at a value that is
 * stored (a parameter's stored bit, or a column of a stored fact). It scans all of the value's rows in T,
 * so only a light value gets it (`light`): a heavy one keeps its seeks. Returns undefined when A and B do
 * not have that shape.
 */
export function joinPair(a: CqParts, b: CqParts, facts: JoinFacts): Joined | undefined {
  const n = a.from.length;
  if (n < 1 || b.from.length !== n + 1 || a.tables === undefined || b.tables === undefined) return undefined;
  const fromA = a.from.map((f) => FROM_TABLE.exec(f));
  const fromB = b.from.map((f) => FROM_TABLE.exec(f));
  if (fromA.some((m) => m === null) || fromB.some((m) => m === null)) return undefined;
  for (let i = 0; i < n - 1; i++) if (a.from[i] !== b.from[i]) return undefined;
  const [, tblA, ta] = fromA[n - 1]!;
  const [, tblB, tb] = fromB[n]!;
  const e = fromB[n - 1]![2]!;
  if (tblA !== tblB) return undefined;
  const prefix = new Set(fromB.slice(0, n - 1).map((m) => m![2]!));
  const rename = (w: string) => w.replace(new RegExp(`\\b${ta}\\b`, 'g'), tb!);
  const aWhere = a.where.map(rename);
  // every test reads only the queries' own tables (no correlated alias of a subquery)
  const knownA = new Set([...prefix, tb!]);
  const knownB = new Set([...prefix, tb!, e]);
  if (!aWhere.every((w) => aliasesOf(w).every((x) => knownA.has(x)))) return undefined;
  if (!b.where.every((w) => aliasesOf(w).every((x) => knownB.has(x)))) return undefined;
  const has = (w: string, x: string) => aliasesOf(w).includes(x);
  const aPrefix = aWhere.filter((w) => !has(w, tb!));
  const aT = aWhere.filter((w) => has(w, tb!));
  const bPrefix = b.where.filter((w) => !has(w, tb!) && !has(w, e));
  const bE = b.where.filter((w) => has(w, e) && !has(w, tb!));
  const bT = b.where.filter((w) => has(w, tb!));
  if (aPrefix.length !== bPrefix.length || !aPrefix.every((w) => bPrefix.includes(w))) return undefined;
  // E: one seek and nothing else, so a row of it exists for each row of the tables before it
  if (bE.length !== 1) return undefined;
  const seekE = eqSides(bE[0]!, e);
  const eTable = b.tables[e];
  if (seekE === undefined || eTable === undefined) return undefined;
  // T: the same parameter where its primary key starts, in both
  const tTable = b.tables[tb!];
  if (tTable === undefined) return undefined;
  const seek = aT.find((w) => {
    const s = eqSides(w, tb!);
    return s !== undefined && s.col === (tTable.key?.[0] ?? 0) && PARAM.test(s.other) && bT.includes(w);
  });
  if (seek === undefined) return undefined;
  const tParam = eqSides(seek, tb!)!.other;
  // ask every fact before deciding, so the statement records each bit it depends on
  const giver = typesOf(seekE.other, b, facts, prefix);
  const light = facts.light(tParam);
  const covered = facts.total(eTable.tbl, seekE.col);
  if (giver === undefined || !light || covered === undefined) return undefined;
  if (!giver.every((c) => covered.has(c))) return undefined;
  const common = aT.filter((w) => bT.includes(w));
  const ownA = aT.filter((w) => !common.includes(w));
  const ownB = bT.filter((w) => !common.includes(w));
  if (ownA.length === 0 || ownB.length === 0) return undefined;
  // equalities first: a test of `IN (list)` builds the list's lookup table on first use in each run. T's
  // columns as `+col`: SQLite would read `t.c = x OR t.c = y` as `t.c IN (x, y)` and seek each value
  // through a lookup table it builds per row
  const plain = (w: string) => (w.startsWith(`${tb}.`) ? `+${w}` : w);
  const testA = inLast(ownA).map(plain).join(' AND ');
  const testB = inLast(ownB).map(plain).join(' AND ');
  return {
    parts: { ...b, where: [...bPrefix, ...bE, ...common, `((${testA})\n    OR (${testB}))`] },
    testA,
    testB,
  };
}

/**
 * Keyed arms (`SELECT g, k`) read as one where `joinPair` can: the row's `g` is A's when A's own tests
 * hold. Only when no row can pass both tests: they fix one column of T to values of disjoint types.
 */
export function joinKeyed(a: CqParts, b: CqParts, facts: JoinFacts): CqParts | undefined {
  const j = joinPair(a, b, facts);
  if (j === undefined || a.cols.length !== 2 || b.cols.length !== 2) return undefined;
  const ga = /^(\d+) AS g$/.exec(a.cols[0]!)?.[1];
  const gb = /^(\d+) AS g$/.exec(b.cols[0]!)?.[1];
  const tb = FROM_TABLE.exec(b.from[b.from.length - 1]!)![2]!;
  const ta = FROM_TABLE.exec(a.from[a.from.length - 1]!)![2]!;
  const ka = /^(.+) AS k$/.exec(a.cols[1]!.replace(new RegExp(`\\b${ta}\\b`, 'g'), tb))?.[1];
  const kb = /^(.+) AS k$/.exec(b.cols[1]!)?.[1];
  if (ga === undefined || gb === undefined || ka === undefined || kb === undefined) return undefined;
  const fixes = (test: string) =>
    test
      .split(' AND ')
      .map((w) => eqSides(w, tb))
      .filter((s) => s !== undefined);
  const disjoint = fixes(j.testA).some((x) =>
    fixes(j.testB).some((y) => {
      if (x.col !== y.col) return false;
      const tx = typesOf(x.other, b, facts);
      const ty = typesOf(y.other, b, facts);
      return tx !== undefined && ty !== undefined && tx.every((c) => !ty.includes(c));
    }),
  );
  if (!disjoint) return undefined;
  const k = ka === kb ? kb : `CASE WHEN ${j.testA} THEN ${ka} ELSE ${kb} END`;
  return { ...j.parts, cols: [`CASE WHEN ${j.testA} THEN ${ga} ELSE ${gb} END AS g`, `${k} AS k`] };
}

/**
 * Queries of one answer with pairs read as one (`join`, on the queries' printed parts), each query in at
 * most one pair; the rest as they were, in order.
 */
export function joinArms(cqs: CqParts[], join: (a: CqParts, b: CqParts) => CqParts | undefined): CqParts[] {
  const out: (CqParts | undefined)[] = [...cqs];
  const used = new Set<number>();
  for (let k = 0; k < cqs.length; k++) {
    for (let i = 0; i < cqs.length && !used.has(k); i++) {
      if (i === k || used.has(i) || cqs[i]!.from.length + 1 !== cqs[k]!.from.length) continue;
      const j = join(cqs[i]!, cqs[k]!);
      if (j === undefined) continue;
      // the joined query takes B's place
      out[k] = j;
      out[i] = undefined;
      used.add(i).add(k);
    }
  }
  return out.filter((c) => c !== undefined);
}

function inLast(tests: string[]): string[] {
  return [...tests.filter((w) => !w.includes(' IN (')), ...tests.filter((w) => w.includes(' IN ('))];
}

/** `alias.aN = other` or `other = alias.aN` as its column and other side. */
function eqSides(w: string, alias: string): { col: number; other: string } | undefined {
  const m = EQ.exec(w.startsWith('+') ? w.slice(1) : w);
  if (m === null) return undefined;
  for (const [x, y] of [
    [m[1]!, m[2]!],
    [m[2]!, m[1]!],
  ] as const) {
    const c = COLUMN.exec(x);
    if (c !== null && c[1] === alias && !aliasesOf(y).includes(alias)) return { col: Number(c[2]), other: y };
  }
  return undefined;
}

/**
 * The types of the stored value an expression reads: a parameter whose value is stored, or a column of a
 * table of the query (of one of `within` when given).
 */
function typesOf(
  expr: string,
  parts: CqParts,
  facts: JoinFacts,
  within?: ReadonlySet<string>,
): readonly number[] | undefined {
  if (PARAM.test(expr)) return facts.stored(expr);
  const c = COLUMN.exec(expr);
  if (c === null || (within !== undefined && !within.has(c[1]!))) return undefined;
  return parts.tables?.[c[1]!]?.types[Number(c[2])] ?? undefined;
}
