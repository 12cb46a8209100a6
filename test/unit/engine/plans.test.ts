import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, loadSqlJs } from '../../../lib/engine/index.ts';
import { type Fact, parsePolicy, type Value } from '../../../lib/polar/index.ts';

// On an F1-like policy and data set every authorize/list/actions statement must SEARCH its fact
// tables through an index, never SCAN them.

const v = (type: string, id: string): Value => ({ type, id });

function facts(): Fact[] {
  const out: Fact[] = [];
  const S = (s: string) => v('String', s);
  for (let r = 0; r < 400; r++) {
    out.push({
      predicate: 'has_relation',
      args: [v('Repository', `r${r}`), S('organization'), v('Organization', `o${r % 20}`)],
    });
    out.push({
      predicate: 'has_relation',
      args: [v('Issue', `i${r}`), S('repository'), v('Repository', `r${r}`)],
    });
    if (r % 7 === 0)
      out.push({ predicate: 'is_public', args: [v('Repository', `r${r}`), v('Boolean', 'true')] });
  }
  for (let u = 0; u < 300; u++) {
    out.push({
      predicate: 'has_role',
      args: [
        v('User', `u${u}`),
        S(['reader', 'writer', 'admin'][u % 3]!),
        v('Repository', `r${(u * 13) % 400}`),
      ],
    });
    out.push({
      predicate: 'has_role',
      args: [v('User', `u${u}`), S(u % 10 ? 'member' : 'admin'), v('Organization', `o${u % 20}`)],
    });
    if (u % 50 === 0) out.push({ predicate: 'is_banned', args: [v('User', `u${u}`)] });
  }
  out.push({ predicate: 'has_role', args: [v('User', 'root'), S('admin')] });
  return out;
}

describe('query plans', () => {
  it('authorize, list and actions never scan a fact table', async () => {
    const sql = await loadSqlJs();
    const src = readFileSync('test/fixtures/policies/f1-github.polar', 'utf8');
    const policy = parsePolicy([{ filename: 'f1-github.polar', src }]);
    const db = buildDatabase(sql, policy, facts());
    const engine = createEngine(sql, db, policy);
    const u = v('User', 'u1');
    for (const [type, id] of [
      ['Repository', 'r1'],
      ['Organization', 'o1'],
      ['Issue', 'i1'],
    ] as const) {
      for (const action of ['read', 'push', 'delete', 'close', 'manage_members']) {
        engine.authorize({ actor: u, action, resource: v(type, id) });
        engine.list({ actor: u, action, resourceType: type });
      }
      engine.actions({ actor: u, resource: v(type, id) });
    }
    const statements = engine.cachedSql();
    expect(statements.length).toBeGreaterThan(30);
    for (const { key, sql: texts } of statements) {
      for (const text of texts) {
        const n = Math.max(0, ...[...text.matchAll(/\?(\d+)/g)].map((m) => Number(m[1])));
        const plan = db.exec(
          `EXPLAIN QUERY PLAN ${text}`,
          Array.from({ length: n }, () => 1),
        );
        const details = (plan[0]?.values ?? []).map((r) => String(r[3]));
        const scans = details.filter((d) => /^SCAN (t\d+_\d+|f_|vals)/.test(d));
        expect(scans, `${key}\n${details.join('\n')}`).toEqual([]);
        if (/ f_\w+ t/.test(text))
          expect(
            details.some((d) => d.startsWith('SEARCH')),
            key,
          ).toBe(true);
      }
    }
    engine.close();
  });
});
