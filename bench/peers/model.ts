// The repository-level part of the GitHub-like policy that every peer engine expresses: org and repo
// roles with hierarchy, repo -> org, public repositories, banned users and global admins.
import type { Fact } from '../../lib/polar/index.ts';

/** One repository-level fact, already decoded from the generated Polar facts. */
export type RepoFact =
  | { kind: 'global'; user: string }
  | { kind: 'banned'; user: string }
  | { kind: 'orgRole'; user: string; role: 'member' | 'admin'; org: string }
  | { kind: 'repoRole'; user: string; role: 'reader' | 'writer' | 'admin'; repo: string }
  | { kind: 'repoOrg'; repo: string; org: string }
  | { kind: 'public'; repo: string };

/** The actions the peers answer on a repository. */
export type RepoAction = 'read' | 'push' | 'delete';

/** One check a peer answers: a user id (possibly unknown), an action and a repository id. */
export interface PeerCheck {
  actor: string;
  action: RepoAction;
  repo: string;
}

/** A built peer: answers repository checks; `facts` counts the facts it holds. */
export interface Peer {
  facts: number;
  check(c: PeerCheck): boolean | Promise<boolean>;
}

/** Decodes the repository-level facts; group, folder and issue facts are skipped (peers cannot express them). */
export function* repoFacts(facts: Iterable<Fact>): Generator<RepoFact> {
  for (const f of facts) {
    const [a, b, c] = f.args;
    if (f.predicate === 'has_role' && a?.type === 'User') {
      if (c === undefined) yield { kind: 'global', user: a.id };
      else if (c.type === 'Organization')
        yield { kind: 'orgRole', user: a.id, role: b!.id as 'member', org: c.id };
      else if (c.type === 'Repository')
        yield { kind: 'repoRole', user: a.id, role: b!.id as 'reader', repo: c.id };
    } else if (f.predicate === 'is_banned' && a?.type === 'User') yield { kind: 'banned', user: a.id };
    else if (f.predicate === 'has_relation' && a?.type === 'Repository' && c?.type === 'Organization')
      yield { kind: 'repoOrg', repo: a.id, org: c.id };
    else if (f.predicate === 'is_public' && a?.type === 'Repository' && b?.id === 'true')
      yield { kind: 'public', repo: a.id };
  }
}

/** Repository ids on which a group holds a role: checks on them depend on nested groups. */
export function groupGrantedRepos(facts: Iterable<Fact>): Set<string> {
  const out = new Set<string>();
  for (const f of facts) {
    const [a, , c] = f.args;
    if (f.predicate === 'has_role' && a?.type === 'Group' && c?.type === 'Repository') out.add(c.id);
  }
  return out;
}
