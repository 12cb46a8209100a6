// The hand-written floor: JS Maps of role bitmasks and ~10 lines of logic, no engine at all.
import type { Peer, PeerCheck, RepoFact } from './model.ts';

const BIT = { reader: 1, writer: 2, admin: 4, member: 8 } as const;
const READ = BIT.reader | BIT.writer | BIT.admin;
const PUSH = BIT.writer | BIT.admin;

/** Builds the JS Map floor from repository-level facts. */
export function buildJsMap(facts: Iterable<RepoFact>): Peer {
  const roles = new Map<string, Map<string, number>>();
  const orgOf = new Map<string, string>();
  const pub = new Set<string>();
  const banned = new Set<string>();
  const admins = new Set<string>();
  let n = 0;
  const grant = (user: string, on: string, bit: number) => {
    let m = roles.get(user);
    if (m === undefined) {
      m = new Map();
      roles.set(user, m);
    }
    m.set(on, (m.get(on) ?? 0) | bit);
  };
  for (const f of facts) {
    n++;
    if (f.kind === 'global') admins.add(f.user);
    else if (f.kind === 'banned') banned.add(f.user);
    else if (f.kind === 'orgRole') grant(f.user, f.org, BIT[f.role]);
    else if (f.kind === 'repoRole') grant(f.user, f.repo, BIT[f.role]);
    else if (f.kind === 'repoOrg') orgOf.set(f.repo, f.org);
    else pub.add(f.repo);
  }
  return {
    facts: n,
    check({ actor, action, repo }: PeerCheck): boolean {
      if (banned.has(actor)) return false;
      if (admins.has(actor)) return true;
      const m = roles.get(actor);
      const r = m?.get(repo) ?? 0;
      const org = orgOf.get(repo);
      const o = org === undefined ? 0 : (m?.get(org) ?? 0);
      if (action === 'read') return (r & READ) !== 0 || (o & (BIT.member | BIT.admin)) !== 0 || pub.has(repo);
      if (action === 'push') return (r & PUSH) !== 0 || (o & BIT.admin) !== 0;
      return (r & BIT.admin) !== 0 || (o & BIT.admin) !== 0;
    },
  };
}
