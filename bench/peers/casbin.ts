// casbin 5, RBAC with domains, "flat" model of peers.md: the role hierarchy expanded into p lines,
// repo -> org through a custom function (casbin cannot follow a second relation to find a domain).
import { newEnforcer, newModelFromString } from 'casbin';
import type { Peer, PeerCheck, RepoFact } from './model.ts';

const MODEL = `
[request_definition]
r = sub, obj, act
[policy_definition]
p = role, scope, act
[role_definition]
g = _, _, _
g2 = _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = r.act == p.act && !g2(r.sub, "banned") && (g2(r.sub, "global_admin") || (p.scope == "public" && g2(r.obj, "public")) || (p.scope == "repo" && g(r.sub, p.role, r.obj)) || (p.scope == "org" && g(r.sub, p.role, orgOf(r.obj))))
`;

const P_LINES = [
  ['reader', 'repo', 'read'],
  ['writer', 'repo', 'read'],
  ['writer', 'repo', 'push'],
  ['admin', 'repo', 'read'],
  ['admin', 'repo', 'push'],
  ['admin', 'repo', 'delete'],
  ['member', 'org', 'read'],
  ['admin', 'org', 'read'],
  ['admin', 'org', 'push'],
  ['admin', 'org', 'delete'],
  ['any', 'public', 'read'],
];

/** Builds a casbin enforcer holding the repository-level facts as g/g2 groupings. */
export async function buildCasbin(facts: Iterable<RepoFact>): Promise<Peer> {
  const e = await newEnforcer(newModelFromString(MODEL));
  const orgOf = new Map<string, string>();
  await e.addFunction('orgOf', (repo: string) => orgOf.get(repo) ?? '');
  const g: string[][] = [];
  const g2: string[][] = [];
  let n = 0;
  for (const f of facts) {
    n++;
    if (f.kind === 'global') g2.push([f.user, 'global_admin']);
    else if (f.kind === 'banned') g2.push([f.user, 'banned']);
    else if (f.kind === 'orgRole') g.push([f.user, f.role, f.org]);
    else if (f.kind === 'repoRole') g.push([f.user, f.role, f.repo]);
    else if (f.kind === 'repoOrg') orgOf.set(f.repo, f.org);
    else g2.push([f.repo, 'public']);
  }
  await e.addPolicies(P_LINES);
  await e.addNamedGroupingPolicies('g', g);
  await e.addNamedGroupingPolicies('g2', g2);
  return {
    facts: n,
    check: (c: PeerCheck) => e.enforceSync(c.actor, c.repo, c.action),
  };
}
