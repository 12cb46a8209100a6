import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, loadSqlJs } from '../../../lib/engine/index.ts';
import { type Fact, parsePolicy, type Value } from '../../../lib/polar/index.ts';

// Each action a request names that the policy does not have becomes a temporary constant. They must not
// pile up without bound: past `maxConstants` the engine drops its statements and starts over.
const SRC = `
actor User {}
resource Doc {
  roles = ["viewer"];
  permissions = ["read"];
  "read" if "viewer";
}
`;
const v = (type: string, id: string): Value => ({ type, id });
const FACTS: Fact[] = [
  { predicate: 'has_role', args: [v('User', 'ann'), v('String', 'viewer'), v('Doc', 'd1')] },
];

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

describe('unknown constants', () => {
  it('stay bounded, and answers stay right across the reset', () => {
    const policy = parsePolicy([{ filename: 'c.polar', src: SRC }]);
    const engine = createEngine(sql, buildDatabase(sql, policy, FACTS), policy, { maxConstants: 8 });
    try {
      const ann = v('User', 'ann');
      const d1 = v('Doc', 'd1');
      const context = [{ predicate: 'has_role', args: [v('User', 'bob'), v('String', 'viewer'), d1] }];
      for (let i = 0; i < 50; i++) {
        const action = `unknown-${i}`;
        expect(engine.authorize({ actor: ann, action, resource: d1 })).toBe(false);
        expect(engine.list({ actor: ann, action, resourceType: 'Doc' }).results).toEqual([]);
        // with context facts the constants are written into vals for the request: still right
        expect(
          engine.authorize({ actor: v('User', 'bob'), action, resource: d1, contextFacts: context }),
        ).toBe(false);
        expect(engine.authorize({ actor: ann, action: 'read', resource: d1 })).toBe(true);
        expect(
          engine.authorize({ actor: v('User', 'bob'), action: 'read', resource: d1, contextFacts: context }),
        ).toBe(true);
        expect(engine.actions({ actor: ann, resource: d1 })).toEqual(['read']);
        expect(engine.interner.constants.byId.size).toBeLessThanOrEqual(8 + 2);
      }
    } finally {
      engine.close();
    }
  });
});
