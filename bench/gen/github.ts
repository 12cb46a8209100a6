// A deterministic GitHub-like data set for benchmarks, generated lazily so 5M facts never sit in memory.
import { DomainError } from '../../lib/errors.ts';
import type { Fact, Value } from '../../lib/polar/index.ts';
import { GITHUB_POLICY } from './github-policy.ts';
import { hashString, mulberry32, pick } from './rng.ts';

export { writeDatasetDir } from './write-dir.ts';

/** Options of `generateDataset`. */
export interface DatasetOptions {
  /** Number of facts to generate (exactly); at least `MIN_FACTS`. */
  facts: number;
  /** Seed of every random choice; default 1. */
  seed?: number;
}

/** Entity and fact counts of a generated data set (known before any fact is generated). */
export interface DatasetStats {
  facts: number;
  users: number;
  organizations: number;
  repositories: number;
  issues: number;
  folders: number;
  groups: number;
  globalAdmins: number;
  bannedUsers: number;
  publicRepositories: number;
  /** Facts per kind, in generation order; the values sum to `facts`. */
  byKind: Record<string, number>;
}

/** One authorization question; `expected` is set when the answer is known by construction. */
export interface SampleCheck {
  actor: Value;
  action: string;
  resource: Value;
  expected?: boolean;
}

export interface Dataset {
  policy: string;
  /** Re-iterable: each iteration regenerates the same facts in the same order. */
  facts: Iterable<Fact>;
  stats: DatasetStats;
  /** `n` checks, deterministic for a given `seed` (default 1). */
  sampleChecks(n: number, seed?: number): SampleCheck[];
}

export const MIN_FACTS = 1000;
/** Depth of every folder chain (the deepest folder is 10 `folder` hops from its repository's). */
export const FOLDER_DEPTH = 10;
/** One user in ADMIN_EVERY is an organization admin; the rest are members. */
const ADMIN_EVERY = 20;
/** Group chains: a group is nested in the previous one unless its index is a multiple of this. */
const GROUP_CHAIN = 6;
/** Every 60th group closes its chain into a cycle. */
const GROUP_CYCLE_EVERY = 60;

const S = (id: string): Value => ({ type: 'String', id });
const user = (i: number): Value => ({ type: 'User', id: `u${i}` });
const org = (i: number): Value => ({ type: 'Organization', id: `o${i}` });
const repo = (i: number): Value => ({ type: 'Repository', id: `r${i}` });
const issue = (i: number): Value => ({ type: 'Issue', id: `i${i}` });
const group = (i: number): Value => ({ type: 'Group', id: `g${i}` });
const folder = (r: number, depth: number): Value => ({ type: 'Folder', id: `r${r}-f${depth}` });
const fact = (predicate: string, ...args: Value[]): Fact => ({ predicate, args });

const STREAM = {
  userOrg: hashString('user-org'),
  repoRole: hashString('repo-role'),
  repoRoleBase: hashString('repo-role-base'),
  membership: hashString('membership'),
  groupRole: hashString('group-role'),
  issueRepo: hashString('issue-repo'),
  issueCreator: hashString('issue-creator'),
};

/** Sizes of every part, derived from the requested fact count alone. */
interface Plan {
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

const isPublicRepo = (r: number) => r % 10 === 0;
const isPrivateFlagged = (r: number) => r % 10 === 5;
const hasFolders = (r: number) => r % 5 === 0;
const count = (n: number, pred: (i: number) => boolean) => {
  let c = 0;
  for (let i = 0; i < n; i++) if (pred(i)) c++;
  return c;
};
const groupNested = (g: number) => g % GROUP_CHAIN !== 0;
const groupCycle = (g: number, groups: number) => g % GROUP_CYCLE_EVERY === 0 && g + GROUP_CHAIN - 1 < groups;

function fixedKinds(p: Omit<Plan, 'issues' | 'extraFact'>): Record<string, number> {
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

function makePlan(facts: number, seed: number): Plan {
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
const orgOfUser = (p: Plan, u: number) =>
  u % ADMIN_EVERY === 0 ? (u / ADMIN_EVERY) % p.orgs : pick(p.seed, STREAM.userOrg, u, p.orgs);
const orgOfRepo = (p: Plan, r: number) => r % p.orgs;
const isBanned = (p: Plan, u: number) => u >= p.users - p.banned;
const issueRepo = (p: Plan, k: number) => pick(p.seed, STREAM.issueRepo, k, p.repos);
const issueCreator = (p: Plan, k: number) => pick(p.seed, STREAM.issueCreator, k, p.users);
const REPO_ROLES = ['reader', 'reader', 'reader', 'writer', 'writer', 'admin'];

function* generate(p: Plan): Generator<Fact> {
  for (let u = 0; u < p.globalAdmins; u++) yield fact('has_role', user(u), S('admin'));
  for (let u = p.users - p.banned; u < p.users; u++) yield fact('is_banned', user(u));
  for (let u = 0; u < p.users; u++) {
    yield fact('has_role', user(u), S(u % ADMIN_EVERY === 0 ? 'admin' : 'member'), org(orgOfUser(p, u)));
  }
  for (let r = 0; r < p.repos; r++)
    yield fact('has_relation', repo(r), S('organization'), org(orgOfRepo(p, r)));
  for (let r = 0; r < p.repos; r++) {
    if (isPublicRepo(r)) yield fact('is_public', repo(r), { type: 'Boolean', id: 'true' });
    else if (isPrivateFlagged(r)) yield fact('is_public', repo(r), { type: 'Boolean', id: 'false' });
  }
  // distinct (user, repo) pairs: user j % users takes consecutive repos from a random base
  for (let j = 0; j < p.repoRoles; j++) {
    const u = j % p.users;
    const r = (pick(p.seed, STREAM.repoRoleBase, u, p.repos) + Math.floor(j / p.users)) % p.repos;
    const role = REPO_ROLES[pick(p.seed, STREAM.repoRole, j, REPO_ROLES.length)]!;
    yield fact('has_role', user(u), S(role), repo(r));
  }
  for (let r = 0; r < p.repos; r++) {
    if (!hasFolders(r)) continue;
    yield fact('has_relation', folder(r, 0), S('repository'), repo(r));
    for (let d = 1; d < FOLDER_DEPTH; d++)
      yield fact('has_relation', folder(r, d), S('folder'), folder(r, d - 1));
  }
  for (let j = 0; j < p.memberships; j++) {
    yield fact('has_group', user(j % p.users), group(pick(p.seed, STREAM.membership, j, p.groups)));
  }
  for (let g = 0; g < p.groups; g++) if (groupNested(g)) yield fact('has_group', group(g), group(g - 1));
  for (let g = 0; g < p.groups; g++) {
    if (groupCycle(g, p.groups)) yield fact('has_group', group(g), group(g + GROUP_CHAIN - 1));
  }
  for (let g = 0; g < p.groups; g++) {
    const r = pick(p.seed, STREAM.groupRole, g, p.repos);
    yield fact('has_role', group(g), S('reader'), repo(r));
    yield fact('has_role', group(g), S('writer'), repo((r + 1) % p.repos));
  }
  for (let k = 0; k < p.issues; k++) {
    yield fact('has_relation', issue(k), S('repository'), repo(issueRepo(p, k)));
    yield fact('has_relation', issue(k), S('creator'), user(issueCreator(p, k)));
  }
  if (p.extraFact) yield fact('has_relation', issue(p.issues), S('repository'), repo(0));
}

/** A uniformly random user that is neither banned nor a global admin. */
const plainUser = (p: Plan, rnd: () => number) =>
  p.globalAdmins + Math.floor(rnd() * (p.users - p.banned - p.globalAdmins));
/** A non-banned admin of org `o` (one exists: users/20 > orgs for every plan). */
function adminOf(p: Plan, o: number, rnd: () => number): number {
  const max = Math.floor((p.users - p.banned - 1 - ADMIN_EVERY * o) / (ADMIN_EVERY * p.orgs));
  return ADMIN_EVERY * (o + p.orgs * Math.floor(rnd() * (max + 1)));
}
/** A random repository of org `o`. */
const repoOf = (p: Plan, o: number, rnd: () => number) =>
  o + p.orgs * Math.floor(rnd() * Math.floor((p.repos - 1 - o) / p.orgs + 1));

function checks(p: Plan, n: number, seed: number): SampleCheck[] {
  const rnd = mulberry32(seed ^ hashString('checks'));
  const anyRepo = () => Math.floor(rnd() * p.repos);
  const out: SampleCheck[] = [];
  for (let k = 0; out.length < n; k++) {
    switch (k % 10) {
      case 0: {
        const r = anyRepo();
        out.push({
          actor: user(adminOf(p, orgOfRepo(p, r), rnd)),
          action: 'delete',
          resource: repo(r),
          expected: true,
        });
        break;
      }
      case 1: {
        const u = plainUser(p, rnd);
        const r = repoOf(p, orgOfUser(p, u), rnd);
        out.push({ actor: user(u), action: 'read', resource: repo(r), expected: true });
        break;
      }
      case 2: {
        const u = p.users - 1 - Math.floor(rnd() * p.banned);
        out.push({ actor: user(u), action: 'read', resource: repo(anyRepo()), expected: false });
        break;
      }
      case 3: {
        const u = Math.floor(rnd() * p.globalAdmins);
        out.push({ actor: user(u), action: 'delete', resource: repo(anyRepo()), expected: true });
        break;
      }
      case 4: {
        const r = 10 * Math.floor(rnd() * Math.ceil(p.repos / 10));
        out.push({ actor: user(plainUser(p, rnd)), action: 'read', resource: repo(r), expected: true });
        break;
      }
      case 5: {
        const r = 5 * Math.floor(rnd() * Math.ceil(p.repos / 5));
        const u = adminOf(p, orgOfRepo(p, r), rnd);
        out.push({ actor: user(u), action: 'write', resource: folder(r, FOLDER_DEPTH - 1), expected: true });
        break;
      }
      case 6: {
        let r = anyRepo();
        if (isPublicRepo(r)) r = r + 1 < p.repos ? r + 1 : r - 1;
        out.push({
          actor: { type: 'User', id: `outsider${k}` },
          action: 'read',
          resource: repo(r),
          expected: false,
        });
        break;
      }
      case 7: {
        const i = Math.floor(rnd() * p.issues);
        const u = issueCreator(p, i);
        out.push({ actor: user(u), action: 'close', resource: issue(i), expected: !isBanned(p, u) });
        break;
      }
      case 8: {
        const action = ['read', 'push', 'delete'][Math.floor(rnd() * 3)]!;
        out.push({ actor: user(Math.floor(rnd() * p.users)), action, resource: repo(anyRepo()) });
        break;
      }
      default: {
        const action = ['read', 'comment', 'close'][Math.floor(rnd() * 3)]!;
        const i = Math.floor(rnd() * p.issues);
        out.push({ actor: user(Math.floor(rnd() * p.users)), action, resource: issue(i) });
      }
    }
  }
  return out;
}

/**
 * Generates a GitHub-like data set of exactly `opts.facts` facts (at least `MIN_FACTS`), deterministic in
 * `opts.seed` (default 1). Facts are produced lazily, so memory stays flat even for millions of facts.
 */
export function generateDataset(opts: DatasetOptions): Dataset {
  const plan = makePlan(opts.facts, (opts.seed ?? 1) >>> 0);
  const byKind = { ...fixedKinds(plan), issues: 2 * plan.issues + plan.extraFact };
  const stats: DatasetStats = {
    facts: Object.values(byKind).reduce((a, b) => a + b, 0),
    users: plan.users,
    organizations: plan.orgs,
    repositories: plan.repos,
    issues: plan.issues + plan.extraFact,
    folders: FOLDER_DEPTH * count(plan.repos, hasFolders),
    groups: plan.groups,
    globalAdmins: plan.globalAdmins,
    bannedUsers: plan.banned,
    publicRepositories: count(plan.repos, isPublicRepo),
    byKind,
  };
  return {
    policy: GITHUB_POLICY,
    facts: { [Symbol.iterator]: () => generate(plan) },
    stats,
    sampleChecks: (n, seed = 1) => checks(plan, n, seed),
  };
}
