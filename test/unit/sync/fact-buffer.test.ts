import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fact } from '../../../lib/polar/index.ts';
import { FactBuffer } from '../../../lib/sync/fact-buffer.ts';

const value = fc.record({ type: fc.constantFrom('User', 'Org', 'String', 'Integer'), id: fc.string() });
const fact: fc.Arbitrary<Fact> = fc.record({
  predicate: fc.constantFrom('has_role', 'has_relation', 'is_public'),
  args: fc.array(value, { minLength: 1, maxLength: 4 }),
});

describe('FactBuffer', () => {
  it('gives back exactly the facts pushed, in order', () => {
    fc.assert(
      fc.property(fc.array(fact, { maxLength: 50 }), (facts) => {
        const buf = new FactBuffer();
        for (const f of facts) buf.push(f);
        expect(buf.length).toBe(facts.length);
        expect([...buf]).toEqual(facts);
        expect([...buf]).toEqual(facts); // re-iterable
        buf.clear();
        expect([...buf]).toEqual([]);
      }),
    );
  });
});
