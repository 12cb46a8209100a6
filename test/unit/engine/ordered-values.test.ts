import fc from 'fast-check';
import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, FENCE_STRIDE, loadSqlJs } from '../../../lib/engine/index.ts';
import { type Fact, parsePolicy, type Value } from '../../../lib/polar/index.ts';

// Format 4 numbers each type's values in the order of their keys and keeps one key in FENCE_STRIDE
// (`vals_fence`) instead of an index on every key: interning finds a key's fence, then reads one block.
const SRC = `
actor User {}
resource Repo {
  roles = ["reader"];
  permissions = ["read"];
  "read" if "reader";
}
`;
const v = (type: string, id: string): Value => ({ type, id });
const policy = parsePolicy([{ filename: 'o.polar', src: SRC }]);
const factsOf = (users: string[]): Fact[] =>
  users.map((u, i) => ({
    predicate: 'has_role',
    args: [v('User', u), v('String', 'reader'), v('Repo', `r${i % 7}`)],
  }));

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

// keys whose order differs between UTF-16 code units (JavaScript's <) and UTF-8 bytes (SQLite's binary
// collation): a character above U+FFFF against one in U+E000-U+FFFF
const AWKWARD = [
  '\u{1F600}',
  '\uE000',
  '\uFFFF',
  'a\u{10000}b',
  'a\uFFFDb',
  '',
  ' ',
  'A',
  'a',
  '0',
  '10',
  '9',
];

describe('values in key order with fences (format 4)', () => {
  it('numbers each type by key, keeps one fence per block, and finds every value and no other', () => {
    const users = [...AWKWARD, ...Array.from({ length: 300 }, (_, i) => `u${(i * 7919) % 1000}`)];
    const db = buildDatabase(sql, policy, factsOf(users));
    const engine = createEngine(sql, db, policy);
    try {
      const keysBy = (order: string) =>
        db
          .exec(
            `SELECT key FROM vals WHERE id / ${2 ** 24} = (SELECT code FROM types WHERE name = 'User') ORDER BY ${order}`,
          )[0]!
          .values.flat();
      expect(keysBy('id')).toEqual(keysBy('key'));
      expect(keysBy('id')).toHaveLength(users.length);
      const fences = Number(
        db.exec(
          "SELECT count(*) FROM vals_fence WHERE code = (SELECT code FROM types WHERE name = 'User')",
        )[0]!.values[0]![0],
      );
      expect(fences).toBe(Math.ceil(users.length / FENCE_STRIDE));
      for (const [i, u] of users.entries()) {
        expect(engine.interner.find(v('User', u)), JSON.stringify(u)).toBeDefined();
        expect(
          engine.authorize({ actor: v('User', u), action: 'read', resource: v('Repo', `r${i % 7}`) }),
        ).toBe(true);
      }
      for (const missing of ['u1000', 'u', 'u99999', '\u{1F601}', '\uE001', 'zzz', '!', 'r1']) {
        expect(engine.interner.find(v('User', missing)), missing).toBeUndefined();
      }
      // same key, other type: found in its own type only
      expect(engine.interner.find(v('Repo', 'r1'))).toBeDefined();
      expect(engine.interner.find(v('Repo', 'u1'))).toBeUndefined();
    } finally {
      engine.close();
    }
  });

  it('answers as the format with a key index does, for any keys', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ maxLength: 6, unit: 'binary' }), { minLength: 1, maxLength: 120 }),
        fc.array(fc.string({ maxLength: 6, unit: 'binary' }), { maxLength: 20 }),
        (users, probes) => {
          const facts = factsOf(users);
          const fenced = createEngine(sql, buildDatabase(sql, policy, facts), policy);
          const indexed = createEngine(
            sql,
            buildDatabase(sql, policy, facts, { splitRelations: false }),
            policy,
          );
          try {
            for (const u of [...users, ...probes]) {
              const stored = users.includes(u);
              expect(fenced.interner.find(v('User', u)) !== undefined, JSON.stringify(u)).toBe(stored);
              expect(indexed.interner.find(v('User', u)) !== undefined).toBe(stored);
              for (const r of ['r0', 'r3']) {
                const req = { actor: v('User', u), action: 'read', resource: v('Repo', r) };
                expect(fenced.authorize(req)).toBe(indexed.authorize(req));
              }
            }
          } finally {
            fenced.close();
            indexed.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
