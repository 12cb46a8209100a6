import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../lib/errors.ts';
import { parsePolicy } from '../../lib/polar/index.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/policies/${name}`, import.meta.url), 'utf8');
const SEEDS = [fixture('f1-github.polar'), fixture('f2-folders.polar')];

const TOKENS = [
  'actor',
  'resource',
  'global',
  'extends',
  'if',
  'and',
  'or',
  'not',
  'in',
  'matches',
  'on',
  'roles',
  'permissions',
  'relations',
  'declare',
  'test',
  'fixture',
  'setup',
  'assert',
  'assert_not',
  'iff',
  'true',
  'false',
  'role',
  '_',
  'User',
  'Actor',
  'Resource',
  'String',
  'Integer',
  'x',
  'has_role',
  'allow',
  '"a"',
  '"b\\"c"',
  '"',
  '1',
  '-9',
  '99999999999999999999',
  '@current_unix_time',
  '@x',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ',',
  ';',
  ':',
  '::',
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '==',
  '#',
  '\n',
  ' ',
  '\\',
  '.',
  '1.5',
  '\u0000',
  'é',
];

/** The front end either returns a policy or throws a DomainError with located diagnostics. */
function parsesOrFailsCleanly(src: string): void {
  try {
    parsePolicy([{ filename: 'fuzz.polar', src }]);
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    // Plain checks: one expect per diagnostic would dominate the run time.
    const bad = e.diagnostics.find(
      (d) => d.line < 1 || d.column < 1 || !/^[a-z0-9-]+$/.test(d.code) || d.message === '',
    );
    if (bad || e.diagnostics.length === 0 || (e.code !== 'policy-syntax' && e.code !== 'policy-invalid')) {
      throw new Error(`malformed failure ${e.code}: ${JSON.stringify(bad ?? e.diagnostics)}`);
    }
  }
}

const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((ts) => ts.join(' '));

const mutation = fc
  .record({
    seed: fc.constantFrom(...SEEDS),
    edits: fc.array(
      fc.record({
        op: fc.constantFrom('delete', 'insert', 'duplicate'),
        at: fc.nat(),
        len: fc.integer({ min: 1, max: 40 }),
        token: fc.constantFrom(...TOKENS),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ seed, edits }) => {
    let s = seed;
    for (const e of edits) {
      const at = e.at % (s.length + 1);
      if (e.op === 'delete') s = s.slice(0, at) + s.slice(at + e.len);
      else if (e.op === 'insert') s = `${s.slice(0, at)} ${e.token} ${s.slice(at)}`;
      else s = s.slice(0, at) + s.slice(at, at + e.len) + s.slice(at);
    }
    return s;
  });

describe('parser fuzz', () => {
  it('random strings never throw anything but DomainError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200, unit: 'binary' }), parsesOrFailsCleanly), {
      numRuns: 300,
    });
  });

  it('random token sequences never throw anything but DomainError', () => {
    fc.assert(fc.property(tokenSoup, parsesOrFailsCleanly), { numRuns: 300 });
  });

  it('random mutations of F1/F2 never throw anything but DomainError', () => {
    fc.assert(fc.property(mutation, parsesOrFailsCleanly), { numRuns: 300 });
  });

  it('the unmutated seeds are valid', () => {
    for (const s of SEEDS)
      expect(parsePolicy([{ filename: 'seed.polar', src: s }]).rules.length).toBeGreaterThan(0);
  });
});
