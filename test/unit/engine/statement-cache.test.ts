import { readFileSync } from 'node:fs';
import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, loadSqlJs } from '../../../lib/engine/index.ts';
import { type Fact, parsePolicy, type Value } from '../../../lib/polar/index.ts';

// The engine keeps at most `maxStatements` prepared statements and frees the oldest to make room. One call
// can prepare several (an actions plan: the rows statement, the keyed one, a check per action, each per
// presence variant) while it holds the ones it prepared first; a statement freed under a caller would run
// freed memory (or another statement that reused it). With a cache far smaller than one plan, every
// answer must still be the one an engine with room for everything gives.

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

const v = (type: string, id: string): Value => ({ type, id });
const S = (s: string) => v('String', s);

function facts(): Fact[] {
  const out: Fact[] = [];
  for (let r = 0; r < 12; r++) {
    out.push({
      predicate: 'has_relation',
      args: [v('Repository', `r${r}`), S('organization'), v('Organization', `o${r % 3}`)],
    });
    out.push({
      predicate: 'has_relation',
      args: [v('Issue', `i${r}`), S('repository'), v('Repository', `r${r}`)],
    });
    if (r % 4 === 0)
      out.push({ predicate: 'is_public', args: [v('Repository', `r${r}`), v('Boolean', 'true')] });
  }
  for (let u = 0; u < 8; u++) {
    const role = ['reader', 'writer', 'admin'][u % 3]!;
    out.push({ predicate: 'has_role', args: [v('User', `u${u}`), S(role), v('Repository', `r${u}`)] });
    out.push({
      predicate: 'has_role',
      args: [v('User', `u${u}`), S(u % 2 ? 'member' : 'admin'), v('Organization', `o${u % 3}`)],
    });
  }
  out.push({ predicate: 'is_banned', args: [v('User', 'u5')] });
  out.push({ predicate: 'has_role', args: [v('User', 'root'), S('admin')] });
  return out;
}

describe('the statement cache', () => {
  it('answers every call right when it is far smaller than one call needs', () => {
    const src = readFileSync('test/fixtures/policies/f1-github.polar', 'utf8');
    const policy = parsePolicy([{ filename: 'f1-github.polar', src }]);
    const roomy = createEngine(sql, buildDatabase(sql, policy, facts()), policy);
    const tight = createEngine(sql, buildDatabase(sql, policy, facts()), policy, { maxStatements: 1 });
    const actors = ['u0', 'u1', 'u2', 'u5', 'root', 'nobody'].map((id) => v('User', id));
    const resources = [
      ...['r0', 'r1', 'r4', 'r7'].map((id) => v('Repository', id)),
      ...['o0', 'o1'].map((id) => v('Organization', id)),
      ...['i0', 'i1', 'i3'].map((id) => v('Issue', id)),
    ];
    try {
      for (let round = 0; round < 2; round++) {
        for (const actor of actors) {
          for (const resource of resources) {
            expect(tight.actions({ actor, resource }), `actions(${actor.id}, ${resource.id})`).toEqual(
              roomy.actions({ actor, resource }),
            );
            for (const action of ['read', 'push', 'delete', 'close', 'manage_members']) {
              const req = { actor, action, resource };
              expect(tight.authorize(req), `authorize(${actor.id}, ${action}, ${resource.id})`).toBe(
                roomy.authorize(req),
              );
            }
          }
          for (const resourceType of ['Repository', 'Issue', 'Organization']) {
            const req = { actor, action: 'read', resourceType };
            expect(tight.list(req).results, `list(${actor.id}, read, ${resourceType})`).toEqual(
              roomy.list(req).results,
            );
          }
        }
      }
      expect(tight.cachedSql().length).toBeLessThanOrEqual(1);
    } finally {
      roomy.close();
      tight.close();
    }
  });
});
