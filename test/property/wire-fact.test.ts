import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWireFact } from '../../lib/source/index.ts';

const value = fc.record({
  type: fc.constantFrom('User', 'Org', 'Repo', 'String'),
  id: fc.string({ unit: 'binary' }),
});
const fact = fc.record({
  predicate: fc.constantFrom('has_role', 'has_relation', 'is_public', 'p"q', 'é'),
  args: fc.array(value, { minLength: 1, maxLength: 4 }),
});

describe('parseWireFact', () => {
  it('round-trips any fact written as compact JSON', () => {
    fc.assert(
      fc.property(fact, (f) => {
        expect(parseWireFact(JSON.stringify(f))).toEqual(f);
      }),
    );
  });

  it('accepts a damaged line only when JSON.parse reads the same fact from it', () => {
    fc.assert(
      fc.property(
        fact,
        fc.nat(),
        fc.constantFrom('', '"', '\\', ',', '}', ']', ' ', 'x', '\t'),
        (f, at, ch) => {
          const line = JSON.stringify(f);
          const k = at % (line.length + 1);
          for (const text of [line.slice(0, k) + ch + line.slice(k), line.slice(0, k) + line.slice(k + 1)]) {
            const got = parseWireFact(text);
            if (typeof got === 'string') continue;
            const ref = JSON.parse(text) as { predicate: string; args: { type: string; id: string }[] };
            expect(got).toEqual({
              predicate: ref.predicate,
              args: ref.args.map((a) => ({ type: a.type, id: a.id })),
            });
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
