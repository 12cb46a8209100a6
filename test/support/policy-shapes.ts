/**
 * Rule templates for generated policies: each is a fast-check arbitrary of one or a few longhand
 * rules in IR form, instantiated with random types, roles, permissions and relations.
 */
import fc from 'fast-check';
import type { Literal, Rule } from '../../lib/polar/ast.ts';
import { atom, C, call, cmp, inList, isa, NOW, not, rule, S, V } from './ir-builder.ts';
import { IDS, INHERITED, type Kind, P, PERMS, R, ROLE_TYPES, ROLES } from './universe.ts';

// Each shape is one template instantiated with random parameters; `acyclic` keeps OSS-safe ones.
const pick = fc.constantFrom;
const actorTypes = pick(['User'], ['User', 'Group']);

export const roleImplies = (acyclic: boolean) =>
  fc
    .tuple(pick(...ROLE_TYPES), pick(...ROLES), pick(...ROLES), actorTypes)
    .filter(([, h, b]) => h !== b && (!acyclic || ROLES.indexOf(h) > ROLES.indexOf(b)))
    .map(([t, h, b, at]) =>
      rule(atom(R, V('a'), S(h), V('x')), isa('a', ...at), isa('x', t), call(R, V('a'), S(b), V('x'))),
    );

export const permFromRole = fc
  .tuple(pick(...ROLE_TYPES), pick(...PERMS), pick(...ROLES), actorTypes)
  .map(([t, p, r, at]) =>
    rule(atom(P, V('a'), S(p), V('x')), isa('a', ...at), isa('x', t), call(R, V('a'), S(r), V('x'))),
  );

export const onRelation = fc
  .tuple(pick(...INHERITED), pick<Kind>(P, R), pick<Kind>(P, R), fc.nat(2), fc.nat(2))
  .map(([[c, rel, par], hk, bk, hi, bi]) =>
    rule(
      atom(hk, V('a'), S((hk === P ? PERMS : ROLES)[hi]!), V('x')),
      isa('a', 'User'),
      isa('x', c),
      isa('y', par),
      call('has_relation', V('x'), S(rel), V('y')),
      call(bk, V('a'), S((bk === P ? PERMS : ROLES)[bi]!), V('y')),
    ),
  );

export const roleVarOn = pick(...INHERITED).map(([c, rel, par]) =>
  rule(
    atom(R, V('a'), V('role'), V('x')),
    isa('a', 'User', 'Group'),
    isa('role', 'String'),
    isa('x', c),
    isa('y', par),
    call('has_relation', V('x'), S(rel), V('y')),
    call(R, V('a'), V('role'), V('y')),
  ),
);

export const owner = pick(...ROLES).map((r) =>
  rule(
    atom(R, V('a'), S(r), V('x')),
    isa('a', 'User'),
    isa('x', 'Repo'),
    call('has_relation', V('x'), S('owner'), V('a')),
  ),
);

export const groupRules = (mode: 'right' | 'left' | 'nonlinear'): Rule[] => {
  const step: Record<typeof mode, Literal[]> = {
    right: [call('has_group', V('x'), V('m')), call('in_group', V('m'), V('g'))],
    left: [call('in_group', V('x'), V('m')), call('has_group', V('m'), V('g'))],
    nonlinear: [call('in_group', V('x'), V('m')), call('in_group', V('m'), V('g'))],
  };
  return [
    rule(
      atom('in_group', V('x'), V('g')),
      isa('x', 'User', 'Group'),
      isa('g', 'Group'),
      call('has_group', V('x'), V('g')),
    ),
    rule(
      atom('in_group', V('x'), V('g')),
      isa('x', 'User', 'Group'),
      isa('g', 'Group'),
      isa('m', 'Group'),
      ...step[mode],
    ),
    rule(
      atom(R, V('u'), V('role'), V('x')),
      isa('u', 'User'),
      isa('role', 'String'),
      isa('g', 'Group'),
      call('in_group', V('u'), V('g')),
      call(R, V('g'), V('role'), V('x')),
    ),
  ];
};

export const globalRole = fc
  .tuple(pick(...ROLE_TYPES), pick(...ROLES))
  .map(([t, r]) =>
    rule(atom(R, V('a'), S(r), V('x')), isa('a', 'User'), isa('x', t), call(R, V('a'), S('super'))),
  );

export const isPublic = fc
  .tuple(pick(...ROLE_TYPES), pick(...PERMS), fc.boolean())
  .map(([t, p, withFlag]) =>
    rule(
      atom(P, V('a'), S(p), V('x')),
      isa('a', 'User'),
      isa('x', t),
      withFlag ? call('is_public', V('x'), C('Boolean', 'true')) : call('is_public', V('x')),
    ),
  );

export const bodiless = fc
  .tuple(pick(...ROLE_TYPES), pick(...PERMS))
  .map(([t, p]) => rule(atom(P, V('a'), S(p), V('x')), isa('a', 'User'), isa('x', t)));

export const unlessLocked = fc
  .tuple(pick(...ROLE_TYPES), pick(...PERMS), pick(...ROLES), fc.boolean())
  .map(([t, p, r, first]) => {
    const lits = [call(R, V('a'), S(r), V('x')), not('is_locked', V('x'))];
    return rule(
      atom(P, V('a'), S(p), V('x')),
      isa('a', 'User'),
      isa('x', t),
      ...(first ? lits.reverse() : lits),
    );
  });

export const expiring = fc
  .tuple(pick(...ROLE_TYPES), pick(...PERMS), pick<'>' | '>=' | '<' | '!='>('>', '>=', '<', '!='))
  .map(([t, p, op]) =>
    rule(
      atom(P, V('a'), S(p), V('x')),
      isa('a', 'User'),
      isa('x', t),
      call('grant', V('a'), V('x'), V('t')),
      cmp(V('t'), op, NOW),
    ),
  );

export const quota = fc
  .tuple(
    pick(...PERMS),
    pick<'<' | '<=' | '=' | '>'>('<', '<=', '=', '>'),
    fc.constantFrom(-1, 0, 2, 3, 9, 10),
  )
  .map(([p, op, k]) =>
    rule(
      atom(P, V('a'), S(p), V('x')),
      isa('a', 'User'),
      isa('x', 'Org'),
      call(R, V('a'), S('member'), V('x')),
      call('quota', V('x'), V('n')),
      cmp(V('n'), op, C('Integer', String(k))),
    ),
  );

export const inPerms = fc
  .tuple(pick(...ROLE_TYPES), pick(...ROLES), fc.subarray(PERMS, { minLength: 1 }))
  .map(([t, r, ps]) =>
    rule(
      atom(P, V('a'), V('p'), V('x')),
      isa('a', 'User'),
      isa('x', t),
      call(R, V('a'), S(r), V('x')),
      inList(V('p'), ...ps.map(S)),
    ),
  );

/** Any action at all: the action is a wildcard String. */
export const allActions = fc
  .tuple(pick(...ROLE_TYPES), pick(...ROLES))
  .map(([t, r]) =>
    rule(
      atom(P, V('a'), V('p'), V('x')),
      isa('a', 'User'),
      isa('p', 'String'),
      isa('x', t),
      call(R, V('a'), S(r), V('x')),
    ),
  );

export const ownerEquals = pick(...PERMS).map((p) =>
  rule(
    atom(P, V('a'), S(p), V('x')),
    isa('a', 'User'),
    isa('x', 'Repo'),
    isa('o', 'User'),
    call('has_relation', V('x'), S('owner'), V('o')),
    cmp(V('a'), '=', V('o')),
  ),
);

/** An object literal in a head and in a body. */
export const objectLiteral = fc
  .tuple(pick(...ROLES), pick(...IDS.Repo!), pick(...IDS.Org!))
  .map(([r, repo, org]) =>
    rule(
      atom(R, V('a'), S(r), C('Repo', repo)),
      isa('a', 'User'),
      call(R, V('a'), S('member'), C('Org', org)),
    ),
  );

/** `allow` for a superuser with the action and resource untyped: any value of any type. */
export const superuser = fc.constant(
  rule(atom('allow', V('a'), V('act'), V('x')), isa('a', 'User'), call('is_super', V('a'))),
);

/** A repeated head variable: a user may read their own profile. */
export const selfProfile = fc.constant(rule(atom(P, V('u'), S('read'), V('u')), isa('u', 'User')));

/** Global (2-arity) permissions feeding resource permissions. */
export const globalPerm = fc
  .tuple(pick(...PERMS), pick(...ROLE_TYPES))
  .map(([p, t]) => [
    rule(atom(P, V('a'), S(p)), isa('a', 'User'), call(R, V('a'), S('super'))),
    rule(
      atom(P, V('a'), V('p'), V('x')),
      isa('a', 'User'),
      isa('x', t),
      isa('p', 'String'),
      call(P, V('a'), V('p')),
    ),
  ]);

/** String order on a role variable. */
export const roleOrder = fc
  .tuple(pick(...ROLE_TYPES), pick(...PERMS), pick<'<' | '>='>('<', '>='), pick('b', 'm', 'r'))
  .map(([t, p, op, k]) =>
    rule(
      atom(P, V('a'), S(p), V('x')),
      isa('a', 'User'),
      isa('x', t),
      isa('r', 'String'),
      call(R, V('a'), V('r'), V('x')),
      cmp(V('r'), op, S(k)),
    ),
  );

/** Two integers from facts compared with each other. */
export const usedBelowQuota = pick(...PERMS).map((p) =>
  rule(
    atom(P, V('a'), S(p), V('x')),
    isa('a', 'User'),
    isa('x', 'Org'),
    call(R, V('a'), S('reader'), V('x')),
    call('quota', V('x'), V('n')),
    call('used', V('x'), V('m')),
    cmp(V('m'), '<', V('n')),
  ),
);

/** A resource bound by `=` to a constant, or enumerated by `in` over object literals. */
export const constantResource = fc
  .tuple(pick(...ROLES), pick(...IDS.Repo!), pick(...IDS.Folder!), fc.boolean())
  .map(([r, repo, folder, useIn]) =>
    rule(
      atom(R, V('a'), S(r), V('x')),
      isa('a', 'User'),
      call(R, V('a'), S('super')),
      useIn ? inList(V('x'), C('Repo', repo), C('Folder', folder)) : cmp(V('x'), '=', C('Folder', folder)),
    ),
  );

/** Every role on every resource of a type for a superuser: the role string itself is a wildcard. */
export const superRoles = fc
  .tuple(pick(...ROLE_TYPES), fc.boolean())
  .map(([t, typed]) =>
    rule(
      atom(R, V('a'), V('r'), V('x')),
      isa('a', 'User'),
      ...(typed ? [isa('r', 'String')] : []),
      isa('x', t),
      call('is_super', V('a')),
    ),
  );

/** Documents and sheets: rules on the supertype, a subtype-only rule, roles inherited from folders. */
export const docs = fc.constant([
  rule(
    atom(P, V('a'), S('read'), V('x')),
    isa('a', 'User'),
    isa('x', 'Doc', 'Sheet'),
    call(R, V('a'), S('reader'), V('x')),
  ),
  rule(
    atom(P, V('a'), S('write'), V('x')),
    isa('a', 'User'),
    isa('x', 'Sheet'),
    call(R, V('a'), S('admin'), V('x')),
  ),
  rule(
    atom(R, V('a'), V('role'), V('x')),
    isa('a', 'User', 'Group'),
    isa('role', 'String'),
    isa('x', 'Doc', 'Sheet'),
    isa('y', 'Folder'),
    call('has_relation', V('x'), S('parent'), V('y')),
    call(R, V('a'), V('role'), V('y')),
  ),
]);

/**
 * Negation of a derived, recursive predicate (stratified): "blocked" flows down parent relations
 * and cancels a permission. Beyond Oso Cloud's stored-facts-only rule, but the engine supports it.
 */
export const blockedDown = fc
  .tuple(pick(...INHERITED.filter(([c, , p]) => c === p)), pick(...PERMS), pick(...ROLES))
  .map(([[t, rel], p, r]) => [
    rule(
      atom(R, V('a'), S('blocked'), V('x')),
      isa('a', 'User'),
      isa('x', t),
      isa('y', t),
      call('has_relation', V('x'), S(rel), V('y')),
      call(R, V('a'), S('blocked'), V('y')),
    ),
    rule(
      atom(P, V('a'), S(p), V('x')),
      isa('a', 'User'),
      isa('x', t),
      call(R, V('a'), S(r), V('x')),
      not(R, V('a'), S('blocked'), V('x')),
    ),
  ]);

export const allowRules = fc
  .constantFrom('default', 'banned', 'banned-first', 'extra')
  .map((kind): Rule[] => {
    const perm = call(P, V('a'), V('act'), V('x'));
    const banned = not('is_banned', V('a'));
    if (kind === 'default') return [];
    if (kind === 'extra')
      return [
        rule(atom('allow', V('a'), V('act'), V('x')), perm),
        rule(
          atom('allow', V('a'), S('read'), V('x')),
          isa('a', 'User'),
          isa('x', 'Repo'),
          call('is_public', V('x')),
        ),
      ];
    return [
      rule(atom('allow', V('a'), V('act'), V('x')), ...(kind === 'banned' ? [perm, banned] : [banned, perm])),
    ];
  });
