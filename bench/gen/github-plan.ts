// Sizes and structure of the GitHub-like data set: pure functions of (fact count, seed, index).
import { DomainError } from '../../lib/errors.ts';
import type { Fact, Value } from '../../lib/polar/index.ts';
import { hashString, pick } from './rng.ts';

/** The smallest data set `generateDataset` makes. */
export const MIN_FACTS = 1000;
/** Depth of every folder chain (the deepest folder is 10 `folder` hops from its repository's). */
export const FOLDER_DEPTH = 10;
/** One user in ADMIN_EVERY is an organization admin; the rest are members. */
export const ADMIN_EVERY = 20;
/** Group chains: a group is nested in the previous one unless its index is a multiple of this. */
export const GROUP_CHAIN = 6;
/** Every 60th group closes its chain into a cycle. */
export const GROUP_CYCLE_EVERY = 60;

export const S = (id: string): Value => ({ type: 'String', id });
export const user = (i: number): Value => ({ type: 'User', id: `u${i}` });
export const org = (i: number): Value => ({ type: 'Organization', id: `o${i}` });
export const repo = (i: number): Value => ({ type: 'Repository', id: `r${i}` });
export const issue = (i: number): Value => ({ type: 'Issue', id: `i${i}` });
export const group = (i: number): Value => ({ type: 'Group', id: `g${i}` });
export const folder = (r: number, depth: number): Value => ({ type: 'Folder', id: `r${r}-f${depth}` });
export const fact = (predicate: string, ...args: Value[]): Fact => ({ predicate, args });

export const STREAM = {
  userOrg: hashString('user-org'),
  repoRole: hashString('repo-role'),
  repoRoleBase: hashString('repo-role-base'),
  membership: hashString('membership'),
  groupRole: hashString('group-role'),
  issueRepo: hashString('issue-repo'),
  issueCreator: hashString('issue-creator'),
};

/** Sizes of every part, derived from the requested fact count alone. */
export interface Plan {
  seed: number;
  users: number;
  orgs: number;
  repos: number;
  repoRoles: number;
  groups: number;
  memberships: number;
  globalAdmins: number;
  banned: number;
  issues: number;
  /** 1 when one extra issue has only its repository relation, to hit the fact count exactly. */
  extraFact: number;
}

export const isPublicRepo = (r: number) => r % 10 === 0;
export const isPrivateFlagged = (r: number) => r % 10 === 5;
export const hasFolders = (r: number) => r % 5 === 0;
export const count = (n: number, pred: (i: number) => boolean) => {
  let c = 0;
  for (let i = 0; i < n; i++) if (pred(i)) c++;
  return c;
};
export const groupNested = (g: number) => g % GROUP_CHAIN !== 0;
export const groupCycle = (g: number, groups: number) =>
  g % GROUP_CYCLE_EVERY === 0 && g + GROUP_CHAIN - 1 < groups;

export function fixedKinds(p: Omit<Plan, 'issues' | 'extraFact'>): Record<string, number> {
  return {
    globalAdmins: p.globalAdmins,
    banned: p.banned,
    orgRoles: p.users,
    repoOrgs: p.repos,
    publicFlags: count(p.repos, (r) => isPublicRepo(r) || isPrivateFlagged(r)),
    repoRoles: p.repoRoles,
    folders: FOLDER_DEPTH * count(p.repos, hasFolders),
    memberships: p.memberships,
    groupNesting: count(p.groups, groupNested) + count(p.groups, (g) => groupCycle(g, p.groups)),
    groupRoles: 2 * p.groups,
  };
}

export function makePlan(facts: number, seed: number): Plan {
  if (!Number.isInteger(facts) || facts < MIN_FACTS) {
    throw new DomainError('bad-request', `facts must be an integer >= ${MIN_FACTS}, got ${facts}`);
  }
  const base = {
    seed,
    users: Math.floor(facts / 12),
    orgs: Math.max(2, Math.floor(facts / 1000)),
    repos: Math.floor(facts / 25),
    repoRoles: Math.floor(facts / 10),
    groups: Math.max(4, Math.floor(facts / 500)),
    memberships: Math.floor(facts / 40),
    globalAdmins: Math.max(1, Math.floor(facts / 100_000)),
    banned: Math.max(1, Math.floor(facts / 20_000)),
  };
  const fixed = Object.values(fixedKinds(base)).reduce((a, b) => a + b, 0);
  const rest = facts - fixed;
  return { ...base, issues: Math.floor(rest / 2), extraFact: rest % 2 };
}

// Structure that checks can recompute without the data: admins of org o are users 20*(o + orgs*t).
export const orgOfUser = (p: Plan, u: number) =>
  u % ADMIN_EVERY === 0 ? (u / ADMIN_EVERY) % p.orgs : pick(p.seed, STREAM.userOrg, u, p.orgs);
export const orgOfRepo = (p: Plan, r: number) => r % p.orgs;
export const isBanned = (p: Plan, u: number) => u >= p.users - p.banned;
export const issueRepo = (p: Plan, k: number) => pick(p.seed, STREAM.issueRepo, k, p.repos);
export const issueCreator = (p: Plan, k: number) => pick(p.seed, STREAM.issueCreator, k, p.users);
export const REPO_ROLES = ['reader', 'reader', 'reader', 'writer', 'writer', 'admin'];
