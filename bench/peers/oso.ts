// The open-source oso 0.27.3 (Polar VM in WASM), modelled as in peers.md: the canonical resource block,
// facts reached through host classes (`hasRole` on a Map of role sets), deny-override in `allow`.
import { Oso } from 'oso';
import type { Peer, PeerCheck, RepoFact } from './model.ts';

class User {
  banned = false;
  globalAdmin = false;
  readonly roles = new Map<string, Set<string>>();
  constructor(readonly id: string) {}
  hasRole(name: string, on: string): boolean {
    return this.roles.get(on)?.has(name) ?? false;
  }
}
class Organization {
  constructor(readonly id: string) {}
}
class Repository {
  isPublic = false;
  organization: Organization | null = null;
  constructor(readonly id: string) {}
}

const POLICY = `
actor User {}
resource Organization {
  roles = ["member", "admin"];
  "member" if "admin";
}
resource Repository {
  roles = ["reader", "writer", "admin"];
  permissions = ["read", "push", "delete"];
  relations = { parent: Organization };
  "reader" if "writer";
  "writer" if "admin";
  "reader" if "member" on "parent";
  "admin" if "admin" on "parent";
  "read" if "reader";
  "push" if "writer";
  "delete" if "admin";
}
has_relation(org: Organization, "parent", repo: Repository) if org = repo.organization;
has_role(user: User, name: String, r: Repository) if user.hasRole(name, r.id);
has_role(user: User, name: String, o: Organization) if user.hasRole(name, o.id);
has_permission(_: User, "read", repo: Repository) if repo.isPublic = true;
allow(user: User, action: String, resource: Repository) if
  user.banned = false and (user.globalAdmin = true or has_permission(user, action, resource));
`;

/** Builds the host objects and loads the policy into one reused `Oso` instance. */
export async function buildOso(facts: Iterable<RepoFact>): Promise<Peer> {
  const users = new Map<string, User>();
  const orgs = new Map<string, Organization>();
  const repos = new Map<string, Repository>();
  const userOf = (id: string) => users.get(id) ?? users.set(id, new User(id)).get(id)!;
  const orgOf = (id: string) => orgs.get(id) ?? orgs.set(id, new Organization(id)).get(id)!;
  const repoOf = (id: string) => repos.get(id) ?? repos.set(id, new Repository(id)).get(id)!;
  const grant = (u: string, on: string, role: string) => {
    const m = userOf(u).roles;
    const s = m.get(on);
    if (s === undefined) m.set(on, new Set([role]));
    else s.add(role);
  };
  let n = 0;
  for (const f of facts) {
    n++;
    if (f.kind === 'global') userOf(f.user).globalAdmin = true;
    else if (f.kind === 'banned') userOf(f.user).banned = true;
    else if (f.kind === 'orgRole') grant(f.user, f.org, f.role);
    else if (f.kind === 'repoRole') grant(f.user, f.repo, f.role);
    else if (f.kind === 'repoOrg') repoOf(f.repo).organization = orgOf(f.org);
    else repoOf(f.repo).isPublic = true;
  }
  const oso = new Oso();
  oso.registerClass(User);
  oso.registerClass(Organization);
  oso.registerClass(Repository);
  await oso.loadStr(POLICY);
  return {
    facts: n,
    check: ({ actor, action, repo }: PeerCheck) =>
      oso.isAllowed(users.get(actor) ?? new User(actor), action, repos.get(repo) ?? new Repository(repo)),
  };
}
