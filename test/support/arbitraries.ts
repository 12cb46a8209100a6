/**
 * fast-check generators of random but valid policies (in IR form) and fact sets over a small
 * universe. Policies are drawn from the shapes real policies use: role hierarchies, permissions
 * from roles, inheritance through relations (`"x" if "y" on "rel"`, `role if role on "rel"`),
 * nested groups (right-, left- and doubly-recursive), global roles and other wildcard heads,
 * public flags, negation of stored facts, integer comparisons with the clock and `in` lists.
 * Facts may form cycles unless `acyclic` is asked for (the OSS oracle cannot take cycles).
 */
import fc from 'fast-check';
import type { Fact, Policy, Rule, Value } from '../../lib/polar/ast.ts';
import { buildPolicy, fact, str, val } from './ir-builder.ts';
import { factText, policyText } from './ir-text.ts';
import {
  allActions,
  allowRules,
  blockedDown,
  bodiless,
  constantResource,
  docs,
  expiring,
  globalPerm,
  globalRole,
  groupRules,
  inPerms,
  isPublic,
  objectLiteral,
  onRelation,
  owner,
  ownerEquals,
  permFromRole,
  quota,
  roleImplies,
  roleOrder,
  roleVarOn,
  selfProfile,
  superRoles,
  superuser,
  unlessLocked,
  usedBelowQuota,
} from './policy-shapes.ts';
import {
  ACTOR_TYPES,
  NOW_SECONDS,
  objects,
  P,
  R,
  RELATIONS,
  RESOURCE_TYPES,
  ROLE_TYPES,
  ROLES,
  SIGNATURES,
} from './universe.ts';

export * from './universe.ts';

/** A generated case: the policy plus the shapes it was built from (for readable counterexamples). */
export interface PolicyCase {
  policy: Policy;
  shapes: string[];
}

/** Random valid policies; `acyclic` drops the shapes the OSS oracle cannot evaluate. */
export function arbPolicy(options: { acyclic?: boolean } = {}): fc.Arbitrary<PolicyCase> {
  const acyclic = options.acyclic ?? false;
  const some = <T>(arb: fc.Arbitrary<T>, max: number) => fc.array(arb, { maxLength: max });
  const pick = fc.constantFrom;
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
