// Cedar 4 (cedar-wasm), the "tags" model of peers.md: per request the host slices two entities (the
// principal with only the role tags for this repository and its org, and the repository); policies are
// preparsed once. cedar-wasm has no preparsed-entities API, so per-call entity marshalling is unavoidable.
import { type EntityJson, preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import type { Peer, PeerCheck, RepoFact } from './model.ts';

const POLICIES = `
permit(principal, action == Action::"read", resource) when { resource.public };
permit(principal, action == Action::"read", resource) when
  { principal.hasTag(resource.key) && principal.getTag(resource.key).containsAny(["reader", "writer", "admin"]) };
permit(principal, action == Action::"push", resource) when
  { principal.hasTag(resource.key) && principal.getTag(resource.key).containsAny(["writer", "admin"]) };
permit(principal, action == Action::"delete", resource) when
  { principal.hasTag(resource.key) && principal.getTag(resource.key).contains("admin") };
permit(principal, action == Action::"read", resource) when
  { principal.hasTag(resource.orgKey) && principal.getTag(resource.orgKey).containsAny(["member", "admin"]) };
permit(principal, action in [Action::"push", Action::"delete"], resource) when
  { principal.hasTag(resource.orgKey) && principal.getTag(resource.orgKey).contains("admin") };
permit(principal, action, resource) when { principal.globalAdmin };
forbid(principal, action, resource) when { principal.banned };
`;
const PSET = 'bench-github';

/** Builds the host store (role names per user and resource) and preparses the Cedar policies. */
export function buildCedar(facts: Iterable<RepoFact>): Peer {
  const roles = new Map<string, Map<string, string[]>>();
  const orgOf = new Map<string, string>();
  const pub = new Set<string>();
  const banned = new Set<string>();
  const admins = new Set<string>();
  let n = 0;
  const grant = (user: string, on: string, role: string) => {
    let m = roles.get(user);
    if (m === undefined) {
      m = new Map();
      roles.set(user, m);
    }
    const list = m.get(on);
    if (list === undefined) m.set(on, [role]);
    else list.push(role);
  };
  for (const f of facts) {
    n++;
    if (f.kind === 'global') admins.add(f.user);
    else if (f.kind === 'banned') banned.add(f.user);
    else if (f.kind === 'orgRole' || f.kind === 'repoRole')
      grant(f.user, f.kind === 'orgRole' ? f.org : f.repo, f.role);
    else if (f.kind === 'repoOrg') orgOf.set(f.repo, f.org);
    else pub.add(f.repo);
  }
  const parsed = preparsePolicySet(PSET, { staticPolicies: POLICIES });
  if (parsed.type !== 'success') throw new Error(`cedar policies: ${JSON.stringify(parsed.errors)}`);
  return {
    facts: n,
    check({ actor, action, repo }: PeerCheck): boolean {
      const org = orgOf.get(repo) ?? '';
      const m = roles.get(actor);
      const tags: Record<string, string[]> = {};
      const onRepo = m?.get(repo);
      if (onRepo !== undefined) tags[repo] = onRepo;
      const onOrg = m?.get(org);
      if (onOrg !== undefined) tags[org] = onOrg;
      const principal: EntityJson = {
        uid: { type: 'User', id: actor },
        attrs: { banned: banned.has(actor), globalAdmin: admins.has(actor) },
        parents: [],
        tags,
      };
      const resource: EntityJson = {
        uid: { type: 'Repository', id: repo },
        attrs: { key: repo, orgKey: org, public: pub.has(repo) },
        parents: [],
      };
      const res = statefulIsAuthorized({
        principal: { type: 'User', id: actor },
        action: { type: 'Action', id: action },
        resource: { type: 'Repository', id: repo },
        context: {},
        preparsedPolicySetId: PSET,
        entities: [principal, resource],
      });
      if (res.type !== 'success') throw new Error(`cedar: ${JSON.stringify(res.errors)}`);
      return res.response.decision === 'allow';
    },
  };
}
