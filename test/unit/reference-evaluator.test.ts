import { describe, expect, it } from 'vitest';
import { F1_ACTIONS, F1_CHECKS, F1_FACTS, F1_LISTS, F1_POLICY } from '../support/f1-core.ts';
import {
  atom,
  buildPolicy,
  C,
  call,
  cmp,
  fact,
  inList,
  isa,
  NOW,
  not,
  rule,
  S,
  str,
  V,
  val,
} from '../support/ir-builder.ts';
import { evaluate } from '../support/reference-evaluator.ts';

const u = (id: string) => val('User', id);
const g = (id: string) => val('Group', id);
const f = (id: string) => val('Folder', id);

describe('reference evaluator', () => {
  it('answers every F1 expectation on the hand-desugared policy', () => {
    const m = evaluate(F1_POLICY, F1_FACTS, { now: 0 });
    for (const [a, act, r, want] of F1_CHECKS)
      expect([a.id, act, r.id, m.authorize(a, act, r)]).toEqual([a.id, act, r.id, want]);
    for (const [a, r, want] of F1_ACTIONS) expect(m.actions(a, r)).toEqual(want);
    for (const [a, act, type, want] of F1_LISTS) expect(m.list(a, act, type)).toEqual(want);
  });

  it('terminates on cyclic relations and inherits every role down a folder chain', () => {
    const policy = buildPolicy({
      actors: ['User'],
      resources: ['Folder'],
      rules: [
        rule(
          atom('has_role', V('a'), V('role'), V('r')),
          isa('a', 'User'),
          isa('role', 'String'),
          isa('r', 'Folder'),
          isa('p', 'Folder'),
          call('has_relation', V('r'), S('parent'), V('p')),
          call('has_role', V('a'), V('role'), V('p')),
        ),
        rule(
          atom('has_permission', V('a'), S('read'), V('r')),
          call('has_role', V('a'), S('reader'), V('r')),
        ),
      ],
    });
    const m = evaluate(
      policy,
      [
        fact('has_relation', f('c1'), str('parent'), f('c2')),
        fact('has_relation', f('c2'), str('parent'), f('c1')),
        fact('has_relation', f('leaf'), str('parent'), f('c1')),
        fact('has_role', u('bob'), str('reader'), f('c2')),
      ],
      { now: 0 },
    );
    expect(m.list(u('bob'), 'read', 'Folder')).toEqual(['c1', 'c2', 'leaf']);
    expect(m.authorize(u('dave'), 'read', f('c1'))).toBe(false);
  });

  it('evaluates left-recursive nested groups to their transitive closure', () => {
    const policy = buildPolicy({
      actors: ['User'],
      resources: ['Group'],
      rules: [
        rule(
          atom('in_group', V('x'), V('g')),
          isa('m', 'Group'),
          call('in_group', V('x'), V('m')),
          call('has_group', V('m'), V('g')),
        ),
        rule(atom('in_group', V('x'), V('g')), call('has_group', V('x'), V('g'))),
      ],
    });
    const facts = [
      fact('has_group', u('ann'), g('a')),
      fact('has_group', g('a'), g('b')),
      fact('has_group', g('b'), g('c')),
      fact('has_group', g('c'), g('a')),
    ];
    const m = evaluate(policy, facts, { now: 0 });
    for (const id of ['a', 'b', 'c']) expect(m.holds('in_group', [u('ann'), g(id)])).toBe(true);
    expect(m.holds('in_group', [u('ann'), g('z')])).toBe(false);
  });

  it('keeps wildcards exact under negation, equality and comparisons with the clock', () => {
    const policy = buildPolicy({
      actors: ['User'],
      resources: ['Doc'],
      rules: [
        // global admin: any Doc, but never a locked one
        rule(
          atom('has_permission', V('a'), V('p'), V('d')),
          isa('a', 'User'),
          isa('d', 'Doc'),
          inList(V('p'), S('read'), S('write')),
          call('has_role', V('a'), S('admin')),
          not('is_locked', V('d')),
        ),
        rule(
          atom('has_permission', V('a'), S('view'), V('b')),
          isa('a', 'User'),
          isa('b', 'User'),
          cmp(V('a'), '=', V('b')),
        ),
        rule(
          atom('has_permission', V('a'), S('read'), V('d')),
          call('grant', V('a'), V('d'), V('t')),
          cmp(V('t'), '>', NOW),
        ),
        rule(atom('has_permission', V('a'), V('any'), C('Doc', 'open')), isa('a', 'User')),
      ],
    });
    const m = evaluate(
      policy,
      [
        fact('has_role', u('root'), str('admin')),
        fact('is_locked', val('Doc', 'vault')),
        fact('grant', u('tim'), val('Doc', 'old'), val('Integer', '99')),
        fact('grant', u('tim'), val('Doc', 'new'), val('Integer', '101')),
      ],
      { now: 100 },
    );
    expect(m.list(u('root'), 'read', 'Doc')).toEqual(['*', 'new', 'old', 'open']);
    expect(m.authorize(u('root'), 'read', val('Doc', 'vault'))).toBe(false);
    expect(m.authorize(u('root'), 'write', val('Doc', 'never-seen'))).toBe(true);
    expect(m.authorize(u('root'), 'delete', val('Doc', 'never-seen'))).toBe(false);
    expect(m.authorize(u('x'), 'view', u('x'))).toBe(true);
    expect(m.authorize(u('x'), 'view', u('y'))).toBe(false);
    expect(m.list(u('tim'), 'read', 'Doc')).toEqual(['new', 'open']);
    expect(m.actions(u('nobody'), val('Doc', 'open'))).toEqual(['*', 'admin', 'read', 'view', 'write']);
  });

  it('rejects negation through recursion', () => {
    const policy = buildPolicy({
      actors: ['User'],
      resources: [],
      rules: [rule(atom('p', V('x')), call('q', V('x')), not('p', V('x')))],
    });
    expect(() => evaluate(policy, [], { now: 0 })).toThrow(/stratifiable/);
  });
});
