// A deterministic GitHub-like data set for benchmarks, generated lazily so 5M facts never sit in memory.
import type { Fact } from '../../lib/polar/index.ts';
import { checks, type SampleCheck } from './github-checks.ts';
import {
  ADMIN_EVERY,
  count,
  FOLDER_DEPTH,
  fact,
  fixedKinds,
  folder,
  GROUP_CHAIN,
  group,
  groupCycle,
  groupNested,
  hasFolders,
  isPrivateFlagged,
  isPublicRepo,
  issue,
  issueCreator,
  issueRepo,
  makePlan,
  org,
  orgOfRepo,
  orgOfUser,
  type Plan,
  REPO_ROLES,
  repo,
  S,
  STREAM,
  user,
} from './github-plan.ts';
import { GITHUB_POLICY } from './github-policy.ts';
import { pick } from './rng.ts';

export type { SampleCheck } from './github-checks.ts';
export { FOLDER_DEPTH, MIN_FACTS } from './github-plan.ts';
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

export interface Dataset {
  policy: string;
  /** Re-iterable: each iteration regenerates the same facts in the same order. */
  facts: Iterable<Fact>;
  stats: DatasetStats;
  /** `n` checks, deterministic for a given `seed` (default 1). */
  sampleChecks(n: number, seed?: number): SampleCheck[];
}

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
