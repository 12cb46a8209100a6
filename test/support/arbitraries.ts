/**
 * fast-check generators of random but valid policies (in IR form) and fact sets over a small
 * universe. Policies are drawn from the shapes real policies use: role hierarchies, permissions
 * from roles, inheritance through relations (`"x" if "y" on "rel"`, `role if role on "rel"`),
 * nested groups (right-, left- and doubly-recursive), global roles and other wildcard heads,
 * public flags, negation of stored facts, integer comparisons with the clock and `in` lists.
 * Facts may form cycles unless `acyclic` is asked for (the OSS oracle cannot take cycles).
 */
import fc from 'fast-check';
import type { Fact, FactSignature, Literal, Policy, Rule, Value } from '../../lib/polar/ast.ts';
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
} from './ir-builder.ts';
import { factText, policyText } from './ir-text.ts';

/** `@current_unix_time` for generated cases (seconds). */
export const NOW_SECONDS = 1000;
/** A clock past 2^53, where a double can no longer tell neighbouring seconds apart. */
export const BIG_NOW = 2n ** 53n + 1n;
export const ACTOR_TYPES = ['User'];
export const RESOURCE_TYPES = ['Org', 'Repo', 'Folder', 'Group', 'Doc', 'Sheet'];
/** `resource Sheet extends Doc`: a rule on `x: Doc` also applies to Sheets (isa [Doc, Sheet]). */
export const EXTENDS: Record<string, string> = { Sheet: 'Doc' };
/** Types `list` is asked about. */
export const LIST_TYPES = ['Org', 'Repo', 'Folder', 'Doc', 'Sheet'];
/** Resource types that carry roles and permissions. */
export const ROLE_TYPES = ['Org', 'Repo', 'Folder'];
/** Ranked: in acyclic role hierarchies a role only implies roles to its right. */
export const ROLES = ['admin', 'member', 'reader'];
export const PERMS = ['read', 'write', 'delete'];
/** Ids repeat across types (Org{"1"} is not Repo{"1"}) and include quotes, LIKE and unicode characters. */
export const IDS: Record<string, string[]> = {
  User: ['1', '2', "o'neil"],
  Org: ['1', '2'],
  Repo: ['1', '2', 'r%_'],
  Folder: ['1', '2', '3', 'f\u00e9 \u{1f4c1}'],
  Group: ['1', '2', '3'],
  Doc: ['1', '2'],
  Sheet: ['1', '3'],
};
/** [child type, relation, parent type]; stored `has_relation(child, rel, parent)`. */
export const RELATIONS: [string, string, string][] = [
  ['Repo', 'org', 'Org'],
  ['Folder', 'repo', 'Repo'],
  ['Folder', 'parent', 'Folder'],
  ['Org', 'parent', 'Org'],
  ['Repo', 'owner', 'User'],
  ['Doc', 'parent', 'Folder'],
  ['Sheet', 'parent', 'Folder'],
];

/** Relations to a non-actor parent, for `on` inheritance (Doc/Sheet have their own shape). */
const INHERITED = RELATIONS.filter(([c, , p]) => p !== 'User' && c !== 'Doc' && c !== 'Sheet');
const objects = (type: string): Value[] => IDS[type]!.map((id) => val(type, id));
const P = 'has_permission';
const R = 'has_role';
type Kind = typeof P | typeof R;

/** A generated case: the policy plus the shapes it was built from (for readable counterexamples). */
export interface PolicyCase {
  policy: Policy;
  shapes: string[];
}

// Each shape is one template instantiated with random parameters; `acyclic` keeps OSS-safe ones.
const pick = fc.constantFrom;
const actorTypes = pick(['User'], ['User', 'Group']);

const roleImplies = (acyclic: boolean) =>
  fc
    .tuple(pick(...ROLE_TYPES), pick(...ROLES), pick(...ROLES), actorTypes)
    .filter(([, h, b]) => h !== b && (!acyclic || ROLES.indexOf(h) > ROLES.indexOf(b)))
    .map(([t, h, b, at]) =>
      rule(atom(R, V('a'), S(h), V('x')), isa('a', ...at), isa('x', t), call(R, V('a'), S(b), V('x'))),
    );

const permFromRole = fc
  .tuple(pick(...ROLE_TYPES), pick(...PERMS), pick(...ROLES), actorTypes)
  .map(([t, p, r, at]) =>
    rule(atom(P, V('a'), S(p), V('x')), isa('a', ...at), isa('x', t), call(R, V('a'), S(r), V('x'))),
  );

const onRelation = fc
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

const roleVarOn = pick(...INHERITED).map(([c, rel, par]) =>
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

const owner = pick(...ROLES).map((r) =>
  rule(
    atom(R, V('a'), S(r), V('x')),
    isa('a', 'User'),
    isa('x', 'Repo'),
    call('has_relation', V('x'), S('owner'), V('a')),
  ),
);

const groupRules = (mode: 'right' | 'left' | 'nonlinear'): Rule[] => {
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

const globalRole = fc
  .tuple(pick(...ROLE_TYPES), pick(...ROLES))
  .map(([t, r]) =>
    rule(atom(R, V('a'), S(r), V('x')), isa('a', 'User'), isa('x', t), call(R, V('a'), S('super'))),
  );

const isPublic = fc
  .tuple(pick(...ROLE_TYPES), pick(...PERMS), fc.boolean())
  .map(([t, p, withFlag]) =>
    rule(
      atom(P, V('a'), S(p), V('x')),
      isa('a', 'User'),
      isa('x', t),
      withFlag ? call('is_public', V('x'), C('Boolean', 'true')) : call('is_public', V('x')),
    ),
  );

const bodiless = fc
  .tuple(pick(...ROLE_TYPES), pick(...PERMS))
  .map(([t, p]) => rule(atom(P, V('a'), S(p), V('x')), isa('a', 'User'), isa('x', t)));

const unlessLocked = fc
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

const expiring = fc
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

const quota = fc
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

const inPerms = fc
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
const allActions = fc
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

const ownerEquals = pick(...PERMS).map((p) =>
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
const objectLiteral = fc
  .tuple(pick(...ROLES), pick(...IDS.Repo!), pick(...IDS.Org!))
  .map(([r, repo, org]) =>
    rule(
      atom(R, V('a'), S(r), C('Repo', repo)),
      isa('a', 'User'),
      call(R, V('a'), S('member'), C('Org', org)),
    ),
  );

/** `allow` for a superuser with the action and resource untyped: any value of any type. */
const superuser = fc.constant(
  rule(atom('allow', V('a'), V('act'), V('x')), isa('a', 'User'), call('is_super', V('a'))),
);

/** A repeated head variable: a user may read their own profile. */
const selfProfile = fc.constant(rule(atom(P, V('u'), S('read'), V('u')), isa('u', 'User')));

/** Global (2-arity) permissions feeding resource permissions. */
const globalPerm = fc
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
const roleOrder = fc
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
const usedBelowQuota = pick(...PERMS).map((p) =>
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
const constantResource = fc
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
const superRoles = fc
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
const docs = fc.constant([
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
const blockedDown = fc
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

const allowRules = fc.constantFrom('default', 'banned', 'banned-first', 'extra').map((kind): Rule[] => {
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

/** Random valid policies; `acyclic` drops the shapes the OSS oracle cannot evaluate. */
export function arbPolicy(options: { acyclic?: boolean } = {}): fc.Arbitrary<PolicyCase> {
  const acyclic = options.acyclic ?? false;
  const some = <T>(arb: fc.Arbitrary<T>, max: number) => fc.array(arb, { maxLength: max });
  const groupModes = acyclic ? pick('none', 'right') : pick('none', 'right', 'left', 'nonlinear');
  return (
    fc
      .record({
        roleImplies: some(roleImplies(acyclic), 4),
        permFromRole: some(permFromRole, 5),
        onRelation: some(onRelation, 3),
        roleVarOn: some(roleVarOn, 2),
        owner: some(owner, 1),
        groups: groupModes,
        globalRole: some(globalRole, 2),
        isPublic: some(isPublic, 1),
        bodiless: some(bodiless, 1),
        unlessLocked: some(unlessLocked, 1),
        expiring: some(expiring, 1),
        quota: some(quota, 1),
        inPerms: some(inPerms, 1),
        allActions: some(allActions, 1),
        ownerEquals: some(ownerEquals, 1),
        objectLiteral: some(objectLiteral, 1),
        allow: allowRules,
        superuser: some(superuser, 1),
        selfProfile: some(selfProfile, 1),
        globalPerm: some(globalPerm, 1).map((xs) => xs.flat()),
        roleOrder: some(roleOrder, 1),
        usedBelowQuota: some(usedBelowQuota, 1),
        constantResource: some(constantResource, 1),
        superRoles: some(superRoles, 1),
        docs: some(docs, 1).map((xs) => xs.flat()),
        blockedDown: some(blockedDown, 1).map((xs) => xs.flat()),
      })
      // An order comparison on a role that may be a wildcard has no finite answer; keep them apart.
      .filter((spec) => spec.superRoles.length === 0 || spec.roleOrder.length === 0)
      .map((spec) => {
        const rules: Rule[] = [];
        const shapes: string[] = [];
        // has_role must not depend on has_permission when has_permission negates has_role (strata).
        const stratified = (r: Rule) =>
          spec.blockedDown.length === 0 ||
          r.head.pred !== R ||
          !r.body.some((l) => l.kind === 'call' && l.atom.pred === P);
        for (const [name, value] of Object.entries(spec)) {
          const found = (
            name === 'groups' ? (value === 'none' ? [] : groupRules(value as 'right')) : (value as Rule[])
          ).filter(stratified);
          if (found.length > 0)
            shapes.push(name === 'groups' ? `groups:${value}` : `${name}x${found.length}`);
          rules.push(...found);
        }
        const policy = buildPolicy({
          actors: ACTOR_TYPES,
          resources: RESOURCE_TYPES,
          rules,
          signatures: SIGNATURES,
        });
        // fast-check prints counterexamples with this: the rules as longhand Polar, not IR JSON.
        return {
          policy,
          shapes,
          [fc.toStringMethod]: () => `\n${shapes.join(' ')}\n${policyText(policy)}\n`,
        };
      })
  );
}

const ROLE_HOLDERS = [...objects('User'), ...objects('Group')];
const ROLE_TARGETS = ROLE_TYPES.flatMap(objects);
const DOC_TARGETS = [...objects('Doc'), ...objects('Sheet')];
const everyRole = ROLE_HOLDERS.flatMap((a) =>
  ROLES.flatMap((r) => [...ROLE_TARGETS, ...DOC_TARGETS].map((x) => fact(R, a, str(r), x))),
);
const relationFacts = (acyclic: boolean): Fact[] =>
  RELATIONS.flatMap(([c, rel, p]) =>
    objects(c).flatMap((x, i) =>
      objects(p)
        .filter((_, j) => !acyclic || c !== p || i < j)
        .map((y) => fact('has_relation', x, str(rel), y)),
    ),
  );
const groupFacts = (acyclic: boolean): Fact[] => [
  ...objects('User').flatMap((u) => objects('Group').map((g) => fact('has_group', u, g))),
  ...objects('Group').flatMap((g, i) =>
    objects('Group')
      .filter((_, j) => !acyclic || i < j)
      .map((h) => fact('has_group', g, h)),
  ),
];
const int = (n: number | bigint): Value => val('Integer', String(n));
const misc = (now: bigint): Fact[] => [
  ...objects('User').map((u) => fact(R, u, str('super'))),
  ...objects('User').map((u) => fact('is_banned', u)),
  ...ROLE_TARGETS.map((x) => fact('is_locked', x)),
  ...ROLE_TARGETS.map((x) => fact('is_public', x)),
  ...ROLE_TARGETS.flatMap((x) => [
    fact('is_public', x, val('Boolean', 'true')),
    fact('is_public', x, val('Boolean', 'false')),
  ]),
  ...objects('Org').flatMap((o) => [-5, 0, 2, 3, 10, 100].map((n) => fact('quota', o, int(n)))),
  ...objects('Org').flatMap((o) => [1, 2, 20].map((n) => fact('used', o, int(n)))),
  ...objects('User').map((u) => fact('is_super', u)),
  ...objects('User').flatMap((u) => ROLE_TARGETS.map((x) => fact(R, u, str('blocked'), x))),
  ...objects('User').flatMap((u) =>
    ROLE_TARGETS.slice(0, 5).flatMap((x) =>
      [now - 1n, now, now + 1n].map((t) => fact('grant', u, x, int(t))),
    ),
  ),
];

/** Signatures of every stored predicate the generated policies and facts use. */
export const SIGNATURES: FactSignature[] = [
  { predicate: R, argTypes: [['User', 'Group'], ['String'], [...ROLE_TYPES, 'Doc', 'Sheet']] },
  { predicate: R, argTypes: [['User'], ['String']] },
  {
    predicate: 'has_relation',
    argTypes: [['Repo', 'Folder', 'Org', 'Doc', 'Sheet'], ['String'], ['Org', 'Repo', 'Folder', 'User']],
  },
  { predicate: 'has_group', argTypes: [['User', 'Group'], ['Group']] },
  { predicate: 'is_banned', argTypes: [['User']] },
  { predicate: 'is_locked', argTypes: [ROLE_TYPES] },
  { predicate: 'is_public', argTypes: [ROLE_TYPES] },
  { predicate: 'is_public', argTypes: [ROLE_TYPES, ['Boolean']] },
  { predicate: 'quota', argTypes: [['Org'], ['Integer']] },
  { predicate: 'used', argTypes: [['Org'], ['Integer']] },
  { predicate: 'is_super', argTypes: [['User']] },
  { predicate: 'grant', argTypes: [['User'], ROLE_TYPES, ['Integer']] },
];

/**
 * Random fact sets over the small universe; relations and groups may be cyclic unless `acyclic`.
 * Grants expire around `now` (default NOW_SECONDS).
 */
export function arbFacts(options: { acyclic?: boolean; now?: bigint } = {}): fc.Arbitrary<Fact[]> {
  const acyclic = options.acyclic ?? false;
  const MISC = misc(options.now ?? BigInt(NOW_SECONDS));
  return fc
    .tuple(
      fc.subarray(everyRole, { maxLength: 14 }),
      fc.subarray(relationFacts(acyclic), { maxLength: 14 }),
      fc.subarray(groupFacts(acyclic), { maxLength: 6 }),
      fc.subarray(MISC, { maxLength: 8 }),
    )
    .map((parts) => {
      const facts = parts.flat();
      return Object.assign(facts, { [fc.toStringMethod]: () => `\n${facts.map(factText).join('\n')}\n` });
    });
}

/** The query universe: every generated id plus one unmentioned id per type. */
export const QUERY_ACTORS: Value[] = [...objects('User'), val('User', 'ghost')];
export const QUERY_RESOURCES: Value[] = [
  ...ROLE_TYPES.flatMap(objects),
  ...ROLE_TYPES.map((t) => val(t, 'ghost')),
  val('Doc', '1'),
  val('Sheet', '1'),
  val('Doc', 'ghost'),
  val('User', '1'),
  val('User', 'ghost'),
];
export const QUERY_ACTIONS: string[] = [...PERMS, 'admin', 'nope'];
